"""Deadlines (:mod:`truce.cases.deadlines`): the clock records each passed deadline
once and never early, a mediator may extend one or give leave to answer late, and the
accused's own request for information stops its response clock, once. Played from both
sides: a case lodged by Pakistan and one lodged by Afghanistan."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.cases.test_rules import SCENARIO, T0, actor, finding, lodged, refused, run
from truce.cases import deadlines
from truce.cases.rules import Case, step
from truce.ledger.envelope import format_time

SIDES = [("PK", "AF"), ("AF", "PK")]
RESPONSE = SCENARIO.procedure.response_deadline_hours
ASKING = SCENARIO.procedure.information_request_days * 24


def lapse(case: Case, deadline: str, hours: float, **extra: str) -> Case:
    """The clock's ``case.lapse`` at ``hours``, naming the deadline the case owes."""
    owed = [body for body in deadlines.due(SCENARIO, case, actor("SEC", hours).at)]
    body = next(b for b in owed if b["deadline"] == deadline and b.get("to") == extra.get("to"))
    return step(SCENARIO, case, "case.lapse", actor("SEC", hours), body)


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_the_clock_records_a_passed_response_deadline_once_and_never_early(
    lodger: str, accused: str
) -> None:
    case = lodged(lodger, accused)
    due_at = format_time(case.response_deadline)
    body = {"deadline": "response", "due_at": due_at}
    assert deadlines.due(SCENARIO, case, actor("SEC", RESPONSE).at) == []
    refused(case, "case.lapse", actor("SEC", RESPONSE), body, "has not passed")
    refused(case, "case.lapse", actor(lodger, RESPONSE + 1), body, "only the secretariat")
    wrong = {"deadline": "response", "due_at": format_time(T0)}
    refused(case, "case.lapse", actor("SEC", RESPONSE + 1), wrong, "the response deadline is")
    assert deadlines.due(SCENARIO, case, actor("SEC", RESPONSE + 1).at) == [body]
    lapsed = step(SCENARIO, case, "case.lapse", actor("SEC", RESPONSE + 1), body)
    assert lapsed.lapsed == ("response",)
    assert deadlines.due(SCENARIO, lapsed, actor("SEC", RESPONSE + 50).at) == []
    refused(lapsed, "case.lapse", actor("SEC", RESPONSE + 2), body, "that has not lapsed")
    refused(lapsed, "case.respond", actor(accused, RESPONSE + 2), {"position": "deny"}, "leave")


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_leave_to_respond_late_is_a_mediators_signed_extension(lodger: str, accused: str) -> None:
    case = lapse(lodged(lodger, accused), "response", RESPONSE + 1)
    until = format_time(T0 + timedelta(hours=RESPONSE + 48))
    leave = {"deadline": "response", "deadline_at": until, "reason": "Roads were closed."}
    refused(case, "case.extend", actor(lodger, RESPONSE + 2), leave, "only a mediator")
    past = leave | {"deadline_at": format_time(T0)}
    refused(case, "case.extend", actor("TR", RESPONSE + 2), past, "later than now")
    extended = step(SCENARIO, case, "case.extend", actor("TR", RESPONSE + 2), leave)
    assert (extended.lapsed, format_time(extended.response_deadline)) == ((), until)
    answered = step(SCENARIO, extended, "case.respond", actor(accused, RESPONSE + 3), {
        "position": "deny"
    })  # fmt: skip
    assert answered.response == "deny"
    refused(answered, "case.extend", actor("QA", RESPONSE + 4), leave, "awaits no response")


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_an_answer_after_the_requests_deadline_needs_leave(lodger: str, accused: str) -> None:
    case = run(
        lodged(lodger, accused),
        ("case.respond", actor(accused, 1), {"position": "deny"}),
        ("case.investigate", actor("TR", 2), {}),
        ("case.request_info", actor("QA", 3), {"to": accused}),
    )
    late = 3 + ASKING + 1
    refused(case, "case.provide_info", actor(accused, late), {}, "a mediator may give leave")
    case = lapse(case, "information", late, to=accused)
    assert case.requests[0].lapsed
    refused(case, "case.provide_info", actor(accused, late + 1), {}, "no open request")
    until = format_time(T0 + timedelta(hours=late + 24))
    leave = {"deadline": "information", "to": accused, "deadline_at": until, "reason": "r"}
    case = step(SCENARIO, case, "case.extend", actor("TR", late + 1), leave)
    case = step(SCENARIO, case, "case.provide_info", actor(accused, late + 2), {})
    assert (case.requests[0].answered, case.requests[0].lapsed) == (True, False)


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_asking_the_lodger_for_information_stops_the_response_clock_once(
    lodger: str, accused: str
) -> None:
    asked = step(SCENARIO, lodged(lodger, accused), "case.respond", actor(accused, 10), {
        "position": "request_information"
    })  # fmt: skip
    request = asked.requests[0]
    assert (request.to, request.by, asked.response) == (lodger, accused, None)
    # The lodger is asked; the accused's clock stands still meanwhile.
    assert deadlines.due(SCENARIO, asked, actor("SEC", RESPONSE + 24).at) == []
    refused(asked, "case.investigate", actor("TR", RESPONSE + 1), {}, "may still respond")
    again = {"position": "request_information"}
    refused(asked, "case.respond", actor(accused, 11), again, "already asked")
    # Answered at hour 40: the 30 hours the request was open are added to the deadline.
    answered = step(SCENARIO, asked, "case.provide_info", actor(lodger, 40), {})
    assert answered.response_deadline == T0 + timedelta(hours=RESPONSE + 30)
    denied = step(SCENARIO, answered, "case.respond", actor(accused, RESPONSE + 29), {
        "position": "deny"
    })  # fmt: skip
    assert denied.response == "deny"


def test_a_request_the_lodger_leaves_unanswered_restarts_the_clock_when_it_lapses() -> None:
    asked = step(SCENARIO, lodged(), "case.respond", actor("AF", 10), {
        "position": "request_information"
    })  # fmt: skip
    lapsed = lapse(asked, "information", 10 + ASKING + 1, to="PK")
    assert lapsed.response_deadline == T0 + timedelta(hours=RESPONSE + ASKING + 1)
    assert lapsed.pausing_request(SCENARIO) is None


def test_no_pause_when_the_scenario_says_so() -> None:
    procedure = SCENARIO.procedure.model_copy(update={"response_clock_pauses": False})
    scenario = SCENARIO.model_copy(update={"procedure": procedure})
    asked = step(scenario, lodged(), "case.respond", actor("AF", 10), {
        "position": "request_information"
    })  # fmt: skip
    assert [b["deadline"] for b in deadlines.due(scenario, asked, actor("SEC", 73).at)] == [
        "response"
    ]


def test_the_appeal_window_and_the_investigation_lapse_as_the_case_runs_them() -> None:
    case = run(
        lodged(),
        ("case.respond", actor("AF", 1), {"position": "deny"}),
        ("case.investigate", actor("QA", 2), {}),
    )
    investigation = SCENARIO.procedure.investigation_days * 24
    assert [b["deadline"] for b in deadlines.due(SCENARIO, case, actor("SEC", 3).at)] == []
    late = lapse(case, "investigation", 2 + investigation + 1)
    assert late.lapsed == ("investigation",)
    ruled = run(
        case,
        ("case.finding", actor("TR", 3), finding("AF")),
        ("case.finding", actor("QA", 4), finding("AF")),
        ("case.rule", actor("TR", 5), finding("AF")),
    )
    window = SCENARIO.procedure.appeal_window_days * 24
    assert deadlines.due(SCENARIO, ruled, actor("SEC", 5 + window).at) == []
    closed = lapse(ruled, "appeal", 5 + window + 1)
    assert closed.lapsed == ("appeal",)
