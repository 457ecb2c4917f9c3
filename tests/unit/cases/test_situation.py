"""Where a case stands (:func:`truce.cases.situation.situation`): statuses that say what
is true, for a case lodged by either party."""

from __future__ import annotations

import pytest

from tests.unit.cases.test_deadlines import RESPONSE, SIDES, lapse
from tests.unit.cases.test_rules import SCENARIO, T0, actor, finding, lodged, run
from truce.cases.rules import step
from truce.cases.situation import Situation, situation


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_a_response_is_no_longer_awaited_once_given(lodger: str, accused: str) -> None:
    case = lodged(lodger, accused)
    assert situation(SCENARIO, case, T0) == Situation(
        "awaiting_response", accused, case.response_deadline
    )
    answered = step(SCENARIO, case, "case.respond", actor(accused, 2), {"position": "deny"})
    assert answered.status == "awaiting_response"  # the workflow's status is unchanged
    assert situation(SCENARIO, answered, actor("SEC", 3).at) == Situation("responded", accused)


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_a_missed_deadline_is_overdue_then_recorded(lodger: str, accused: str) -> None:
    case = lodged(lodger, accused)
    late = actor("SEC", RESPONSE + 1).at
    assert situation(SCENARIO, case, late).code == "response_overdue"
    recorded = lapse(case, "response", RESPONSE + 1)
    assert situation(SCENARIO, recorded, late).code == "no_response"


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_information_asked_of_the_lodger_names_it_and_its_deadline(
    lodger: str, accused: str
) -> None:
    asked = step(SCENARIO, lodged(lodger, accused), "case.respond", actor(accused, 1), {
        "position": "request_information"
    })  # fmt: skip
    found = situation(SCENARIO, asked, actor("SEC", 2).at)
    assert found == Situation("information_from_lodger", lodger, asked.requests[0].deadline)


def test_an_investigation_says_what_it_waits_for() -> None:
    case = run(
        lodged(),
        ("case.respond", actor("AF", 1), {"position": "deny"}),
        ("case.investigate", actor("QA", 2), {}),
    )
    assert situation(SCENARIO, case, actor("SEC", 3).at).code == "under_investigation"
    asked = step(SCENARIO, case, "case.request_info", actor("TR", 3), {"to": "PK"})
    assert situation(SCENARIO, asked, actor("SEC", 4).at).member == "PK"
    split = run(
        case,
        ("case.finding", actor("TR", 3), finding("AF")),
        ("case.finding", actor("QA", 4), finding(None, "inconclusive")),
    )
    assert situation(SCENARIO, split, actor("SEC", 5).at).code == "findings_split"
    agreed = run(
        case,
        ("case.finding", actor("TR", 3), finding("AF")),
        ("case.finding", actor("QA", 4), finding("AF")),
    )
    assert situation(SCENARIO, agreed, actor("SEC", 5).at).code == "ruling_ready"
    ruled = step(SCENARIO, agreed, "case.rule", actor("TR", 5), finding("AF"))
    window = SCENARIO.procedure.appeal_window_days * 24
    assert situation(SCENARIO, ruled, actor("SEC", 6).at).code == "appeal_open"
    assert situation(SCENARIO, ruled, actor("SEC", 6 + window).at).code == "ruling_final"
