"""Compliance, crossings and joint action over HTTP, on each backend, audience-checked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Delegations
from tests.mechanism import Mechanism
from truce.cases.rules import penalty_for
from truce.ledger.envelope import format_time
from truce.log import projections


def attestation(clause: str = "C5") -> dict[str, Any]:
    return {
        "clause": clause,
        "statement": "Shared the threat reports of the week through the mechanism.",
        "taken_at": "2025-11-09T12:00:00Z",
        "evidence": [{"sha256": "1" * 64, "media_type": "application/pdf", "size": 2048}],
        "language": "en",
    }


def verdict(value: str) -> dict[str, Any]:
    return {"verdict": value, "reason": "Matches what our liaison officers saw."}


def status(clock: Clock, trade: str, people: str, days_ago: float = 0, **more: Any) -> Any:
    return {
        "crossing": "torkham",
        "trade": trade,
        "people": people,
        "reason": "Border fighting; refugees only from 1 November.",
        "effective_at": format_time(clock.now - timedelta(days=days_ago)),
    } | more


def joint_request(to: str = "AF", **more: Any) -> dict[str, Any]:
    return {
        "to": to,
        "place": {"place_id": "khost", "precision": "district"},
        "group": "TTP",
        "description": "A TTP camp stages attacks across the border.",
        "requested_action": "Dismantle the camp and report.",
        "language": "en",
    } | more


REPORT = {"action_taken": "The camp was raided.", "outcome": "completed", "language": "en"}

LODGE = {
    "incident": {
        "type": "shelling",
        "occurred_at": "2025-11-06T10:30:00Z",
        "time_precision": "hour",
        "place": {"place_id": "spin-boldak", "precision": "approximate"},
        "killed": {"civilians": 5},
    },
    "accused": {"member": "AF"},
    "clauses": ["C4"],
    "narrative": "Shells struck homes in the afternoon.",
    "language": "en",
}
FINDING = {
    "outcome": "violation_confirmed",
    "violator": "AF",
    "clauses": ["C4"],
    "reasons": "Craters and hospital records agree.",
    "language": "en",
}


def cell(d: Delegations, reader: str, clause: str, member: str) -> dict[str, Any]:
    cells = d.get(reader, "/api/v1/compliance")["cells"]
    found: dict[str, Any] = next(c for c in cells if (c["clause"], c["member"]) == (clause, member))
    return found


def test_attest_then_review(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    attested = d.post("af-officer", "compliance.attest", attestation())
    ref = (attested["leaf_hash"],)
    observer = d.post("af-observer", "compliance.attest", attestation(), expect=422)
    assert observer["type"] == "/problems/role-not-permitted"
    unknown = d.post("pk-officer", "compliance.attest", attestation("C9"), expect=422)
    assert "no clause C9" in unknown["detail"]
    party = d.post("pk-officer", "compliance.review", verdict("disputed"), ref, expect=422)
    assert "only a mediator reviews" in party["detail"]
    dangling = d.post(
        "tr-officer", "compliance.review", verdict("disputed"), ("ab" * 32,), expect=422
    )
    assert "is not an attestation" in dangling["detail"]

    d.post("tr-officer", "compliance.review", verdict("acknowledged"), ref)
    listed = d.get("pk-officer", "/api/v1/compliance/attestations")
    assert listed["attestations"][0]["status"] == "under_review"
    again = d.post("tr-root", "compliance.review", verdict("disputed"), ref, expect=422)
    assert "TR has already reviewed" in again["detail"]
    d.post("qa-root", "compliance.review", verdict("acknowledged"), ref, audience="mediators")

    listed = d.get("pk-officer", "/api/v1/compliance/attestations", member="AF")
    assert listed["total"] == 1
    (item,) = listed["attestations"]
    assert (item["id"], item["clause"], item["status"]) == (attested["index"], "C5", "acknowledged")
    assert [(r["member"], r["withheld"]) for r in item["reviews"]] == [("TR", False), ("QA", True)]
    assert item["evidence"][0]["size"] == 2048
    assert d.get("tr-officer", "/api/v1/compliance/attestations", status="disputed")["total"] == 0
    af_c5 = cell(d, "pk-officer", "C5", "AF")
    assert af_c5["attestations"] == af_c5["acknowledged"] == [attested["index"]]
    assert af_c5["standing"] == "clear"


def test_torkham_closed_then_reopened_for_people_only(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    closed = d.post("pk-officer", "crossing.status", status(clock, "closed", "closed", 20))
    clock.advance(days=1)
    reopened = d.post(
        "pk-root", "crossing.status", status(clock, "closed", "open", stranded_trucks=4200)
    )
    d.post(
        "sec-clerk",
        "crossing.status",
        status(clock, "restricted", "open", crossing="chaman-spin-boldak"),
        audience="mediators",
    )
    for refused, message in [
        (status(clock, "open", "open", -1), "in the future"),
        (status(clock, "open", "open", crossing="chaman"), "not a crossing"),
    ]:
        assert message in d.post("pk-officer", "crossing.status", refused, expect=422)["detail"]
    mediator = d.post("tr-officer", "crossing.status", status(clock, "open", "open"), expect=422)
    assert "a party or the secretariat" in mediator["detail"]

    clock.advance(days=2)
    listed = d.get("af-officer", "/api/v1/crossings")
    assert listed["now"] == format_time(clock.now)
    states = {c["place_id"]: c for c in listed["crossings"]}
    torkham = states["torkham"]
    assert (torkham["current"]["trade"], torkham["current"]["people"]) == ("closed", "open")
    assert torkham["current"]["stranded_trucks"] == 4200
    durations = {p["aspect"]: p for p in torkham["durations"]}
    assert durations["trade"]["summary"] == "Torkham closed to trade for 23 days"
    assert (durations["trade"]["days"], durations["people"]["days"]) == (23, 2)
    assert durations["people"]["level"] == "open"
    assert durations["people"]["ongoing"]
    assert not states["chaman-spin-boldak"]["reported"]  # a mediators-only report
    assert d.get("tr-officer", "/api/v1/crossings")["crossings"][1]["reported"]

    history = d.get("af-officer", "/api/v1/crossings/torkham")
    assert [r["index"] for r in history["history"]] == [closed["index"], reopened["index"]]
    periods = [(p["aspect"], p["level"], p["days"], p["ongoing"]) for p in history["periods"]]
    assert periods == [
        ("trade", "closed", 23, True),
        ("people", "closed", 21, False),
        ("people", "open", 2, True),
    ]
    assert d.get("af-officer", "/api/v1/crossings/chaman", expect=404)["status"] == 404


def test_joint_requests_answered_overdue_and_hidden(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    usual = ["AF", "TR", "QA"]
    answered = d.post("pk-officer", "joint.request", joint_request(), audience=usual)
    overdue = d.post("pk-root", "joint.request", joint_request(deadline_days=3), audience=usual)
    hidden = d.post("af-officer", "joint.request", joint_request("PK"), audience="mediators")
    wrong = d.post("pk-officer", "joint.report", REPORT, (answered["leaf_hash"],), expect=422)
    assert "only AF, the requested party" in wrong["detail"]
    itself = d.post("pk-officer", "joint.request", joint_request("PK"), expect=422)
    assert "does not ask itself" in itself["detail"]
    clock.advance(days=1)
    d.post("af-root", "joint.report", REPORT, (answered["leaf_hash"],), audience=["PK", "TR"])
    twice = d.post("af-officer", "joint.report", REPORT, (answered["leaf_hash"],), expect=422)
    assert "already reported" in twice["detail"]

    page = d.get("af-officer", "/api/v1/joint-actions")
    assert page["counts"] == {"open": 2, "answered": 1, "overdue": 0}
    clock.advance(days=3)
    page = d.get("pk-officer", "/api/v1/joint-actions")
    assert page["counts"] == {"open": 0, "answered": 1, "overdue": 1}
    assert {item["id"] for item in page["joint_actions"]} == {answered["index"], overdue["index"]}
    assert (
        d.get("pk-officer", "/api/v1/joint-actions", status="overdue")["joint_actions"][0]["id"]
        == overdue["index"]
    )
    assert d.get("pk-officer", "/api/v1/joint-actions", member="PK", status="open")["total"] == 0
    assert d.get("pk-officer", f"/api/v1/joint-actions/{hidden['index']}", expect=404)

    shown = d.get("pk-officer", f"/api/v1/joint-actions/{answered['index']}")
    assert shown["status"] == "answered"
    assert shown["report"]["action_taken"] == "The camp was raided."
    assert not shown["report"]["late"]
    withheld = d.get("qa-officer", f"/api/v1/joint-actions/{answered['index']}")["report"]
    assert withheld["withheld"]
    assert withheld["action_taken"] is None
    mediators = d.get("tr-officer", "/api/v1/joint-actions")
    assert mediators["counts"] == {"open": 1, "answered": 1, "overdue": 1}
    assert d.get("tr-officer", "/api/v1/joint-actions", member="AF")["total"] == 3


def test_a_ruled_case_changes_the_af_c4_cell(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    before = cell(d, "pk-officer", "C4", "AF")
    assert (before["standing"], before["confirmed_cases"], before["open_cases"]) == (
        "clear",
        [],
        [],
    )
    lodged = d.post("pk-officer", "case.lodge", LODGE)
    hidden = d.post("pk-officer", "case.lodge", LODGE, audience="mediators")
    ref = (lodged["leaf_hash"],)
    alleged = cell(d, "af-officer", "C4", "AF")
    assert (alleged["standing"], alleged["open_cases"]) == ("alleged", [lodged["index"]])
    assert cell(d, "tr-officer", "C4", "AF")["open_cases"] == [lodged["index"], hidden["index"]]

    deny = {"position": "deny", "statement": "Our forces did not fire.", "language": "en"}
    d.post("af-root", "case.respond", deny, ref)
    d.post("tr-officer", "case.investigate", {"note": "Opened."}, ref)
    d.post("tr-root", "case.finding", FINDING, ref)
    d.post("qa-root", "case.finding", FINDING, ref)
    d.post("qa-root", "case.rule", FINDING, ref)
    ruled = cell(d, "af-officer", "C4", "AF")
    assert (ruled["standing"], ruled["confirmed_cases"], ruled["open_cases"]) == (
        "violated",
        [lodged["index"]],
        [],
    )
    assert ruled["last_violation_at"] == "2025-11-06T10:30:00Z"
    step = penalty_for(mechanism.scenario, 0)
    d.post("tr-root", "case.penalty", {"member": "AF", "step": step, "prior_violations": 0}, ref)
    penalised = cell(d, "pk-officer", "C4", "AF")
    assert penalised["penalties"] == [{"case": lodged["index"], "step": step}]
    assert penalised["confirmed_violations"] == 1
    assert cell(d, "pk-officer", "C4", "PK")["standing"] == "clear"


def test_every_monitoring_act_survives_a_rebuild(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    attested = d.post("pk-officer", "compliance.attest", attestation("C6"))
    d.post("qa-officer", "compliance.review", verdict("disputed"), (attested["leaf_hash"],))
    d.post("af-officer", "crossing.status", status(clock, "closed", "restricted", 3))
    asked = d.post("af-officer", "joint.request", joint_request("PK"), audience=["PK", "TR"])
    d.post("pk-root", "joint.report", REPORT | {"outcome": "nothing_found"}, (asked["leaf_hash"],))
    d.post("pk-officer", "case.lodge", LODGE)
    with mechanism.db.read() as connection:
        live = projections.snapshot(connection)
    for table in ("attestations", "attestation_reviews", "crossing_reports", "joint_requests"):
        assert live[table], table
    with mechanism.db.write() as connection:
        projections.rebuild(connection)
    with mechanism.db.read() as connection:
        assert projections.snapshot(connection) == live
    assert d.get("tr-officer", "/api/v1/compliance/attestations", status="disputed")["total"] == 1


def test_the_openapi_document_describes_the_responses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in (
        "ComplianceMatrix",
        "ComplianceCell",
        "AttestationPage",
        "CrossingList",
        "CrossingHistory",
        "PeriodOut",
        "JointActionPage",
        "JointActionOut",
    ):
        assert name in schemas
    paths = document["paths"]
    for path in (
        "/api/v1/compliance",
        "/api/v1/compliance/attestations",
        "/api/v1/crossings",
        "/api/v1/crossings/{place_id}",
        "/api/v1/joint-actions",
        "/api/v1/joint-actions/{request_id}",
    ):
        assert "200" in paths[path]["get"]["responses"]
