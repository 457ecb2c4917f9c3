"""Compliance with each clause, per member it binds: attestations, reviews, the matrix.

::

    compliance.attest ─> pending ─(a mediator acknowledges)─> acknowledged (quorum reached)
                            └───(a mediator disputes)──────> disputed

A party attests a step it took to comply with a clause that binds it; each mediator
reviews an attestation at most once. The status is derived from the reviews: disputed
as soon as one mediator disputes, acknowledged once the scenario's ruling quorum of
mediators has acknowledged, ``under_review`` in between, ``pending`` before any review.

:func:`attest` and :func:`review` take the state and one act and return the state after
it, or raise :class:`~truce.errors.RefusedActError`; the admission service and the
projection both call them. :func:`matrix` derives the clause x member matrix from the
cases (confirmed violations, open allegations, penalties) and the attestations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from truce.acts.actor import Actor
from truce.acts.refusal import require as _require
from truce.cases.rules import OPEN
from truce.scenario.rules import Scenario

Verdict = Literal["acknowledged", "disputed"]
AttestationStatus = Literal["pending", "under_review", "acknowledged", "disputed"]
COMPLIANCE_KINDS = ("compliance.attest", "compliance.review")


@dataclass(frozen=True, slots=True)
class Attestation:
    """A party's statement that it took a step to comply with a clause, and its reviews."""

    id: str
    member: str
    clause: str
    taken_at: datetime
    attested_at: datetime
    reviews: Mapping[str, Verdict] = field(default_factory=dict)

    def status(self, scenario: Scenario) -> AttestationStatus:
        """Derived from the reviews and the scenario's ruling quorum."""
        verdicts = list(self.reviews.values())
        if "disputed" in verdicts:
            return "disputed"
        if not verdicts:
            return "pending"
        if len(verdicts) >= scenario.ruling_threshold:
            return "acknowledged"
        return "under_review"


def attest(
    scenario: Scenario,
    attestation_id: str,
    actor: Actor,
    body: Mapping[str, Any],
    taken_at: datetime,
) -> Attestation:
    """A new attestation from a ``compliance.attest`` act."""
    _require(actor.kind == "party", "only a party attests its own compliance")
    clause = scenario.clause(body["clause"])
    _require(clause is not None, f"no clause {body['clause']} in the agreement", "body.clause")
    _require(
        clause is not None and actor.member in clause.binds,
        f"clause {body['clause']} does not bind {actor.member}",
        "body.clause",
    )
    _require(
        taken_at <= actor.at,
        "taken_at is later than the act: attest steps already taken",
        "body.taken_at",
    )
    return Attestation(
        id=attestation_id,
        member=actor.member,
        clause=body["clause"],
        taken_at=taken_at,
        attested_at=actor.at,
    )


def review(
    scenario: Scenario, attestation: Attestation, actor: Actor, body: Mapping[str, Any]
) -> Attestation:
    """The attestation after a ``compliance.review`` act."""
    _require(actor.kind == "mediator", "only a mediator reviews an attestation")
    _require(
        actor.member not in attestation.reviews,
        f"{actor.member} has already reviewed this attestation",
    )
    verdict: Verdict = body["verdict"]
    return replace(attestation, reviews={**attestation.reviews, actor.member: verdict})


def to_json(attestation: Attestation) -> dict[str, Any]:
    """The attestation as JSON, for the projection row."""
    return {
        "id": attestation.id,
        "member": attestation.member,
        "clause": attestation.clause,
        "taken_at": attestation.taken_at.isoformat(),
        "attested_at": attestation.attested_at.isoformat(),
        "reviews": dict(attestation.reviews),
    }


def from_json(data: Mapping[str, Any]) -> Attestation:
    """The inverse of :func:`to_json`."""
    return Attestation(
        id=data["id"],
        member=data["member"],
        clause=data["clause"],
        taken_at=datetime.fromisoformat(data["taken_at"]),
        attested_at=datetime.fromisoformat(data["attested_at"]),
        reviews=dict(data["reviews"]),
    )


# -- the matrix -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the matrix needs of one case."""

    id: int
    accused: str
    alleged: tuple[str, ...]
    status: str
    occurred_at: datetime
    outcome: str | None = None
    violator: str | None = None
    ruled_clauses: tuple[str, ...] = ()
    ruled_at: datetime | None = None
    penalty: str | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    """One clause x member: the cases and attestations behind its figures."""

    clause: str
    member: str
    confirmed: tuple[int, ...] = ()
    open: tuple[int, ...] = ()
    last_violation_at: datetime | None = None
    penalties: tuple[tuple[int, str], ...] = ()
    attestations: tuple[str, ...] = ()
    acknowledged: tuple[str, ...] = ()
    disputed: tuple[str, ...] = ()

    @property
    def standing(self) -> Literal["violated", "alleged", "clear"]:
        """``violated`` with a confirmed violation, ``alleged`` with an open case."""
        if self.confirmed:
            return "violated"
        return "alleged" if self.open else "clear"


def ruled_clauses(state: Mapping[str, Any]) -> tuple[str, ...]:
    """The clauses of a ruling, from the concurring findings kept in a case's state.

    A ruling needs the quorum of findings with its outcome, violator and clauses; the
    most frequent set among the findings that agree with its outcome and violator is it.
    """
    counts: dict[tuple[str, ...], int] = {}
    for finding in state.get("findings", {}).values():
        if (finding["outcome"], finding["violator"]) == (
            state.get("outcome"),
            state.get("violator"),
        ):
            key = tuple(sorted(set(finding["clauses"])))
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return ()
    return max(sorted(counts), key=lambda key: counts[key])


def matrix(
    scenario: Scenario, cases: Iterable[CaseFacts], attestations: Iterable[Attestation]
) -> list[Cell]:
    """Every clause x every member it binds, in the scenario's order."""
    cells: dict[tuple[str, str], dict[str, Any]] = {
        (clause.id, member): {
            "confirmed": [],
            "open": [],
            "last": None,
            "penalties": [],
            "attestations": [],
            "acknowledged": [],
            "disputed": [],
        }
        for clause in scenario.clauses
        for member in clause.binds
    }
    for case in sorted(cases, key=lambda c: c.id):
        if case.status in OPEN:
            for clause in case.alleged:
                if (cell := cells.get((clause, case.accused))) is not None:
                    cell["open"].append(case.id)
        if case.outcome == "violation_confirmed" and case.violator is not None:
            for clause in case.ruled_clauses:
                if (cell := cells.get((clause, case.violator))) is None:
                    continue
                cell["confirmed"].append(case.id)
                if cell["last"] is None or case.occurred_at > cell["last"]:
                    cell["last"] = case.occurred_at
                if case.penalty is not None:
                    cell["penalties"].append((case.id, case.penalty))
    for attestation in attestations:
        if (cell := cells.get((attestation.clause, attestation.member))) is None:
            continue
        cell["attestations"].append(attestation.id)
        status = attestation.status(scenario)
        if status in ("acknowledged", "disputed"):
            cell[status].append(attestation.id)
    return [
        Cell(
            clause=clause,
            member=member,
            confirmed=tuple(found["confirmed"]),
            open=tuple(found["open"]),
            last_violation_at=found["last"],
            penalties=tuple(found["penalties"]),
            attestations=tuple(found["attestations"]),
            acknowledged=tuple(found["acknowledged"]),
            disputed=tuple(found["disputed"]),
        )
        for (clause, member), found in cells.items()
    ]
