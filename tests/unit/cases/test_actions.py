"""The act forms a case page offers, asked of the workflow, for states the demo lacks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.mechanism import SCENARIO_DIR
from truce.cases import rules as cases
from truce.cases.actions import chosen, offers
from truce.cases.rules import may_lodge
from truce.scenario.rules import Scenario, load_scenario

LODGED = datetime(2025, 11, 1, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO_DIR)


def _case(**changes: object) -> cases.Case:
    found = cases.Case(
        id="x", lodged_by="PK", accused="AF", lodged_at=LODGED,
        response_deadline=LODGED + timedelta(hours=72),
    )  # fmt: skip
    return replace(found, **changes)  # type: ignore[arg-type]


def _kinds(scenario: Scenario, case: cases.Case, member: str, role: str, at: datetime) -> set[str]:
    return {offer.kind for offer in offers(scenario, case, member, role, at, lambda _m: 0)}


def test_a_response_until_its_deadline_then_an_investigation(scenario: Scenario) -> None:
    case = _case()
    before = LODGED + timedelta(hours=1)
    after = LODGED + timedelta(hours=73)
    assert _kinds(scenario, case, "AF", "head", before) == {"case.respond", "case.evidence"}
    assert _kinds(scenario, case, "AF", "head", after) == {"case.evidence"}
    assert _kinds(scenario, case, "AF", "officer", before) == {"case.evidence"}
    assert _kinds(scenario, case, "TR", "officer", before) == {"case.evidence"}
    assert _kinds(scenario, case, "TR", "officer", after) == {"case.evidence", "case.investigate"}
    assert _kinds(scenario, case, "PK", "head", before) == {"case.evidence", "case.withdraw"}
    assert _kinds(scenario, case, "PK", "observer", before) == set()
    assert _kinds(scenario, case, "SEC", "secretariat", before) == set()


def test_a_ruling_is_offered_preset_to_the_concurring_findings(scenario: Scenario) -> None:
    finding = cases.Finding("TR", "violation_confirmed", "AF", ("C2",), "r")
    at = LODGED + timedelta(days=5)
    one = _case(status="under_investigation", response="deny", findings={"TR": finding})
    assert "case.rule" not in _kinds(scenario, one, "QA", "head", at)
    assert "case.finding" in _kinds(scenario, one, "QA", "head", at)
    both = replace(one, findings={"TR": finding, "QA": replace(finding, member="QA")})
    found = offers(scenario, both, "QA", "head", at, lambda _m: 0)
    rule = next(offer for offer in found if offer.kind == "case.rule")
    assert rule.preset == {"outcome": "violation_confirmed", "violator": "AF", "clauses": ["C2"]}
    assert chosen(found, None) == rule
    assert "case.rule" not in _kinds(scenario, both, "QA", "officer", at)


def test_the_penalty_is_the_schedules_step_for_the_count(scenario: Scenario) -> None:
    at = LODGED + timedelta(days=30)  # the appeal window has closed: the ruling is final
    ruled = _case(
        status="ruled", response="deny", outcome="violation_confirmed", violator="AF",
        ruled_at=LODGED + timedelta(days=8),
    )  # fmt: skip
    for prior, step in ((0, "formal-notice"), (1, "public-censure"), (7, "referral-to-principals")):
        found = offers(scenario, ruled, "TR", "head", at, {"AF": prior}.__getitem__)
        penalty = next(offer for offer in found if offer.kind == "case.penalty")
        assert penalty.preset == {"member": "AF", "step": step, "prior_violations": prior}
    assert "case.close" not in _kinds(scenario, ruled, "TR", "head", at)
    appealable = LODGED + timedelta(days=9)
    assert _kinds(scenario, ruled, "AF", "head", appealable) == {"case.appeal", "case.waive_appeal"}
    assert "case.penalty" not in _kinds(scenario, ruled, "TR", "head", appealable)
    assert _kinds(scenario, ruled, "AF", "head", at) == set()
    cleared = replace(ruled, outcome="not_substantiated", violator=None)
    assert _kinds(scenario, cleared, "SEC", "secretariat", at) == {"case.close"}
    assert _kinds(scenario, cleared, "SEC", "secretariat", appealable) == set()


def test_nothing_on_a_closed_case(scenario: Scenario) -> None:
    closed = _case(status="closed")
    for member, role in (("PK", "head"), ("AF", "head"), ("TR", "head"), ("SEC", "secretariat")):
        assert _kinds(scenario, closed, member, role, LODGED + timedelta(days=1)) == set()


def test_who_may_lodge(scenario: Scenario) -> None:
    assert may_lodge(scenario, "PK", "officer")
    assert may_lodge(scenario, "AF", "head")
    assert not may_lodge(scenario, "AF", "observer")
    assert not may_lodge(scenario, "TR", "head")
    assert not may_lodge(scenario, "SEC", "secretariat")
    assert not may_lodge(scenario, "XX", "head")
