"""Requests for joint action: who may ask whom, reports, and open/answered/overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from truce.acts.actor import Actor
from truce.errors import RefusedActError
from truce.joint import rules as joint
from truce.scenario.rules import load_scenario

SCENARIO = load_scenario(Path(__file__).parents[3] / "scenarios" / "istanbul-2025")
T0 = datetime(2025, 11, 10, 9, 0, tzinfo=UTC)
KINDS = {"PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator", "SEC": "secretariat"}


def actor(member: str, days: float = 0) -> Actor:
    return Actor(member=member, kind=KINDS[member], at=T0 + timedelta(days=days))


def body(to: str = "AF", **changes: Any) -> dict[str, Any]:
    return {
        "to": to,
        "place": {"place_id": "khost", "precision": "district"},
        "group": "TTP",
        "description": "A camp used to stage attacks across the border.",
        "requested_action": "Dismantle the camp.",
        "language": "en",
    } | changes


REPORT = {"action_taken": "Camp raided.", "outcome": "completed", "language": "en"}


def test_a_request_answered_in_time() -> None:
    request = joint.request(SCENARIO, "r1", actor("PK"), body())
    days = SCENARIO.procedure.information_request_days
    assert request.deadline == T0 + timedelta(days=days)
    assert request.status(T0 + timedelta(days=1)) == "open"
    assert request.status(T0 + timedelta(days=days + 1)) == "overdue"
    answered = joint.report(SCENARIO, request, actor("AF", 2), REPORT)
    assert answered.status(T0 + timedelta(days=days + 1)) == "answered"
    assert not answered.late
    assert joint.from_json(joint.to_json(answered)) == answered


LEAVE = {"deadline_at": "2025-11-15T09:00:00Z", "reason": "Roads closed by snow.", "language": "en"}


def test_a_late_report_needs_a_mediators_leave() -> None:
    request = joint.request(SCENARIO, "r1", actor("AF"), body("PK", deadline_days=1))
    assert request.deadline == T0 + timedelta(days=1)
    with pytest.raises(RefusedActError, match=r"due by 2025-11-11T09:00:00Z.*joint\.extend"):
        joint.report(SCENARIO, request, actor("PK", 3), REPORT)
    for who in ("PK", "AF", "SEC"):
        with pytest.raises(RefusedActError, match="only a mediator extends"):
            joint.extend(SCENARIO, request, actor(who, 2), LEAVE)
    with pytest.raises(RefusedActError, match="later than now"):
        joint.extend(SCENARIO, request, actor("TR", 6), LEAVE)
    extended = joint.extend(SCENARIO, request, actor("TR", 2), LEAVE)
    assert extended.deadline == T0 + timedelta(days=5)
    assert (extended.extensions, extended.first_deadline) == (1, T0 + timedelta(days=1))
    assert extended.status(T0 + timedelta(days=3)) == "open"
    answered = joint.report(SCENARIO, extended, actor("PK", 3), REPORT)
    assert answered.late
    assert joint.from_json(joint.to_json(answered)) == answered
    with pytest.raises(RefusedActError, match="already reported"):
        joint.extend(SCENARIO, answered, actor("QA", 3), LEAVE)


@pytest.mark.parametrize(
    ("who", "changes", "message"),
    [
        ("TR", {}, "only a party requests"),
        ("SEC", {}, "only a party requests"),
        ("PK", {"to": "PK"}, "does not ask itself"),
        ("PK", {"to": "TR"}, "TR is not a party"),
        ("PK", {"to": "XX"}, "XX is not a party"),
        ("PK", {"place": {"place_id": "atlantis", "precision": "exact"}}, "not in the gazetteer"),
    ],
)
def test_requests_the_rules_refuse(who: str, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(RefusedActError, match=message):
        joint.request(SCENARIO, "r1", actor(who), body() | changes)


def test_reports_the_rules_refuse() -> None:
    request = joint.request(SCENARIO, "r1", actor("PK"), body())
    for who in ("PK", "TR", "SEC"):
        with pytest.raises(RefusedActError, match="only AF, the requested party"):
            joint.report(SCENARIO, request, actor(who, 1), REPORT)
    with pytest.raises(RefusedActError, match="predates the request"):
        joint.report(SCENARIO, request, actor("AF", -1), REPORT)
    answered = joint.report(SCENARIO, request, actor("AF", 1), REPORT)
    with pytest.raises(RefusedActError, match="already reported"):
        joint.report(SCENARIO, answered, actor("AF", 2), REPORT)
