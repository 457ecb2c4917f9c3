"""What a viewer may do next on a case (:func:`truce.cases.rules.next_steps`), for every
state of the workflow and every viewer: both parties, a mediator and the secretariat,
each with every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.mechanism import SCENARIO_DIR
from truce.acts.actor import Actor
from truce.cases import rules as cases
from truce.errors import RefusedActError
from truce.ledger.envelope import format_time
from truce.scenario.rules import Scenario, load_scenario
from truce.verify.registry import PERMISSIONS, ROLES

LODGED = datetime(2025, 11, 1, 8, tzinfo=UTC)
DURING = LODGED + timedelta(hours=1)
LATE = LODGED + timedelta(hours=73)
RULED = LODGED + timedelta(days=5)
CONFIRMED = cases.Finding("TR", "violation_confirmed", "AF", ("C2",), "r")
CLEARED = cases.Finding("TR", "not_substantiated", None, (), "r")
#: Every viewer: the lodging party, the accused party, a mediator, the secretariat.
MEMBERS = ("PK", "AF", "TR", "SEC")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO_DIR)


def _case(**changes: Any) -> cases.Case:
    found = cases.Case(
        id="x", lodged_by="PK", accused="AF", lodged_at=LODGED,
        response_deadline=LODGED + timedelta(hours=72),
    )  # fmt: skip
    return replace(found, **changes)


def _both(finding: cases.Finding) -> dict[str, cases.Finding]:
    return {"TR": finding, "QA": replace(finding, member="QA")}


#: Each state the workflow can be in, and the time it is looked at.
STATES: dict[str, tuple[cases.Case, datetime]] = {
    "awaiting": (_case(), DURING),
    "awaiting, information asked": (_case(information_requested=True), DURING),
    "awaiting, deadline passed": (_case(), LATE),
    "awaiting, answered": (_case(response="deny"), DURING),
    "investigating": (_case(status="under_investigation", response="deny"), RULED),
    "investigating, request to AF": (
        _case(
            status="under_investigation",
            response="deny",
            requests=(cases.InfoRequest("AF", RULED + timedelta(days=7)),),
        ),
        RULED,
    ),
    "investigating, one finding": (
        _case(status="under_investigation", response="deny", findings={"TR": CONFIRMED}),
        RULED,
    ),
    "investigating, findings concur": (
        _case(status="under_investigation", response="deny", findings=_both(CONFIRMED)),
        RULED,
    ),
    "investigating, findings differ": (
        _case(
            status="under_investigation",
            response="deny",
            findings={"TR": CONFIRMED, "QA": replace(CLEARED, member="QA")},
        ),
        RULED,
    ),
    "investigating, split again": (
        _case(
            status="under_investigation",
            response="deny",
            round=2,
            split_rounds=1,
            findings={"TR": CONFIRMED, "QA": replace(CLEARED, member="QA")},
        ),
        RULED,
    ),
    "investigating, lapsed": (
        _case(
            status="under_investigation",
            response="deny",
            investigating_since=RULED - timedelta(days=31),
        ),
        RULED,
    ),
    "ruled, violation": (
        _case(status="ruled", outcome="violation_confirmed", violator="AF", ruled_at=RULED),
        RULED + timedelta(hours=1),
    ),
    "ruled, violation, window closed": (
        _case(status="ruled", outcome="violation_confirmed", violator="AF", ruled_at=RULED),
        RULED + timedelta(days=15),
    ),
    "ruled, violation, AF waived": (
        _case(
            status="ruled",
            outcome="violation_confirmed",
            violator="AF",
            ruled_at=RULED,
            waived=("AF",),
        ),
        RULED + timedelta(hours=2),
    ),
    "ruled, violation, both waived": (
        _case(
            status="ruled",
            outcome="violation_confirmed",
            violator="AF",
            ruled_at=RULED,
            waived=("AF", "PK"),
        ),
        RULED + timedelta(hours=2),
    ),
    "ruled, cleared, appealable": (
        _case(status="ruled", outcome="not_substantiated", ruled_at=RULED),
        RULED + timedelta(hours=1),
    ),
    "ruled, cleared, window closed": (
        _case(status="ruled", outcome="not_substantiated", ruled_at=RULED),
        RULED + timedelta(days=15),
    ),
    "penalised": (
        _case(status="penalised", outcome="violation_confirmed", violator="AF", penalty="P1"),
        RULED,
    ),
    "closed": (_case(status="closed"), RULED),
    "withdrawn": (_case(status="withdrawn"), RULED),
}


def _bodies(kind: str, case: cases.Case, scenario: Scenario) -> Iterator[dict[str, Any]]:
    """Every body a form for ``kind`` could send on ``case``."""
    text = {"statement": "-", "language": "en"}
    if kind == "case.respond":
        for position in ("accept", "deny", "request_information"):
            yield {"position": position, **text}
    elif kind == "case.evidence":
        yield {"files": [], "description": "-", "language": "en"}
    elif kind == "case.request_info":
        for to in (case.lodged_by, case.accused):
            yield {"to": to, "questions": "-", "language": "en"}
    elif kind in ("case.finding", "case.rule"):
        options = [
            {"outcome": "inconclusive", "violator": None, "clauses": []},
            {"outcome": "not_substantiated", "violator": None, "clauses": []},
            *(
                {
                    "outcome": "violation_confirmed",
                    "violator": f.violator,
                    "clauses": list(f.clauses),
                }
                for f in case.findings.values()
                if f.violator is not None
            ),
        ]
        for option in options:
            yield {**option, "reasons": "-", "language": "en"}
    elif kind == "case.penalty":
        if case.violator is not None:
            yield {
                "member": case.violator,
                "step": cases.penalty_for(scenario, 0),
                "prior_violations": 0,
            }
    elif kind in ("case.provide_info", "case.appeal"):
        yield dict(text)
    elif kind == "case.lapse":
        yield {"deadline": "response", "due_at": format_time(case.response_deadline)}
        for request in case.requests:
            yield {"deadline": "information", "to": request.to,
                   "due_at": format_time(request.deadline)}  # fmt: skip
        if case.ruled_at is not None:
            yield {"deadline": "appeal", "due_at": format_time(case.ruled_at + timedelta(days=14))}
        if case.investigating_since is not None:
            due = case.investigating_since + timedelta(days=30)
            yield {"deadline": "investigation", "due_at": format_time(due)}
    elif kind == "case.extend":
        later = {"deadline_at": format_time(LATE + timedelta(days=30)), "reason": "-",
                 "language": "en"}  # fmt: skip
        yield {"deadline": "response", **later}
        for request in case.requests:
            yield {"deadline": "information", "to": request.to, **later}
    else:
        yield {}


def _accepted(scenario: Scenario, case: cases.Case, kind: str, member: str, at: datetime) -> bool:
    found = scenario.member(member)
    assert found is not None
    actor = Actor(member=member, kind=found.kind, at=at)
    for body in _bodies(kind, case, scenario):
        try:
            cases.step(scenario, case, kind, actor, body)
        except RefusedActError:
            continue
        return True
    return False


def _waits_on(
    scenario: Scenario, case: cases.Case, member: str, at: datetime
) -> list[tuple[str, datetime | None]]:
    """The inbox's rule, spelled out: what a case waits on a member for, and until when."""
    mediator = member in ("TR", "QA")
    found: list[tuple[str, datetime | None]] = []
    if case.status == "awaiting_response":
        if member == case.accused and case.response is None:
            found.append(("case.respond", case.response_deadline))
        if mediator and (case.response is not None or at > case.response_deadline):
            found.append(("case.investigate", None))
    if case.status in ("awaiting_response", "under_investigation"):
        for request in case.requests:
            if request.to == member and request.open:
                found.append(("case.provide_info", request.deadline))
    if case.status == "under_investigation":
        if mediator and member not in case.findings:
            found.append(("case.finding", None))
        if mediator and cases.rulings(scenario, case):
            found.append(("case.rule", None))
        split = set(case.findings) == {"TR", "QA"} and not cases.rulings(scenario, case)
        if mediator and split:
            found.append(("case.new_round", None))
        since = case.investigating_since
        deadline = None if since is None else since + timedelta(days=30)
        lapsed = deadline is not None and at > deadline
        if mediator and (lapsed or (split and case.split_rounds >= 1)):
            found.append(("case.refer", deadline))
    if case.status == "ruled" and not case.appealed:
        # the party the ruling went against is told of its window to appeal
        against = case.violator if case.outcome == "violation_confirmed" else case.lodged_by
        window = case.appeal_deadline(scenario)
        open_ = window is not None and at <= window and member not in case.waived
        if member == against and open_:
            found.append(("case.appeal", window))
    if case.status == "ruled" and mediator:
        if case.outcome == "violation_confirmed":
            found.append(("case.penalty", case.appeal_deadline(scenario)))
        else:
            found.append(("case.close", case.appeal_deadline(scenario)))
    return found


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("role", ROLES)
def test_allowed_is_what_the_workflow_accepts_and_awaited_is_what_waits(
    scenario: Scenario, state: str, member: str, role: str
) -> None:
    case, at = STATES[state]
    steps = cases.next_steps(scenario, case, member, role, at, violator_prior=0)
    allowed = {step.kind for step in steps if step.allowed}
    assert allowed == {
        kind
        for kind in cases.CASE_STEPS
        if role in PERMISSIONS[kind] and _accepted(scenario, case, kind, member, at)
    }
    assert [(s.kind, s.due) for s in steps if s.awaited] == _waits_on(scenario, case, member, at)
    assert [s.kind for s in steps] == sorted((s.kind for s in steps), key=cases.CASE_STEPS.index), (
        "steps come in the workflow's order"
    )


def _kinds(scenario: Scenario, state: str, member: str, role: str) -> dict[str, str]:
    case, at = STATES[state]
    return {
        step.kind: ("allowed" if step.allowed else "") + ("+awaited" if step.awaited else "")
        for step in cases.next_steps(scenario, case, member, role, at, violator_prior=0)
    }


def test_the_accused_responds_until_the_deadline_and_the_lodger_may_withdraw(
    scenario: Scenario,
) -> None:
    assert _kinds(scenario, "awaiting", "AF", "head") == {
        "case.respond": "allowed+awaited",
        "case.evidence": "allowed",
    }
    assert _kinds(scenario, "awaiting", "AF", "officer") == {
        "case.respond": "+awaited",
        "case.evidence": "allowed",
    }
    assert _kinds(scenario, "awaiting, deadline passed", "AF", "head") == {
        "case.respond": "+awaited",
        "case.evidence": "allowed",
    }
    assert _kinds(scenario, "awaiting", "PK", "head") == {
        "case.evidence": "allowed",
        "case.withdraw": "allowed",
    }
    assert _kinds(scenario, "awaiting", "PK", "observer") == {}
    assert _kinds(scenario, "awaiting", "TR", "head") == {
        "case.evidence": "allowed",
        "case.extend": "allowed",
    }
    assert _kinds(scenario, "awaiting, answered", "TR", "officer") == {
        "case.evidence": "allowed",
        "case.investigate": "allowed+awaited",
    }


def test_a_request_for_information_waits_on_its_party_until_its_deadline(
    scenario: Scenario,
) -> None:
    case, at = STATES["investigating, request to AF"]
    steps = cases.next_steps(scenario, case, "AF", "officer", at)
    provide = [step for step in steps if step.kind == "case.provide_info"]
    assert [(step.allowed, step.awaited, step.due) for step in provide] == [
        (True, True, RULED + timedelta(days=7))
    ]
    assert not any(step.kind == "case.provide_info" for step in cases.next_steps(
        scenario, case, "PK", "head", at
    ))  # fmt: skip


def test_a_ruling_is_allowed_only_where_findings_concur_and_is_preset_to_them(
    scenario: Scenario,
) -> None:
    differ = _kinds(scenario, "investigating, findings differ", "TR", "head")
    assert "case.rule" not in differ
    assert differ["case.new_round"] == "allowed+awaited"
    assert "case.refer" not in differ
    again = _kinds(scenario, "investigating, split again", "QA", "head")
    assert again["case.refer"] == "allowed+awaited"
    assert _kinds(scenario, "investigating, lapsed", "SEC", "secretariat") == {
        "case.refer": "allowed"
    }
    case, at = STATES["investigating, findings concur"]
    rule = next(
        s for s in cases.next_steps(scenario, case, "TR", "head", at) if s.kind == "case.rule"
    )
    assert rule.allowed
    assert rule.awaited
    assert rule.preset == {"outcome": "violation_confirmed", "violator": "AF", "clauses": ["C2"]}


def test_a_penalty_names_the_violator_and_the_schedule_step(scenario: Scenario) -> None:
    case, at = STATES["ruled, violation, window closed"]
    step = next(
        s
        for s in cases.next_steps(scenario, case, "TR", "head", at, violator_prior=1)
        if s.kind == "case.penalty"
    )
    assert step.preset == {
        "member": "AF",
        "step": cases.penalty_for(scenario, 1),
        "prior_violations": 1,
    }
    assert step.allowed
    uncounted = cases.next_steps(scenario, case, "TR", "head", at)
    assert next(s for s in uncounted if s.kind == "case.penalty").preset == {"member": "AF"}


def test_the_penalty_waits_for_the_appeal_window_or_both_waivers(scenario: Scenario) -> None:
    """While the ruling may be appealed, the penalty awaits the mediators (due when the
    window closes) but is not offered; each party may appeal or waive."""
    case, _at = STATES["ruled, violation"]
    assert _kinds(scenario, "ruled, violation", "TR", "head") == {"case.penalty": "+awaited"}
    penalty = next(
        s for s in cases.next_steps(scenario, case, "TR", "head", RULED) if s.kind == "case.penalty"
    )
    assert penalty.due == case.appeal_deadline(scenario)
    # Each party may appeal or waive; the violator (AF) is told its window is running.
    assert _kinds(scenario, "ruled, violation", "AF", "head") == {
        "case.appeal": "allowed+awaited",
        "case.waive_appeal": "allowed",
    }
    assert _kinds(scenario, "ruled, violation", "PK", "head") == {
        "case.appeal": "allowed",
        "case.waive_appeal": "allowed",
    }
    appeal = next(
        s for s in cases.next_steps(scenario, case, "AF", "head", RULED) if s.kind == "case.appeal"
    )
    assert appeal.due == case.appeal_deadline(scenario)
    assert _kinds(scenario, "ruled, violation, AF waived", "AF", "head") == {}
    assert _kinds(scenario, "ruled, violation, AF waived", "TR", "head") == {
        "case.penalty": "+awaited"
    }
    assert _kinds(scenario, "ruled, violation, both waived", "TR", "head") == {
        "case.penalty": "allowed+awaited"
    }
    assert _kinds(scenario, "ruled, violation, window closed", "AF", "head") == {}


def test_closing_a_cleared_ruling_waits_for_the_appeal_window(scenario: Scenario) -> None:
    case, _at = STATES["ruled, cleared, appealable"]
    assert _kinds(scenario, "ruled, cleared, appealable", "TR", "head") == {
        "case.close": "+awaited"
    }
    close = next(
        s for s in cases.next_steps(scenario, case, "TR", "head", RULED) if s.kind == "case.close"
    )
    assert close.due == case.appeal_deadline(scenario)
    assert _kinds(scenario, "ruled, cleared, window closed", "TR", "head") == {
        "case.close": "allowed+awaited"
    }
    assert _kinds(scenario, "ruled, cleared, window closed", "SEC", "secretariat") == {
        "case.close": "allowed"
    }
    assert _kinds(scenario, "penalised", "SEC", "secretariat") == {"case.close": "allowed"}


def test_nothing_is_left_to_do_on_a_closed_or_withdrawn_case(scenario: Scenario) -> None:
    for state in ("closed", "withdrawn"):
        for member in MEMBERS:
            for role in ROLES:
                assert _kinds(scenario, state, member, role) == {}


def test_an_unknown_member_may_do_nothing(scenario: Scenario) -> None:
    case, at = STATES["awaiting"]
    assert cases.next_steps(scenario, case, "ZZ", "head", at) == []


def test_the_clock_is_offered_the_lapse_it_owes_and_nothing_else(scenario: Scenario) -> None:
    assert _kinds(scenario, "awaiting", "SEC", "clock") == {}
    case, at = STATES["awaiting, deadline passed"]
    lapse = next(s for s in cases.next_steps(scenario, case, "SEC", "clock", at))
    assert (lapse.kind, lapse.allowed, lapse.awaited) == ("case.lapse", True, False)
    assert lapse.preset == {"deadline": "response", "due_at": format_time(case.response_deadline)}
    assert _kinds(scenario, "awaiting, deadline passed", "SEC", "secretariat") == {}
