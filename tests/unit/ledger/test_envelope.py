"""The v1 act envelope: round trips, malformed shapes, times and audiences."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from truce.errors import DigestMismatchError, ImplausibleTimeError, MalformedActError
from truce.ledger import jcs, merkle
from truce.ledger.envelope import (
    Envelope,
    audience_includes,
    format_time,
    parse_time,
    sign_act,
)
from truce.ledger.keys import SigningKey

KEY = SigningKey.from_seed(bytes(range(32)))
BODY = {"title": "Statement", "text": "Ceasefire holds; 250.0 trucks wait.", "language": "en"}


def signed(**overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "kind": "statement.publish",
        "mechanism": "istanbul-2025",
        "member": "PK",
        "delegate": "pk-officer",
        "key": KEY,
        "body": BODY,
        "at": "2025-10-19T06:00:00Z",
        "audience": ["TR", "PK", "QA"],
    }
    fields.update(overrides)
    return sign_act(**fields)


def test_an_envelope_round_trips_through_json_byte_for_byte() -> None:
    act = signed()
    wire = json.dumps(act.to_dict())
    again = Envelope.from_dict(json.loads(wire)["envelope"])
    assert again == act.envelope
    assert again.leaf_bytes() == act.envelope.leaf_bytes()
    assert jcs.canonicalize(json.loads(act.envelope.leaf_bytes())) == act.envelope.leaf_bytes()
    assert again.verify_signature(KEY.public_key)
    assert act.envelope.leaf_hash() == merkle.hash_leaf(act.envelope.leaf_bytes())


def test_the_signature_covers_the_canonical_envelope_without_sig() -> None:
    act = signed()
    unsigned = act.envelope.unsigned_dict()
    assert "sig" not in unsigned
    assert act.envelope.signing_bytes() == jcs.canonicalize(unsigned)
    assert unsigned["body_digest"] == jcs.sha256_digest(BODY)
    assert unsigned["audience"] == ["PK", "QA", "TR"]


def test_the_body_is_checked_against_its_digest() -> None:
    act = signed()
    assert act.envelope.check_body(json.loads(json.dumps(BODY))) == jcs.canonicalize(BODY)
    with pytest.raises(DigestMismatchError):
        act.envelope.check_body({**BODY, "text": "changed"})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"v": 2}, "v"),
        ({"v": True}, "v"),
        ({"v": 1.0}, "v"),
        ({"kind": "Lodge"}, "kind"),
        ({"author": {"member": "PK", "delegate": "x"}}, "author"),
        ({"author": {"member": "pakistan", "delegate": "x", "key": "k" * 43}}, "author.member"),
        ({"refs": ["not-a-hash"]}, "refs"),
        ({"refs": "ab"}, "refs"),
        ({"audience": []}, "audience"),
        ({"audience": ["PK", "PK"]}, "audience"),
        ({"audience": "everyone"}, "audience"),
        ({"body_digest": "md5:00"}, "body_digest"),
        ({"sig": "AAAA"}, "sig"),
        ({"sig": "A" * 86 + "=="}, "sig"),
        ({"sig": "A" * 43 + "\n" + "A" * 43}, "sig"),
        ({"sig": "A" * 85 + "B"}, "sig"),
        ({"at": "19 October 2025"}, "at"),
        ({"at": "2025-10-19T06:00:00+05:00"}, "at"),
        ({"extra": 1}, "extra"),
    ],
)
def test_malformed_envelopes_name_the_field(change: dict[str, Any], field: str) -> None:
    data = signed().envelope.to_dict() | change
    with pytest.raises(MalformedActError) as caught:
        Envelope.from_dict(data)
    assert caught.value.field == field


def test_a_missing_field_is_named() -> None:
    data = signed().envelope.to_dict()
    del data["refs"]
    with pytest.raises(MalformedActError, match="lacks refs"):
        Envelope.from_dict(data)
    with pytest.raises(MalformedActError):
        Envelope.from_dict(["not", "an", "object"])


@pytest.mark.parametrize(
    "text", ["2025-02-30T10:00:00Z", "2025-13-01T00:00:00Z", "2025-10-19T24:00:00Z"]
)
def test_impossible_times_are_refused(text: str) -> None:
    with pytest.raises(ImplausibleTimeError):
        parse_time(text)


def test_times_round_trip() -> None:
    moment = datetime(2025, 10, 30, 21, 5, 7, 250000, tzinfo=UTC)
    assert parse_time(format_time(moment)) == moment
    assert format_time(moment.replace(microsecond=0)) == "2025-10-30T21:05:07Z"


@pytest.mark.parametrize(
    ("audience", "author", "reader", "mediator", "expected"),
    [
        ("all", "PK", "AF", False, True),
        ("public", "PK", "AF", False, True),
        ("public", "PK", "QA", True, True),
        ("mediators", "PK", "TR", True, True),
        ("mediators", "PK", "AF", False, False),
        ("mediators", "PK", "PK", False, True),
        (("PK", "QA"), "PK", "QA", True, True),
        (("PK", "QA"), "PK", "TR", True, False),
        (("PK", "QA"), "PK", "SEC", False, False),
    ],
)
def test_audience_rules(
    audience: Any, author: str, reader: str, mediator: bool, expected: bool
) -> None:
    assert audience_includes(audience, author, reader, mediator) is expected


def test_a_verification_is_kept_per_key() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    act = sign_act(
        kind="statement.publish",
        mechanism="istanbul-2025",
        member="PK",
        delegate="pk-officer",
        key=key,
        body={"title": "t", "text": "x", "language": "en"},
        at=datetime(2025, 10, 30, tzinfo=UTC),
    )
    envelope = act.envelope
    assert envelope.verified_by(key.public_key) is None
    assert envelope.verify_signature(other.public_key) is False
    assert envelope.verified_by(key.public_key) is None
    assert envelope.verified_by(other.public_key) is False
    assert envelope.verify_signature(key.public_key) is True
    assert envelope.verified_by(key.public_key) is True
