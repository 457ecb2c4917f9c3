"""Acts prepared from forms, signed with the delegate's Ed25519 key and submitted."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from tests.mechanism import Mechanism
from tests.unit.files.test_rules import photo
from tests.unit.reports.pdfs import report_data, report_pdf
from tests.unit.web_app import Browser, sign
from truce.acts.bodies import BODY_MODELS
from truce.ledger import jcs
from truce.ledger.envelope import format_time
from truce.ledger.keys import SigningKey
from truce.log.admission import Admission
from truce.log.batching import GroupCommit
from truce.storage.models import MediaCluster, StoredFile
from truce.verify.registry import PERMISSIONS

WIRE_TEXT = (
    "Gunfire broke out at the Chaman-Spin Boldak crossing on Thursday, November 6. Five "
    "civilians were killed and six injured, the district hospital in Spin Boldak said."
)
STATEMENT = {"kind": "statement.publish", "title": "Statement", "text": "The ceasefire holds."}
LODGE = {
    "kind": "case.lodge",
    "incident.type": "shelling",
    "incident.occurred_at": "2025-10-16T08:30",
    "incident.time_precision": "hour",
    "incident.place.place_id": "torkham",
    "incident.place.precision": "approximate",
    "incident.actors": "Border units, militia",
    "incident.killed.civilians": "2",
    "incident.injured.soldiers": "",
    "accused.member": "AF",
    "clauses": "C1, C4",
    "narrative": "Mortar rounds fell near the crossing.",
    "language": "en",
}


def test_a_statement_is_prepared_signed_and_recorded(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    key = mechanism.key("pk-officer").key
    prepared = officer.prepare({**STATEMENT, "key_id": key.key_id})
    assert prepared.status_code == 200, prepared.text
    envelope, body = prepared.json()["envelope"], prepared.json()["body"]
    assert body == {"title": "Statement", "text": "The ceasefire holds.", "language": "en"}
    assert envelope == {
        "v": 1,
        "kind": "statement.publish",
        "mechanism": "istanbul-2025",
        "author": {"member": "PK", "delegate": "pk-officer", "key": key.key_id},
        "at": format_time(mechanism.clock.now),
        "refs": [],
        "audience": "all",
        "body_digest": jcs.sha256_digest(body),
    }
    answer = officer.submit({"envelope": sign(key, envelope), "body": body})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["redirect"] == f"/statements?published={result['index']}"
    assert result["receipt"]["index"] == result["index"]
    logged = officer.client.get(f"/log/v1/receipts/{result['index']}").json()
    assert logged["leaf_hash"] == result["receipt"]["leaf_hash"]
    # the answer's leaf hash is the act's reference (hex, as refs carry it); receipts say base64
    assert base64.b64decode(logged["leaf_hash"]) == bytes.fromhex(result["leaf_hash"])


def test_a_case_is_lodged_from_dotted_fields_then_evidence_uploaded(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    lodged = officer.act(LODGE)
    assert lodged.status_code == 200, lodged.text
    case_id = lodged.json()["index"]
    assert lodged.json()["redirect"] == f"/cases/{case_id}?act=case.evidence&lodged=1#act-form"
    page = officer.client.get(lodged.json()["redirect"].split("#")[0])
    assert page.status_code == 200
    assert "data-lodged" in page.text
    assert 'name="kind" value="case.evidence"' in page.text
    content = photo()
    evidence = officer.act(
        {"kind": "case.evidence", "case": str(case_id), "description": "The crater.",
         "language": "en"},
        files={"file": ("crater.jpg", content, "image/jpeg")},
    )  # fmt: skip
    assert evidence.status_code == 200, evidence.text
    assert evidence.json()["redirect"] == f"/cases/{case_id}"
    with mechanism.db.read() as connection:
        stored = connection.execute(select(StoredFile.sha256, StoredFile.media_type)).all()
    assert (hashlib.sha256(content).hexdigest(), "image/jpeg") in stored


def test_a_file_sent_with_a_lodge_is_refused_and_not_stored(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    key = mechanism.key("pk-officer").key
    answer = officer.prepare(
        {**LODGE, "key_id": key.key_id}, files={"file": ("p.jpg", photo(), "image/jpeg")}
    )
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"file"}
    with mechanism.db.read() as connection:
        assert connection.execute(select(StoredFile.sha256)).all() == []


def test_the_lodge_body_follows_the_form(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    key = mechanism.key("pk-officer").key
    body = officer.prepare({**LODGE, "key_id": key.key_id}).json()["body"]
    assert body["incident"] == {
        "type": "shelling",
        "occurred_at": "2025-10-16T03:30:00Z",  # 08:30 at Torkham (Asia/Karachi, UTC+05:00)
        "time_precision": "hour",
        "place": {"place_id": "torkham", "precision": "approximate"},
        "actors": ["Border units", "militia"],
        "killed": {"civilians": 2},
        "injured": {},
    }
    assert body["clauses"] == ["C1", "C4"]
    assert body["accused"] == {"member": "AF"}


def test_field_errors_come_per_field_from_the_message_table(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    key = mechanism.key("pk-officer").key
    fields = {**LODGE, "key_id": key.key_id, "incident.killed.civilians": "two",
              "incident.place.place_id": "", "narrative": ""}  # fmt: skip
    answer = officer.prepare(fields)
    assert answer.status_code == 422
    assert answer.json() == {"errors": {"incident.killed.civilians": "Enter a whole number."}}
    fields["incident.killed.civilians"] = "-1"
    errors = officer.prepare(fields).json()["errors"]
    assert errors == {
        "incident.place.place_id": "Choose a place, or give both latitude and longitude.",
        "incident.killed.civilians": "Enter a number of at least 0.",
        "narrative": "This field is required.",
    }
    kind = officer.prepare({"kind": "case.nothing", "key_id": key.key_id}).json()
    assert kind == {"errors": {"kind": "This kind of act is not known."}}


def test_a_wrong_file_is_a_field_error_and_stores_nothing(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    key = mechanism.key("pk-officer").key
    answer = officer.prepare(
        {"kind": "case.evidence", "refs": "ab" * 32, "description": "x", "key_id": key.key_id},
        files={"file": ("a.jpg", b"MZ\x90\x00 not a photo", "image/jpeg")},
    )
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"file"}
    with mechanism.db.read() as connection:
        assert connection.execute(select(StoredFile.sha256)).first() is None


def test_refusals(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    own = mechanism.key("pk-officer").key
    other = mechanism.key("af-officer").key

    no_csrf = officer.prepare({**STATEMENT, "key_id": own.key_id}, csrf=False)
    assert no_csrf.status_code == 403
    assert no_csrf.json()["type"] == "/problems/csrf-failed"
    assert no_csrf.json()["title"] == "Form expired or not from this site"
    assert no_csrf.json()["field"] == "csrf"
    foreign = officer.prepare({**STATEMENT, "key_id": other.key_id})
    assert foreign.status_code == 422
    assert set(foreign.json()["errors"]) == {"key_id"}

    prepared = officer.prepare({**STATEMENT, "key_id": own.key_id}).json()
    envelope, body = prepared["envelope"], prepared["body"]
    signed = {"envelope": sign(own, envelope), "body": body}
    assert officer.submit(signed, csrf=False).json()["type"] == "/problems/csrf-failed"

    forged = {"envelope": sign(SigningKey.generate(), envelope), "body": body}
    bad = officer.submit(forged)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["type"] == "/problems/bad-signature"

    theirs = dict(envelope, author={"member": "AF", "delegate": "af-officer", "key": other.key_id})
    impostor = officer.submit({"envelope": sign(other, theirs), "body": body})
    assert impostor.status_code == 403
    assert impostor.json()["type"] == "/problems/forbidden"

    changed = officer.submit({"envelope": signed["envelope"], "body": {**body, "title": "X"}})
    assert changed.json()["type"] == "/problems/digest-mismatch"

    assert officer.submit(signed).status_code == 200
    replay = officer.submit(signed)
    assert replay.status_code == 409
    assert replay.json()["type"] == "/problems/replayed-act"


def test_an_observer_key_may_not_sign_and_is_told_so(browsers: Any, mechanism: Mechanism) -> None:
    observer: Browser = browsers("pk-observer")
    key = mechanism.key("pk-observer").key
    answer = observer.prepare({**STATEMENT, "key_id": key.key_id})
    assert answer.status_code == 422
    assert answer.json() == {"errors": {"kind": "Your role may not sign this act."}}


ARTICLE = (
    "Mortar shells fell near the Torkham crossing on Thursday, October 16, killing two "
    "civilians, the district hospital in Landi Kotal said."
)

#: Minimal fields for every kind a member's head may sign (refs where the kind needs one).
FIELDS: dict[str, dict[str, str]] = {
    "member.key": {"action": "register", "delegate": "pk-new", "role": "officer",
                   "public_key": SigningKey.generate().public_key.text},
    "statement.publish": {"title": "T", "text": "x"},
    "case.lodge": {k: v for k, v in LODGE.items() if k != "kind"},
    "case.respond": {"position": "deny", "statement": "No.", "understood": "yes"},
    "case.evidence": {"description": "x"},
    "case.investigate": {"note": "Opened."},
    "case.request_info": {"to": "AF", "questions": "Which units?", "deadline_days": "5"},
    "case.provide_info": {"statement": "These units."},
    "case.finding": {"outcome": "violation_confirmed", "violator": "AF", "clauses": "C1",
                     "reasons": "Craters."},
    "case.rule": {"outcome": "inconclusive", "reasons": "Unclear.", "understood": "yes"},
    "case.new_round": {},
    "case.refer": {"understood": "yes"},
    "case.extend": {"deadline": "response", "deadline_at": "2025-11-20T08:00", "reason": "Leave."},
    "case.appeal": {"statement": "We appeal.", "understood": "yes"},
    "case.waive_appeal": {"understood": "yes"},
    "case.penalty": {"member": "AF", "step": "warning", "prior_violations": "0",
                     "understood": "yes"},
    "case.withdraw": {"understood": "yes"},
    "case.close": {"note": "Done.", "understood": "yes"},
    "compliance.attest": {"clause": "C6", "statement": "Opened Torkham.",
                          "taken_at": "2025-10-20T10:00"},
    "compliance.review": {"verdict": "acknowledged", "reason": "Seen.", "understood": "yes"},
    "crossing.status": {"crossing": "torkham", "trade": "open", "people": "restricted",
                        "stranded_trucks": "120", "reason": "Reopened.",
                        "effective_at": "2025-10-20T10:00:00Z"},
    "joint.request": {"to": "AF", "place.lat": "34.1", "place.lon": "71.1",
                      "place.precision": "district", "description": "A camp.",
                      "requested_action": "Search it.", "deadline_days": "7"},
    "joint.report": {"action_taken": "Searched.", "outcome": "nothing_found",
                     "understood": "yes"},
    "joint.extend": {"deadline_at": "2025-11-20T08:00", "reason": "Snow."},
    "media.item": {"text": ARTICLE, "title": "Shelling at Torkham", "outlet": "Border Daily",
                   "url": "https://border.example/torkham", "published": "2025-10-17",
                   "language": "en"},
    "media.corroborate": {"case": "", "cluster": "", "note": "Two outlets.", "language": "en"},
    "report.publish": {"title": "Weekly report"},
    "report.approve": {"note": "Agreed.", "understood": "yes"},
    "report.withdraw": {"note": "Figures to be corrected.", "understood": "yes"},
}  # fmt: skip


def test_every_kind_a_delegate_signs_can_be_prepared_from_a_form(
    browsers: Any, mechanism: Mechanism
) -> None:
    head: Browser = browsers("pk-root")
    key = mechanism.key("pk-root").key
    kinds = {kind for kind, roles in PERMISSIONS.items() if roles & {"head", "officer"}}
    # the clock's lapse is signed by the server's clock key, never from a form
    assert kinds == set(FIELDS) == set(BODY_MODELS) - {"case.lapse"}
    case = head.act(LODGE).json()["index"]
    stored = head.act({"kind": "media.item", "text": WIRE_TEXT, "outlet": "Frontier Wire"})
    assert stored.status_code == 200, stored.text
    with mechanism.db.read() as connection:
        cluster = connection.execute(select(MediaCluster.id)).scalars().first()
    assert cluster is not None
    FIELDS["media.corroborate"] |= {"case": str(case), "cluster": str(cluster)}
    for kind, fields in FIELDS.items():
        files: Any = None
        if kind == "case.evidence":
            files = {"file": ("p.jpg", photo(), "image/jpeg")}
        if kind == "report.publish":
            files = {"file": ("en.pdf", report_pdf(report_data()), "application/pdf")}
        answer = head.prepare(
            {"kind": kind, "key_id": key.key_id, "refs": "cd" * 32, **fields}, files=files
        )
        assert answer.status_code == 200, (kind, answer.text)
        body = answer.json()["body"]
        BODY_MODELS[kind].model_validate(body)
        assert answer.json()["envelope"]["body_digest"] == jcs.sha256_digest(body)


def test_the_audience_comes_from_the_form(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    key = mechanism.key("pk-officer").key
    for given, expected in [
        ("mediators", "mediators"),
        ("TR,QA", ["QA", "TR"]),
        ("", "all"),
        ("XX", None),
    ]:
        answer = officer.prepare({**STATEMENT, "key_id": key.key_id, "audience": given})
        if expected is None:
            assert set(answer.json()["errors"]) == {"audience"}
        else:
            assert answer.json()["envelope"]["audience"] == expected


def test_a_browser_act_joins_the_group_commit_of_the_log_api(
    browsers: Any, mechanism: Mechanism, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web admits through the same writer as ``POST /log/v1/acts``, not beside it."""
    officer: Browser = browsers("pk-officer")
    key = mechanism.key("pk-officer").key

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the web must not admit an act outside the group commit")

    monkeypatch.setattr(Admission, "submit", refuse)
    written: list[int] = []
    original = GroupCommit._write

    def counted(self: GroupCommit, batch: list[Any]) -> None:
        written.append(len(batch))
        original(self, batch)

    monkeypatch.setattr(GroupCommit, "_write", counted)
    prepared = officer.prepare({**STATEMENT, "key_id": key.key_id}).json()
    answer = officer.submit({"envelope": sign(key, prepared["envelope"]), "body": prepared["body"]})
    assert answer.status_code == 200, answer.text
    assert written == [1]
    result = answer.json()
    logged = officer.client.get(f"/log/v1/receipts/{result['index']}").json()
    assert result["receipt"] == logged
