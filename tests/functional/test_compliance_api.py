"""Compliance over HTTP, on each backend, audience-checked: attestations, their reviews,
and the compliance matrix."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.functional.support import Delegations
from tests.mechanism import Mechanism
from truce.cases.rules import penalty_for
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
    # A review concerns the attesting member: it is addressed to AF, or refused.
    hidden = d.post(
        "qa-root", "compliance.review", verdict("disputed"), ref, audience="mediators", expect=422
    )
    assert "must be addressed to it" in hidden["detail"]
    assert hidden["field"] == "audience"
    d.post("qa-root", "compliance.review", verdict("acknowledged"), ref, audience=["AF", "TR"])

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


def test_a_ruled_case_changes_the_af_c4_cell(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    before = cell(d, "pk-officer", "C4", "AF")
    assert (before["standing"], before["confirmed_cases"], before["open_cases"]) == (
        "clear",
        [],
        [],
    )
    lodged = d.post("pk-officer", "case.lodge", LODGE)
    hidden = d.post("pk-officer", "case.lodge", LODGE, audience=["AF", "TR"])
    ref = (lodged["leaf_hash"],)
    alleged = cell(d, "qa-officer", "C4", "AF")
    assert (alleged["standing"], alleged["open_cases"]) == ("alleged", [lodged["index"]])
    # The restricted case is not on the common record: nobody's matrix counts it, and
    # those who may read it are told it is left out.
    for reader in ("tr-officer", "af-officer", "pk-officer", "sec-clerk"):
        assert cell(d, reader, "C4", "AF")["open_cases"] == [lodged["index"]]
    for reader in ("tr-officer", "af-officer", "pk-officer"):
        left_out = d.get(reader, "/api/v1/compliance")["not_counted"]
        assert left_out == {"cases": [hidden["index"]], "attestations": []}
    for reader in ("qa-officer", "sec-clerk"):
        assert d.get(reader, "/api/v1/compliance")["not_counted"]["cases"] == []

    deny = {"position": "deny", "statement": "Our forces did not fire.", "language": "en"}
    d.post("af-root", "case.respond", deny, ref)
    d.post("tr-officer", "case.investigate", {"note": "Opened."}, ref)
    d.post("tr-root", "case.finding", FINDING, ref)
    d.post("qa-root", "case.finding", FINDING, ref)
    d.post("qa-root", "case.rule", FINDING, ref)
    ruled = cell(d, "qa-officer", "C4", "AF")
    assert (ruled["standing"], ruled["confirmed_cases"], ruled["open_cases"]) == (
        "violated",
        [lodged["index"]],
        [],
    )
    assert ruled["last_violation_at"] == "2025-11-06T10:30:00Z"
    step = penalty_for(mechanism.scenario, 0)
    d.post("af-root", "case.waive_appeal", {}, ref)
    d.post("pk-root", "case.waive_appeal", {}, ref)
    d.post("tr-root", "case.penalty", {"member": "AF", "step": step, "prior_violations": 0}, ref)
    penalised = cell(d, "pk-officer", "C4", "AF")
    assert penalised["penalties"] == [{"case": lodged["index"], "step": step}]
    assert penalised["confirmed_violations"] == 1
    assert cell(d, "pk-officer", "C4", "PK")["standing"] == "clear"


def test_every_compliance_act_survives_a_rebuild(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    attested = d.post("pk-officer", "compliance.attest", attestation("C6"))
    d.post("qa-officer", "compliance.review", verdict("disputed"), (attested["leaf_hash"],))
    d.post("pk-officer", "case.lodge", LODGE)
    with mechanism.db.read() as connection:
        live = projections.snapshot(connection)
    for table in ("attestations", "attestation_reviews", "cases"):
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
    ):
        assert name in schemas
    paths = document["paths"]
    for path in (
        "/api/v1/compliance",
        "/api/v1/compliance/attestations",
    ):
        assert "200" in paths[path]["get"]["responses"]
