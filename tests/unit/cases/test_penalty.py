"""Appeal before penalty (:mod:`truce.cases.penalty`): a penalty falls only on a final
ruling, for whichever party was ruled against."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.cases.test_rules import SCENARIO, actor, finding, investigating, refused, run
from truce.cases import penalty
from truce.cases.rules import Case, penalty_for, step
from truce.errors import RefusedActError

WINDOW = SCENARIO.procedure.appeal_window_days * 24


def ruled_against(violator: str) -> Case:
    """A case PK lodged against AF, ruled at hour 5 as a violation by ``violator``."""
    body = finding(violator)
    return run(
        investigating(),
        ("case.finding", actor("TR", 3), body),
        ("case.finding", actor("QA", 4), body),
        ("case.rule", actor("TR", 5), body),
    )


def penalty_body(member: str) -> dict[str, Any]:
    return {"member": member, "step": penalty_for(SCENARIO, 0), "prior_violations": 0}


@pytest.mark.parametrize("violator", ["AF", "PK"])
def test_no_penalty_while_the_ruling_may_be_appealed(violator: str) -> None:
    """Each party, ruled against, keeps its appeal until the window closes: a mediator
    cannot record the penalty, or close the case, before then."""
    case = ruled_against(violator)
    refused(case, "case.penalty", actor("TR", 6), penalty_body(violator), "may still be appealed")
    refused(case, "case.penalty", actor("QA", 5 + WINDOW), penalty_body(violator), "appealed")
    reopened = step(SCENARIO, case, "case.appeal", actor(violator, 5 + WINDOW), {})
    assert reopened.status == "under_investigation"
    penalised = step(
        SCENARIO, case, "case.penalty", actor("TR", 5 + WINDOW + 1), penalty_body(violator)
    )
    assert (penalised.status, penalised.penalty) == ("penalised", penalty_for(SCENARIO, 0))
    refused(penalised, "case.appeal", actor(violator, 5 + WINDOW + 2), {}, "no ruling to appeal")


@pytest.mark.parametrize("violator", ["AF", "PK"])
def test_both_parties_waiving_makes_the_ruling_final(violator: str) -> None:
    case = ruled_against(violator)
    other = "PK" if violator == "AF" else "AF"
    one = step(SCENARIO, case, "case.waive_appeal", actor(violator, 6), {})
    assert one.waived == (violator,)
    assert not penalty.is_final(SCENARIO, one, actor("TR", 7).at)
    refused(one, "case.penalty", actor("TR", 7), penalty_body(violator), "may still be appealed")
    refused(one, "case.appeal", actor(violator, 7), {}, f"{violator} has waived its appeal")
    refused(one, "case.waive_appeal", actor(violator, 7), {}, "has waived")
    refused(one, "case.waive_appeal", actor("TR", 7), {}, "only a party")
    both = step(SCENARIO, one, "case.waive_appeal", actor(other, 8), {})
    penalised = step(SCENARIO, both, "case.penalty", actor("TR", 9), penalty_body(violator))
    assert penalised.status == "penalised"


def test_a_decided_appeal_is_final_at_once() -> None:
    case = step(SCENARIO, ruled_against("AF"), "case.appeal", actor("AF", 6), {})
    again = run(
        case,
        ("case.finding", actor("TR", 7), finding()),
        ("case.finding", actor("QA", 8), finding()),
        ("case.rule", actor("QA", 9), finding()),
    )
    assert penalty.is_final(SCENARIO, again, actor("TR", 10).at)
    assert step(SCENARIO, again, "case.penalty", actor("TR", 10), penalty_body("AF")).penalty


def test_closing_a_ruling_without_violation_also_waits_for_the_waivers() -> None:
    case = run(
        investigating(),
        ("case.finding", actor("TR", 3), finding(None, "not_substantiated")),
        ("case.finding", actor("QA", 4), finding(None, "not_substantiated")),
        ("case.rule", actor("TR", 5), finding(None, "not_substantiated")),
    )
    refused(case, "case.close", actor("SEC", 6), {}, "may be appealed until")
    waived = run(
        case,
        ("case.waive_appeal", actor("PK", 6), {}),
        ("case.waive_appeal", actor("AF", 6), {}),
    )
    assert step(SCENARIO, waived, "case.close", actor("SEC", 7), {}).status == "closed"


_KINDS = ("case.appeal", "case.waive_appeal", "case.penalty", "case.close")
_WHO = ("PK", "AF", "TR", "QA", "SEC")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_KINDS), st.sampled_from(_WHO), st.integers(0, 2 * WINDOW)),
        max_size=8,
    ),
    st.sampled_from(["AF", "PK"]),
)
def test_no_sequence_of_acts_penalises_an_appealable_ruling(
    acts: list[tuple[str, str, int]], violator: str
) -> None:
    """Whatever follows a ruling, in any order and at any time, a case is penalised only
    where its ruling could no longer be appealed at that moment."""
    case = ruled_against(violator)
    hours = 5
    for kind, who, later in acts:
        hours += later
        body = penalty_body(violator) if kind == "case.penalty" else {}
        try:
            after = step(SCENARIO, case, kind, actor(who, hours), body)
        except RefusedActError:
            continue
        if after.status == "penalised":
            assert penalty.is_final(SCENARIO, case, actor(who, hours).at)
        case = after
