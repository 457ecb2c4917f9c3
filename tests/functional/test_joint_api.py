"""Joint action over HTTP, on each backend, audience-checked: requests, reports, status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Delegations
from tests.mechanism import Mechanism
from truce.ledger.envelope import format_time
from truce.log import projections


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


def test_joint_requests_answered_overdue_and_hidden(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    usual = ["AF", "TR", "QA"]
    answered = d.post("pk-officer", "joint.request", joint_request(), audience=usual)
    overdue = d.post("pk-root", "joint.request", joint_request(deadline_days=3), audience=usual)
    unseen = d.post(
        "af-officer", "joint.request", joint_request("PK"), audience="mediators", expect=422
    )
    assert "concerns PK and must be addressed to it" in unseen["detail"]
    hidden = d.post("af-officer", "joint.request", joint_request("PK"), audience=["PK", "TR"])
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
    # PK, asked itself by AF, sees that request open; QA, outside its audience, does not.
    assert d.get("pk-officer", "/api/v1/joint-actions")["counts"]["open"] == 1
    page = d.get("qa-officer", "/api/v1/joint-actions")
    assert page["counts"] == {"open": 0, "answered": 1, "overdue": 1}
    assert {item["id"] for item in page["joint_actions"]} == {answered["index"], overdue["index"]}
    assert (
        d.get("qa-officer", "/api/v1/joint-actions", status="overdue")["joint_actions"][0]["id"]
        == overdue["index"]
    )
    assert d.get("qa-officer", "/api/v1/joint-actions", member="PK", status="open")["total"] == 0
    assert d.get("qa-officer", f"/api/v1/joint-actions/{hidden['index']}", expect=404)

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


def test_every_joint_action_act_survives_a_rebuild(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    asked = d.post("af-officer", "joint.request", joint_request("PK"), audience=["PK", "TR"])
    d.post("pk-root", "joint.report", REPORT | {"outcome": "nothing_found"}, (asked["leaf_hash"],))
    with mechanism.db.read() as connection:
        live = projections.snapshot(connection)
    assert live["joint_requests"]
    with mechanism.db.write() as connection:
        projections.rebuild(connection)
    with mechanism.db.read() as connection:
        assert projections.snapshot(connection) == live
    shown = d.get("pk-officer", f"/api/v1/joint-actions/{asked['index']}")
    assert (shown["status"], shown["report"]["outcome"]) == ("answered", "nothing_found")


def test_the_openapi_document_describes_the_responses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in (
        "JointActionPage",
        "JointActionOut",
    ):
        assert name in schemas
    paths = document["paths"]
    for path in (
        "/api/v1/joint-actions",
        "/api/v1/joint-actions/{request_id}",
    ):
        assert "200" in paths[path]["get"]["responses"]


@pytest.mark.parametrize(("asker", "asked"), [("PK", "AF"), ("AF", "PK")])
def test_a_late_report_is_refused_until_a_mediator_gives_leave(
    client: TestClient, mechanism: Mechanism, clock: Clock, asker: str, asked: str
) -> None:
    d = Delegations(client, mechanism)
    usual = [asked, "TR", "QA"]
    request = d.post(f"{asker.lower()}-officer", "joint.request",
                     joint_request(asked, deadline_days=2), audience=usual)  # fmt: skip
    ref = (request["leaf_hash"],)
    reporter = f"{asked.lower()}-root"
    clock.advance(days=3)
    late = d.post(reporter, "joint.report", REPORT, ref, audience=usual, expect=422)
    assert "the report was due by" in late["detail"]
    assert "joint.extend" in late["detail"]
    assert d.get(reporter, f"/api/v1/joint-actions/{request['index']}")["status"] == "overdue"
    new_deadline = format_time(clock.now + timedelta(days=2))
    leave = {"deadline_at": new_deadline, "reason": "Roads closed by snow.", "language": "en"}
    # Only a mediator gives leave, and to the requested party's face.
    own = d.post(f"{asker.lower()}-root", "joint.extend", leave, ref, expect=422)
    assert "only a mediator extends" in own["detail"]
    hidden = d.post("tr-root", "joint.extend", leave, ref, audience="mediators", expect=422)
    assert f"concerns {asked} and must be addressed to it" in hidden["detail"]
    d.post("tr-root", "joint.extend", leave, ref, audience=usual)
    for who in (reporter, f"{asker.lower()}-officer", "qa-officer"):
        shown = d.get(who, f"/api/v1/joint-actions/{request['index']}")
        assert (shown["status"], shown["deadline"]) == ("open", new_deadline)
    clock.advance(days=1)
    d.post(reporter, "joint.report", REPORT, ref, audience=usual)
    shown = d.get(f"{asker.lower()}-officer", f"/api/v1/joint-actions/{request['index']}")
    assert shown["status"] == "answered"
    assert shown["report"]["late"]
