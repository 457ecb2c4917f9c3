"""The case workflow as a state machine: whole cases, and every step it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from truce.acts.actor import Actor
from truce.cases.rules import Case, lodge, penalty_for, step
from truce.errors import RefusedActError
from truce.scenario.rules import Scenario, load_scenario

SCENARIO = load_scenario(Path(__file__).parents[3] / "scenarios" / "istanbul-2025")
T0 = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)
KINDS = {"PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator", "SEC": "secretariat"}


def actor(member: str, hours: float = 0) -> Actor:
    return Actor(member=member, kind=KINDS[member], at=T0 + timedelta(hours=hours))


def lodged(by: str = "PK", accused: str = "AF") -> Case:
    body = {"accused": {"member": accused}, "clauses": ["C4"]}
    return lodge(SCENARIO, "case-1", actor(by), body)


def finding(violator: str | None = "AF", outcome: str = "violation_confirmed") -> dict[str, Any]:
    return {
        "outcome": outcome,
        "violator": violator,
        "clauses": ["C4"] if violator else [],
        "reasons": "Crater analysis and hospital records agree.",
    }


def run(case: Case, *steps: tuple[str, Actor, dict[str, Any]]) -> Case:
    for kind, who, body in steps:
        case = step(SCENARIO, case, kind, who, body)
    return case


@pytest.mark.parametrize(("lodger", "accused"), [("PK", "AF"), ("AF", "PK")])
def test_a_whole_case_from_lodging_to_closing(lodger: str, accused: str) -> None:
    case = lodged(lodger, accused)
    assert case.status == "awaiting_response"
    assert case.response_deadline == T0 + timedelta(hours=72)
    case = run(
        case,
        ("case.respond", actor(accused, 10), {"position": "deny"}),
        ("case.investigate", actor("TR", 11), {}),
        ("case.request_info", actor("QA", 12), {"to": accused}),
        ("case.provide_info", actor(accused, 30), {}),
        ("case.finding", actor("TR", 40), finding(accused)),
        ("case.finding", actor("QA", 41), finding(accused)),
        ("case.rule", actor("TR", 42), finding(accused)),
    )
    assert (case.status, case.outcome, case.violator) == ("ruled", "violation_confirmed", accused)
    step_id = penalty_for(SCENARIO, 0)
    after_window = 42 + SCENARIO.procedure.appeal_window_days * 24 + 1
    case = run(
        case,
        (
            "case.penalty",
            actor("QA", after_window),
            {"member": accused, "step": step_id, "prior_violations": 0},
        ),
        ("case.close", actor("SEC", after_window + 1), {}),
    )
    assert (case.status, case.penalty) == ("closed", step_id)


def refused(case: Case, kind: str, who: Actor, body: dict[str, Any], message: str) -> None:
    with pytest.raises(RefusedActError, match=message):
        step(SCENARIO, case, kind, who, body)


def test_lodging_is_refused_when_it_makes_no_sense() -> None:
    for by, accused, clauses, message in [
        ("TR", "AF", ["C4"], "only a party lodges"),
        ("PK", "PK", ["C4"], "cannot accuse itself"),
        ("PK", "QA", ["C4"], "QA is not a party"),
        ("PK", "AF", ["C99"], "no clause C99"),
    ]:
        with pytest.raises(RefusedActError, match=message):
            lodge(SCENARIO, "c", actor(by), {"accused": {"member": accused}, "clauses": clauses})


def test_only_the_accused_responds_once_and_before_the_deadline() -> None:
    case = lodged()
    refused(case, "case.respond", actor("PK", 1), {"position": "deny"}, "only AF")
    refused(case, "case.respond", actor("AF", 73), {"position": "deny"}, "deadline passed")
    asked = step(
        SCENARIO, case, "case.respond", actor("AF", 1), {"position": "request_information"}
    )
    assert asked.information_requested
    assert asked.response is None
    answered = step(SCENARIO, asked, "case.respond", actor("AF", 2), {"position": "accept"})
    refused(answered, "case.respond", actor("AF", 3), {"position": "deny"}, "already responded")


def test_the_investigation_waits_for_the_response_or_the_deadline() -> None:
    case = lodged()
    assert not case.response_overdue(T0 + timedelta(hours=71))
    assert case.response_overdue(T0 + timedelta(hours=73))
    refused(case, "case.investigate", actor("TR", 5), {}, "may still respond")
    refused(case, "case.investigate", actor("PK", 80), {}, "only a mediator")
    opened = step(SCENARIO, case, "case.investigate", actor("TR", 80), {})
    assert opened.status == "under_investigation"


def investigating() -> Case:
    return run(
        lodged(),
        ("case.respond", actor("AF", 1), {"position": "deny"}),
        ("case.investigate", actor("QA", 2), {}),
    )


def test_findings_are_one_per_mediator_and_rulings_need_the_quorum() -> None:
    case = investigating()
    refused(case, "case.finding", actor("AF", 3), finding(), "only a mediator")
    refused(case, "case.finding", actor("TR", 3), finding("QA"), "names the violator")
    refused(case, "case.finding", actor("TR", 3), finding(None), "names the violator")
    one = step(SCENARIO, case, "case.finding", actor("TR", 3), finding())
    refused(one, "case.finding", actor("TR", 4), finding(), "already recorded")
    refused(one, "case.rule", actor("TR", 4), finding(), "needs 2 concurring findings")
    split = step(SCENARIO, one, "case.finding", actor("QA", 4), finding(None, "inconclusive"))
    refused(split, "case.rule", actor("QA", 5), finding(), "1 of the 2 recorded agree")


def ruled(outcome: str = "violation_confirmed") -> Case:
    violator = "AF" if outcome == "violation_confirmed" else None
    return run(
        investigating(),
        ("case.finding", actor("TR", 3), finding(violator, outcome)),
        ("case.finding", actor("QA", 4), finding(violator, outcome)),
        ("case.rule", actor("TR", 5), finding(violator, outcome)),
    )


def test_an_appeal_reopens_the_case_once_within_the_window() -> None:
    case = ruled()
    window = SCENARIO.procedure.appeal_window_days * 24
    refused(case, "case.appeal", actor("TR", 6), {}, "only a party")
    refused(case, "case.appeal", actor("AF", 5 + window + 1), {}, "appeal window closed")
    reopened = step(SCENARIO, case, "case.appeal", actor("AF", 6), {})
    assert (reopened.status, reopened.round, dict(reopened.findings)) == (
        "under_investigation",
        2,
        {},
    )
    again = run(
        reopened,
        ("case.finding", actor("TR", 7), finding()),
        ("case.finding", actor("QA", 8), finding()),
        ("case.rule", actor("QA", 9), finding()),
    )
    refused(again, "case.appeal", actor("AF", 10), {}, "already appealed once")


def test_penalties_follow_the_schedule_and_closing_follows_the_penalty() -> None:
    case = ruled()
    final = 5 + SCENARIO.procedure.appeal_window_days * 24 + 1
    refused(case, "case.close", actor("TR", final), {}, "record the penalty")
    second = penalty_for(SCENARIO, 1)
    assert second != penalty_for(SCENARIO, 0)
    refused(
        case,
        "case.penalty",
        actor("TR", final),
        {"member": "AF", "step": second, "prior_violations": 0},
        "the schedule gives",
    )
    refused(
        case,
        "case.penalty",
        actor("TR", final),
        {"member": "PK", "step": second, "prior_violations": 1},
        "the violator is AF",
    )
    refused(
        case,
        "case.penalty",
        actor("AF", final),
        {"member": "AF", "step": second, "prior_violations": 1},
        "only a mediator",
    )


def test_a_ruling_without_violation_closes_after_the_appeal_window() -> None:
    case = ruled("not_substantiated")
    window = SCENARIO.procedure.appeal_window_days * 24
    refused(
        case,
        "case.penalty",
        actor("TR", 6),
        {"member": "AF", "step": "x", "prior_violations": 0},
        "no violation",
    )
    refused(case, "case.close", actor("TR", 6), {}, "may be appealed until")
    closed = step(SCENARIO, case, "case.close", actor("TR", 5 + window + 1), {})
    assert closed.status == "closed"
    refused(closed, "case.respond", actor("AF", 500), {"position": "deny"}, "is closed")


def test_only_the_lodger_withdraws_and_only_before_a_ruling() -> None:
    case = lodged()
    refused(case, "case.withdraw", actor("AF", 1), {}, "only PK")
    assert step(SCENARIO, case, "case.withdraw", actor("PK", 1), {}).status == "withdrawn"
    refused(ruled(), "case.withdraw", actor("PK", 9), {}, "too late")


def test_evidence_comes_from_those_concerned_while_the_record_is_open() -> None:
    case = lodged()
    step(SCENARIO, case, "case.evidence", actor("PK", 1), {})
    step(SCENARIO, case, "case.evidence", actor("TR", 1), {})
    refused(case, "case.evidence", actor("SEC", 1), {}, "parties to the case or a mediator")
    refused(ruled(), "case.evidence", actor("PK", 9), {}, "closed to evidence")


def test_scenario_quorum_is_every_mediator(tmp_path: Path) -> None:
    scenario: Scenario = SCENARIO
    assert scenario.ruling_threshold == len(scenario.mediators) == 2
