"""Admission: every refusal is explained and leaves every stored record as it was."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Clock
from tests.mechanism import Mechanism
from truce.accounts.service import Identity
from truce.errors import (
    DigestMismatchError,
    ForbiddenError,
    ImplausibleTimeError,
    MalformedActError,
    RefusedActError,
    ReplayError,
    RoleError,
    SignatureError,
    UnknownKeyError,
)
from truce.ledger import merkle
from truce.ledger.envelope import Envelope, SignedAct, parse_time, sign_act
from truce.ledger.keys import SigningKey, b64url_decode, b64url_encode
from truce.log import projections
from truce.log.admission import Admission
from truce.log.store import LogStore
from truce.storage.db import Database
from truce.storage.models import Act, Body, DelegateKey, LogEntry, LogNode


def stored_state(db: Database) -> dict[str, Any]:
    """Everything an act could change: the log, the bodies, every projection."""
    with db.read() as connection:
        head = LogStore(connection).head()
        counts = {
            table.__tablename__: connection.execute(
                select(func.count()).select_from(table)
            ).scalar_one()
            for table in (LogEntry, LogNode, Body, Act, DelegateKey)
        }
        return {"size": head.size, "root": head.root, **counts, **projections.snapshot(connection)}


def refused(mechanism: Mechanism, act: SignedAct, error: type[Exception], **kw: Any) -> str:
    before = stored_state(mechanism.db)
    with pytest.raises(error) as caught:
        mechanism.admission.submit(act, **kw)
    assert stored_state(mechanism.db) == before
    return str(caught.value)


def with_envelope(act: SignedAct, **changes: Any) -> SignedAct:
    data = act.envelope.to_dict()
    data.update(changes)
    return SignedAct(Envelope.from_dict(data), act.body)


def test_an_accepted_act_is_logged_with_its_projection_and_body(mechanism: Mechanism) -> None:
    before = stored_state(mechanism.db)
    act = mechanism.act("pk-officer")
    receipt = mechanism.admission.submit(act)
    assert receipt.index == before["size"]
    assert receipt.leaf_hash == merkle.hash_leaf(act.envelope.leaf_bytes())
    with mechanism.db.read() as connection:
        store = LogStore(connection)
        assert store.head().size == before["size"] + 1
        assert store.entries(receipt.index, receipt.index)[0][1] == act.envelope.leaf_bytes()
        assert store.body(act.envelope.body_digest) is not None
        row = connection.execute(select(Act).where(Act.idx == receipt.index)).one()
        assert (row.kind, row.member, row.delegate) == ("statement.publish", "PK", "pk-officer")


def test_a_bad_signature_is_refused(mechanism: Mechanism) -> None:
    act = mechanism.act("pk-officer")
    signature = bytearray(b64url_decode(act.envelope.sig))
    signature[5] ^= 0x01
    message = refused(
        mechanism, with_envelope(act, sig=b64url_encode(bytes(signature))), SignatureError
    )
    assert "signature does not verify" in message


def test_a_signature_over_other_content_is_refused(mechanism: Mechanism) -> None:
    act = mechanism.act("pk-officer")
    tampered = with_envelope(act, refs=["ab" * 32])
    refused(mechanism, tampered, SignatureError)


def test_a_key_registered_to_someone_else_is_refused(mechanism: Mechanism) -> None:
    pk = mechanism.key("pk-officer")
    forged = sign_act(
        kind="statement.publish",
        mechanism=mechanism.scenario.mechanism.id,
        member="AF",
        delegate="af-officer",
        key=pk.key,
        body={"title": "Forged", "text": "Not ours.", "language": "en"},
        at=mechanism.clock(),
    )
    message = refused(mechanism, forged, UnknownKeyError)
    assert "not registered to AF/af-officer" in message


def test_an_unregistered_key_is_refused(mechanism: Mechanism) -> None:
    stranger = sign_act(
        kind="statement.publish",
        mechanism=mechanism.scenario.mechanism.id,
        member="PK",
        delegate="pk-officer",
        key=SigningKey.generate(),
        body={"title": "Who?", "text": "Unknown key.", "language": "en"},
        at=mechanism.clock(),
    )
    refused(mechanism, stranger, UnknownKeyError)


def test_an_author_without_the_role_is_refused(mechanism: Mechanism) -> None:
    message = refused(mechanism, mechanism.act("pk-observer"), RoleError)
    assert "observer may not sign statement.publish" in message
    register = mechanism.act(
        "pk-officer",
        "member.key",
        {
            "action": "register",
            "delegate": "pk-new",
            "role": "officer",
            "public_key": SigningKey.generate().public_key.text,
        },
    )
    refused(mechanism, register, RoleError)


def test_a_body_that_does_not_match_its_digest_is_refused(mechanism: Mechanism) -> None:
    act = mechanism.act("pk-officer")
    altered = SignedAct(act.envelope, {**act.body, "text": "Something else."})
    message = refused(mechanism, altered, DigestMismatchError)
    assert "differs from the envelope's body_digest" in message


def test_a_replayed_act_is_refused(mechanism: Mechanism) -> None:
    act = mechanism.act("pk-officer")
    mechanism.admission.submit(act)
    message = refused(mechanism, act, ReplayError)
    assert "already in the log" in message


def test_a_replay_inside_one_batch_is_refused(mechanism: Mechanism) -> None:
    act = mechanism.act("pk-officer")
    before = stored_state(mechanism.db)
    with pytest.raises(ReplayError):
        mechanism.admission.submit_many([act, act])
    assert stored_state(mechanism.db) == before


@pytest.mark.parametrize(
    ("shift", "expected"),
    [({"minutes": 30}, "later than the server's time"), ({"hours": -25}, "more than 24 h")],
)
def test_an_implausible_time_is_refused(
    mechanism: Mechanism, clock: Clock, shift: dict[str, float], expected: str
) -> None:
    from datetime import timedelta

    act = mechanism.act("pk-officer", at=clock() + timedelta(**shift))
    assert expected in refused(mechanism, act, ImplausibleTimeError)


def test_a_time_within_the_allowed_skew_is_accepted(mechanism: Mechanism, clock: Clock) -> None:
    from datetime import timedelta

    ahead = clock() + timedelta(minutes=4)
    before = stored_state(mechanism.db)
    receipt = mechanism.admission.submit(mechanism.act("pk-officer", at=ahead))
    assert receipt.index == before["size"]
    with mechanism.db.read() as connection:
        assert LogStore(connection).head().size == before["size"] + 1
        logged = connection.execute(select(Act.at).where(Act.idx == receipt.index)).scalar_one()
    assert logged == ahead


def test_an_impossible_date_is_refused_when_parsed() -> None:
    with pytest.raises(ImplausibleTimeError, match="not a real time"):
        parse_time("2025-02-30T10:00:00Z")


def test_a_forged_submitter_is_refused(mechanism: Mechanism) -> None:
    act = mechanism.act("pk-officer")
    message = refused(
        mechanism, act, ForbiddenError, submitter=Identity(member="AF", delegate="af-officer")
    )
    assert "submitted by AF/af-officer" in message


def test_malformed_acts_are_refused(mechanism: Mechanism) -> None:
    refused(mechanism, mechanism.act("pk-officer", "case.teleport", {}), MalformedActError)
    refused(mechanism, mechanism.act("pk-officer", body={"title": "x"}), MalformedActError)
    refused(mechanism, mechanism.act("pk-officer", audience=["PK", "XX"]), MalformedActError)
    other = mechanism.act("pk-officer")
    data = other.envelope.unsigned_dict() | {"mechanism": "elsewhere"}
    key = mechanism.key("pk-officer").key
    from truce.ledger import jcs

    data["sig"] = b64url_encode(key.sign(jcs.canonicalize(data)))
    refused(mechanism, SignedAct(Envelope.from_dict(data), other.body), MalformedActError)


def test_a_second_genesis_is_refused(mechanism: Mechanism) -> None:
    root = mechanism.key("sec-root")
    genesis = mechanism.act("sec-root", "mechanism.genesis", {"anything": 1})
    assert root.member == "SEC"
    refused(mechanism, genesis, RefusedActError)


def test_a_batch_is_all_or_nothing(mechanism: Mechanism) -> None:
    good = mechanism.act("pk-officer")
    bad = mechanism.act("pk-observer")
    before = stored_state(mechanism.db)
    with pytest.raises(RoleError):
        mechanism.admission.submit_many([good, bad])
    assert stored_state(mechanism.db) == before


def analyst_registration(key: SigningKey) -> dict[str, Any]:
    """The body of a ``member.key`` act registering ``key`` for PK's new analyst."""
    return {
        "action": "register",
        "delegate": "pk-analyst",
        "role": "officer",
        "public_key": key.public_key.text,
    }


def analyst_statement(mechanism: Mechanism, key: SigningKey, text: str) -> SignedAct:
    """A statement signed by PK's analyst with ``key``, dated now by the mechanism's clock."""
    return sign_act(
        kind="statement.publish",
        mechanism=mechanism.scenario.mechanism.id,
        member="PK",
        delegate="pk-analyst",
        key=key,
        body={"title": "Analysis", "text": text, "language": "en"},
        at=mechanism.clock(),
    )


def test_keys_are_registered_and_revoked_by_the_head(mechanism: Mechanism, clock: Clock) -> None:
    new_key = SigningKey.generate()
    body = analyst_registration(new_key)
    mechanism.admission.submit(mechanism.act("pk-root", "member.key", body))
    refused(
        mechanism, mechanism.act("pk-root", "member.key", body | {"delegate": "x"}), RefusedActError
    )

    def statement(text: str) -> SignedAct:
        return analyst_statement(mechanism, new_key, text)

    earlier = mechanism.admission.submit(statement("before revocation"))
    clock.advance(seconds=1)
    mechanism.admission.submit(mechanism.act("pk-root", "member.key", body | {"action": "revoke"}))
    message = refused(mechanism, statement("after revocation"), UnknownKeyError)
    assert "was revoked at log index" in message
    with mechanism.db.read() as connection:
        assert LogStore(connection).index_of(earlier.leaf_hash) == earlier.index


def test_a_party_head_cannot_register_secretariat_keys(mechanism: Mechanism) -> None:
    body = {
        "action": "register",
        "delegate": "pk-clerk",
        "role": "secretariat",
        "public_key": SigningKey.generate().public_key.text,
    }
    refused(mechanism, mechanism.act("pk-root", "member.key", body), RoleError)


def test_concurrent_writers_never_share_an_index_or_fork_the_tree(
    mechanism: Mechanism, clock: Clock
) -> None:
    writers, per_writer = 4, 15
    start_size = stored_state(mechanism.db)["size"]
    acts = [
        [
            mechanism.act(
                "pk-officer" if writer % 2 else "af-officer",
                body={"title": f"w{writer}", "text": f"act {n}", "language": "en"},
            )
            for n in range(per_writer)
        ]
        for writer in range(writers)
    ]
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(batch: list[SignedAct]) -> None:
        admission = Admission(Database.from_url(mechanism.url), clock=clock)
        barrier.wait()
        try:
            for act in batch:
                admission.submit(act)
        except BaseException as exc:
            failures.append(exc)
        finally:
            admission.db.dispose()

    threads = [threading.Thread(target=write, args=(batch,)) for batch in acts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with mechanism.db.read() as connection:
        store = LogStore(connection)
        head = store.head()
        entries = store.entries(0, head.size - 1)
    assert head.size == start_size + writers * per_writer
    assert [index for index, _ in entries] == list(range(head.size))
    tree = merkle.MerkleTree()
    for _, leaf in entries:
        tree.append(merkle.hash_leaf(leaf))
    assert tree.root(head.size) == head.root


def test_rebuild_reproduces_the_live_projections(mechanism: Mechanism, clock: Clock) -> None:
    new_key = SigningKey.generate()
    body = {
        "action": "register",
        "delegate": "af-analyst",
        "role": "officer",
        "public_key": new_key.public_key.text,
    }
    mechanism.admission.submit_many(
        [
            mechanism.act("af-root", "member.key", body),
            mechanism.act("pk-officer", audience="mediators"),
            mechanism.act("tr-officer", audience=["PK", "TR"]),
        ]
    )
    mechanism.admission.submit(mechanism.act("af-root", "member.key", body | {"action": "revoke"}))
    with mechanism.db.read() as connection:
        live = projections.snapshot(connection)
    with mechanism.db.write() as connection:
        connection.execute(DelegateKey.__table__.delete())
        connection.execute(Act.__table__.delete())
    with mechanism.db.write() as connection:
        count = projections.rebuild(connection)
    with mechanism.db.read() as connection:
        assert projections.snapshot(connection) == live
        assert count == LogStore(connection).head().size
    assert live["acts"]
    assert live["delegate_keys"]
    assert live["members"]


def test_key_registrations_are_public(mechanism: Mechanism) -> None:
    body = {
        "action": "register",
        "delegate": "pk-secret",
        "role": "officer",
        "public_key": SigningKey.generate().public_key.text,
    }
    message = refused(
        mechanism,
        mechanism.act("pk-root", "member.key", body, audience="mediators"),
        RefusedActError,
    )
    assert 'addressed to "all"' in message


def test_a_prechecked_signature_still_meets_every_check_of_admission(
    mechanism: Mechanism, clock: Clock
) -> None:
    """The server verifies a signature as it receives the act, with the key the writer
    last found registered; admission takes that answer but still checks the key as
    registered in its own transaction."""
    new_key = SigningKey.generate()
    body = analyst_registration(new_key)
    admission = mechanism.admission
    admission.submit(mechanism.act("pk-root", "member.key", body))

    def statement(text: str) -> SignedAct:
        return analyst_statement(mechanism, new_key, text)

    # The writer learns a key's public half when it first checks an act signed with it.
    first = statement("not prechecked: the key is new to this process")
    admission.precheck_signature(first)
    assert first.envelope.verified_by(new_key.public_key) is None
    admission.submit(first)
    second = statement("prechecked")
    admission.precheck_signature(second)
    assert second.envelope.verified_by(new_key.public_key) is True
    admission.submit(second)

    forged = with_envelope(statement("forged"), sig=mechanism.act("pk-officer").envelope.sig)
    admission.precheck_signature(forged)
    assert forged.envelope.verified_by(new_key.public_key) is False
    refused(mechanism, forged, SignatureError)

    # Verified while the key was valid, admitted after it was revoked: refused.
    late = statement("prechecked before the revocation")
    admission.precheck_signature(late)
    assert late.envelope.verified_by(new_key.public_key) is True
    clock.advance(seconds=1)
    admission.submit(mechanism.act("pk-root", "member.key", body | {"action": "revoke"}))
    assert "was revoked at log index" in refused(mechanism, late, UnknownKeyError)


def test_an_unknown_key_is_not_prechecked(mechanism: Mechanism) -> None:
    stranger = SigningKey.generate()
    act = sign_act(
        kind="statement.publish",
        mechanism=mechanism.scenario.mechanism.id,
        member="PK",
        delegate="pk-officer",
        key=stranger,
        body={"title": "Statement", "text": "Unregistered.", "language": "en"},
        at=mechanism.clock(),
    )
    mechanism.admission.precheck_signature(act)
    assert act.envelope.verified_by(stranger.public_key) is None
    refused(mechanism, act, UnknownKeyError)
