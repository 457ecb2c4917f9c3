"""Compliance over JSON: the clause x member matrix, and attestations with their reviews.

The matrix counts the common record only (:mod:`truce.compliance.queries`): a case or
an attestation counts when every member may read the act behind it, so every member is
given the same matrix; what the reader may read beside it is listed as not counted.
Attestations and reviews show only to members in the audience of the act behind them.
Writes go through ``POST /log/v1/acts``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from truce.api.deps import IdentityDep, ServicesDep
from truce.compliance import queries
from truce.compliance import rules as compliance
from truce.ledger.envelope import format_time

router = APIRouter(prefix="/api/v1", tags=["compliance"])


class ClauseInfo(BaseModel):
    """A clause of the agreement and the members it binds."""

    id: str
    title: str
    binds: list[str]


class PenaltyRef(BaseModel):
    """A penalty recorded on a case."""

    case: int
    step: str


class ComplianceCell(BaseModel):
    """One clause x one member it binds, with the case and attestation ids behind it."""

    clause: str
    member: str
    standing: Literal["violated", "alleged", "clear"]
    confirmed_violations: int
    confirmed_cases: list[int] = Field(description="cases ruled a violation of the clause")
    open_allegations: int
    open_cases: list[int] = Field(description="open cases alleging the clause against the member")
    last_violation_at: str | None = Field(description="the latest confirmed incident")
    penalties: list[PenaltyRef]
    attestations: list[int] = Field(description="the member's attestations for the clause")
    acknowledged: list[int]
    disputed: list[int]


class NotCountedOut(BaseModel):
    """What the reader may read that the matrix does not count: restricted to some
    members, it is not on the common record every member is measured by."""

    cases: list[int] = Field(description="ids of restricted cases the reader may read")
    attestations: list[int] = Field(description="ids of restricted attestations")


class ComplianceMatrix(BaseModel):
    """Every clause x every member it binds, counted from the common record: the same
    for every reader."""

    clauses: list[ClauseInfo]
    members: list[str]
    cells: list[ComplianceCell]
    not_counted: NotCountedOut


class ReviewOut(BaseModel):
    """A mediator's review; ``reason`` is null where the reader is outside its audience."""

    member: str
    index: int
    at: str
    verdict: str | None
    reason: str | None
    withheld: bool


class AttestationOut(BaseModel):
    """A party's attestation of a step it took to comply with a clause."""

    id: int
    leaf_hash: str
    member: str
    clause: str
    statement: str
    language: str
    evidence: list[dict[str, Any]]
    taken_at: str
    attested_at: str
    status: compliance.AttestationStatus
    reviews: list[ReviewOut]


class AttestationPage(BaseModel):
    """Attestations, newest first."""

    total: int
    attestations: list[AttestationOut]


@router.get("/compliance", response_model=ComplianceMatrix, summary="The compliance matrix")
def compliance_matrix(services: ServicesDep, reader: IdentityDep) -> ComplianceMatrix:
    """Per clause and member bound: confirmed violations, open allegations, penalties and
    attestations, from the cases and attestations every member may read; and what the
    reader may read that is therefore not counted."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        facts = queries.matrix_facts(connection)
        left_out = queries.not_counted(connection, reader)
    ids = {row.leaf_hash: row.id for row in facts.attestations}
    states = [compliance.from_json(row.state) for row in facts.attestations]
    cells = compliance.matrix(scenario, facts.cases, states)
    return ComplianceMatrix(
        clauses=[ClauseInfo(id=c.id, title=c.title, binds=list(c.binds)) for c in scenario.clauses],
        members=[member.code for member in scenario.parties],
        cells=[
            ComplianceCell(
                clause=cell.clause,
                member=cell.member,
                standing=cell.standing,
                confirmed_violations=len(cell.confirmed),
                confirmed_cases=list(cell.confirmed),
                open_allegations=len(cell.open),
                open_cases=list(cell.open),
                last_violation_at=None
                if cell.last_violation_at is None
                else format_time(cell.last_violation_at),
                penalties=[PenaltyRef(case=case, step=step) for case, step in cell.penalties],
                attestations=[ids[leaf] for leaf in cell.attestations],
                acknowledged=[ids[leaf] for leaf in cell.acknowledged],
                disputed=[ids[leaf] for leaf in cell.disputed],
            )
            for cell in cells
        ],
        not_counted=NotCountedOut(
            cases=[row.id for row in left_out.cases], attestations=left_out.attestations
        ),
    )


def _review_out(review: queries.SeenReview) -> ReviewOut:
    row = review.row
    return ReviewOut(
        member=row.member,
        index=row.idx,
        at=format_time(row.at),
        verdict=row.verdict if review.shown else None,
        reason=row.reason if review.shown else None,
        withheld=not review.shown,
    )


@router.get(
    "/compliance/attestations",
    response_model=AttestationPage,
    summary="Attestations of compliance and their reviews",
)
def list_attestations(
    services: ServicesDep,
    reader: IdentityDep,
    member: Annotated[str | None, Query()] = None,
    clause: Annotated[str | None, Query()] = None,
    status: Annotated[compliance.AttestationStatus | None, Query()] = None,
) -> AttestationPage:
    """Only attestations (and review reasons) the reader's member may see."""
    with services.db.read() as connection:
        seen = queries.attestations(connection, reader, member=member, clause=clause, status=status)
    return AttestationPage(
        total=len(seen),
        attestations=[
            AttestationOut(
                id=item.row.id,
                leaf_hash=item.row.leaf_hash,
                member=item.row.member,
                clause=item.row.clause,
                statement=item.row.statement,
                language=item.row.language,
                evidence=list(item.row.evidence),
                taken_at=format_time(item.row.taken_at),
                attested_at=format_time(item.row.attested_at),
                status=item.row.status,
                reviews=[_review_out(review) for review in item.reviews],
            )
            for item in seen
        ],
    )
