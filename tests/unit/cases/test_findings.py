"""Every case ends (:mod:`truce.cases.findings`): a split opens a new round in which
findings may be revised, and a deadlock or a lapsed investigation is referred."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.cases.test_rules import SCENARIO, actor, finding, investigating, refused, run
from truce.acts.actor import Actor
from truce.cases import findings
from truce.cases.rules import Case, step
from truce.errors import RefusedActError

DAYS = SCENARIO.procedure.investigation_days
CLEARED = finding(None, "inconclusive")


def split() -> Case:
    """TR confirms a violation by AF, QA finds the case inconclusive."""
    return run(
        investigating(),
        ("case.finding", actor("TR", 3), finding()),
        ("case.finding", actor("QA", 4), CLEARED),
    )


def test_a_split_opens_a_new_round_in_which_findings_may_be_revised() -> None:
    case = split()
    assert findings.is_split(SCENARIO, case)
    refused(case, "case.rule", actor("TR", 5), finding(), "1 of the 2 recorded agree")
    refused(case, "case.finding", actor("QA", 5), finding(), "already recorded its finding")
    refused(case, "case.new_round", actor("AF", 5), {}, "only a mediator")
    second = step(SCENARIO, case, "case.new_round", actor("QA", 5), {})
    assert (second.round, dict(second.findings), second.split_rounds) == (2, {}, 1)
    refused(second, "case.new_round", actor("TR", 6), {}, "follows a split")
    revised = run(
        second,
        ("case.finding", actor("TR", 6), finding()),
        ("case.finding", actor("QA", 7), finding()),
        ("case.rule", actor("QA", 8), finding()),
    )
    assert (revised.status, revised.violator) == ("ruled", "AF")


def test_a_deadlock_is_referred_after_the_rounds_the_scenario_allows() -> None:
    rounds = SCENARIO.procedure.rounds_before_referral
    assert rounds == 2
    case = split()
    refused(case, "case.refer", actor("TR", 5), {}, "after 2 split rounds")
    again = run(
        case,
        ("case.new_round", actor("TR", 5), {}),
        ("case.finding", actor("TR", 6), finding()),
        ("case.finding", actor("QA", 7), CLEARED),
    )
    refused(again, "case.refer", actor("PK", 8), {}, "a mediator, or the secretariat")
    refused(again, "case.refer", actor("SEC", 8), {}, "investigation lapses")
    referred = step(SCENARIO, again, "case.refer", actor("QA", 8), {"note": "Deadlocked."})
    assert referred.status == "referred"
    for kind in ("case.finding", "case.rule", "case.new_round", "case.appeal"):
        refused(referred, kind, actor("TR", 9), finding(), "referred")


def test_a_lapsed_investigation_may_be_referred_by_the_secretariat() -> None:
    case = investigating()
    deadline = findings.investigation_deadline(SCENARIO, case)
    assert deadline == actor("QA", 2).at + timedelta(days=DAYS)
    refused(case, "case.refer", actor("SEC", 2 + DAYS * 24), {}, "investigation lapses")
    referred = step(SCENARIO, case, "case.refer", actor("SEC", 2 + DAYS * 24 + 1), {})
    assert referred.status == "referred"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["case.finding", "case.rule", "case.new_round", "case.refer"]),
            st.sampled_from(["TR", "QA", "SEC"]),
            st.sampled_from([finding(), CLEARED, finding("PK")]),
            st.integers(0, 24 * DAYS),
        ),
        max_size=12,
    )
)
def test_an_investigation_always_has_a_way_out(
    acts: list[tuple[str, str, dict[str, object], int]],
) -> None:
    """Whatever the mediators do, in any order and at any time, an open investigation
    always has a next step: a missing finding, the ruling the quorum supports, or on a
    split a new round; and the secretariat may refer it once it has lapsed."""
    case = investigating()
    hours = 2
    for kind, who, body, later in acts:
        hours += later
        with contextlib.suppress(RefusedActError):
            case = step(SCENARIO, case, kind, actor(who, hours), body)
        if case.status != "under_investigation":
            assert case.status in ("ruled", "referred")
            return
        supported = findings.rulings(SCENARIO, case)
        missing = [m for m in ("TR", "QA") if m not in case.findings]
        if supported:
            ruling = supported[0] | {"reasons": "Agreed."}
            assert step(SCENARIO, case, "case.rule", actor("TR", hours), ruling).status == "ruled"
        elif missing:
            after = step(SCENARIO, case, "case.finding", actor(missing[0], hours), finding())
            assert missing[0] in after.findings
        else:
            assert findings.is_split(SCENARIO, case)
            assert step(SCENARIO, case, "case.new_round", actor("QA", hours), {}).round > 1
        deadline = findings.investigation_deadline(SCENARIO, case)
        assert deadline is not None
        late = Actor(member="SEC", kind="secretariat", at=deadline + timedelta(seconds=1))
        assert step(SCENARIO, case, "case.refer", late, {}).status == "referred"


# -- what a finding rests on ---------------------------------------------------------------


def basis(author: str, audience: Any, kind: str = "case.evidence") -> findings.Basis:
    return findings.Basis("ab" * 32, kind, author, audience, index=7)


@pytest.mark.parametrize(("lodger", "violator"), [("PK", "AF"), ("AF", "PK")])
def test_a_violation_rests_only_on_what_its_violator_was_shown(lodger: str, violator: str) -> None:
    name = SCENARIO.member(violator).name  # type: ignore[union-attr]
    for hidden in ("mediators", ("TR", "QA"), (lodger, "TR")):
        for kind, noun in (("case.finding", "a finding"), ("case.rule", "a ruling")):
            with pytest.raises(RefusedActError) as caught:
                findings.require_shown(SCENARIO, kind, finding(violator), [basis(lodger, hidden)])
            assert caught.value.field == "refs"
            assert str(caught.value).startswith(
                f"{noun} against {name} may not rest on an annex {name} was not shown: "
                "entry 7 (case.evidence) is addressed to "
            )
    both = [basis(lodger, "all"), basis(lodger, "mediators")]
    with pytest.raises(RefusedActError, match=r"addressed to the mediators$"):
        findings.require_shown(SCENARIO, "case.finding", finding(violator), both)
    with pytest.raises(RefusedActError, match=r"addressed to Türkiye and Qatar$"):
        findings.require_shown(
            SCENARIO, "case.rule", finding(violator), [basis(lodger, ("TR", "QA"))]
        )
    shown = [
        basis(lodger, "all"),
        basis(lodger, (violator, "TR", "QA")),
        # The violator's own act, even one addressed to the mediators alone.
        basis(violator, "mediators"),
    ]
    findings.require_shown(SCENARIO, "case.finding", finding(violator), shown)


def test_an_outcome_that_judges_nobody_may_rest_on_any_act() -> None:
    hidden = [basis("PK", "mediators")]
    for outcome in ("not_substantiated", "inconclusive"):
        findings.require_shown(SCENARIO, "case.finding", finding(None, outcome), hidden)
    # A finding that names no acts rests on none.
    findings.require_shown(SCENARIO, "case.rule", finding("AF"), [])
