"""Attestations of compliance, their reviews, and the clause x member matrix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from truce.acts.actor import Actor
from truce.compliance import rules as compliance
from truce.compliance.rules import Attestation, CaseFacts, attest, matrix, review
from truce.errors import RefusedActError
from truce.scenario.rules import load_scenario

SCENARIO = load_scenario(Path(__file__).parents[3] / "scenarios" / "istanbul-2025")
T0 = datetime(2025, 11, 10, 9, 0, tzinfo=UTC)
KINDS = {"PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator", "SEC": "secretariat"}


def actor(member: str, hours: float = 0) -> Actor:
    return Actor(member=member, kind=KINDS[member], at=T0 + timedelta(hours=hours))


def body(clause: str = "C5") -> dict[str, Any]:
    return {"clause": clause, "statement": "Posts moved back 5 km.", "language": "en"}


def attested(member: str = "AF") -> Attestation:
    return attest(SCENARIO, "a1", actor(member), body(), T0 - timedelta(days=1))


def verdict(value: str) -> dict[str, Any]:
    return {"verdict": value, "reason": "Seen by our observers."}


def test_an_attestation_is_acknowledged_once_every_mediator_acknowledges() -> None:
    attestation = attested()
    assert attestation.status(SCENARIO) == "pending"
    attestation = review(SCENARIO, attestation, actor("TR", 1), verdict("acknowledged"))
    assert attestation.status(SCENARIO) == "under_review"
    attestation = review(SCENARIO, attestation, actor("QA", 2), verdict("acknowledged"))
    assert attestation.status(SCENARIO) == "acknowledged"
    assert compliance.from_json(compliance.to_json(attestation)) == attestation


def test_one_dispute_makes_it_disputed() -> None:
    attestation = review(SCENARIO, attested(), actor("QA", 1), verdict("disputed"))
    attestation = review(SCENARIO, attestation, actor("TR", 2), verdict("acknowledged"))
    assert attestation.status(SCENARIO) == "disputed"


@pytest.mark.parametrize(
    ("who", "clause", "taken_hours", "message"),
    [
        ("TR", "C5", -1, "only a party attests"),
        ("SEC", "C5", -1, "only a party attests"),
        ("AF", "C9", -1, "no clause C9"),
        ("AF", "C5", 1, "taken_at is later than the act"),
    ],
)
def test_attestations_the_rules_refuse(
    who: str, clause: str, taken_hours: float, message: str
) -> None:
    with pytest.raises(RefusedActError, match=message):
        attest(SCENARIO, "a1", actor(who), body(clause), T0 + timedelta(hours=taken_hours))


def test_a_clause_that_does_not_bind_the_member_is_refused() -> None:
    clause = SCENARIO.clauses[0].model_copy(update={"binds": ["PK"]})
    scenario = SCENARIO.model_copy(update={"clauses": [clause, *SCENARIO.clauses[1:]]})
    with pytest.raises(RefusedActError, match="does not bind AF"):
        attest(scenario, "a1", actor("AF"), body(clause.id), T0)


def test_reviews_the_rules_refuse() -> None:
    with pytest.raises(RefusedActError, match="only a mediator reviews"):
        review(SCENARIO, attested(), actor("PK", 1), verdict("disputed"))
    with pytest.raises(RefusedActError, match="only a mediator reviews"):
        review(SCENARIO, attested(), actor("SEC", 1), verdict("acknowledged"))
    once = review(SCENARIO, attested(), actor("TR", 1), verdict("acknowledged"))
    with pytest.raises(RefusedActError, match="TR has already reviewed"):
        review(SCENARIO, once, actor("TR", 2), verdict("disputed"))


def ruled_state(violator: str, clauses: list[str]) -> dict[str, Any]:
    finding = {"outcome": "violation_confirmed", "violator": violator, "clauses": clauses}
    return {
        "outcome": "violation_confirmed",
        "violator": violator,
        "findings": {"TR": finding, "QA": finding},
    }


def test_the_ruling_clauses_come_from_the_concurring_findings() -> None:
    assert compliance.ruled_clauses(ruled_state("AF", ["C4", "C1"])) == ("C1", "C4")
    assert compliance.ruled_clauses({"outcome": None, "violator": None, "findings": {}}) == ()


def test_the_matrix_counts_confirmed_and_open_cases_and_attestations() -> None:
    day = timedelta(days=1)
    facts = [
        CaseFacts(1, "AF", ("C4",), "penalised", T0 - 3 * day, "violation_confirmed", "AF",
                  ("C4",), T0, "formal-notice"),
        CaseFacts(2, "AF", ("C4",), "ruled", T0 - day, "violation_confirmed", "AF", ("C4",), T0),
        CaseFacts(3, "AF", ("C4", "C3"), "awaiting_response", T0),
        CaseFacts(4, "PK", ("C4",), "closed", T0, "not_substantiated"),
        CaseFacts(5, "AF", ("C4",), "withdrawn", T0),
    ]  # fmt: skip
    acknowledged = review(SCENARIO, attested(), actor("TR"), verdict("acknowledged"))
    acknowledged = review(SCENARIO, acknowledged, actor("QA"), verdict("acknowledged"))
    cells = {(c.clause, c.member): c for c in matrix(SCENARIO, facts, [acknowledged])}
    assert len(cells) == sum(len(clause.binds) for clause in SCENARIO.clauses)
    af_c4 = cells["C4", "AF"]
    assert (af_c4.confirmed, af_c4.open, af_c4.standing) == ((1, 2), (3,), "violated")
    assert af_c4.last_violation_at == T0 - day
    assert af_c4.penalties == ((1, "formal-notice"),)
    assert cells["C3", "AF"].standing == "alleged"
    assert cells["C4", "PK"].standing == "clear"
    assert cells["C5", "AF"].attestations == cells["C5", "AF"].acknowledged == ("a1",)
