"""The read side of compliance: the compliance matrix's inputs and the attestations.

Each function answers one question for one viewer, with the audience rule of
:mod:`truce.log.audience`: a case, an attestation or a review counts and shows only
for members in the audience of the act behind it. The JSON API reads the matrix row by
row (:func:`matrix_facts`); the page reads it counted (:func:`counted_matrix_facts`):
open allegations are summed by the database from ``case_counts``
(:func:`truce.cases.queries.open_allegations`), so a mechanism with many open cases is
not read row by row. Both give each cell the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from truce.accounts.service import Identity
from truce.cases.queries import confirmed_violations, open_allegations
from truce.compliance import rules as compliance
from truce.log.audience import Reader, reader_of
from truce.storage.models import AttestationRecord, AttestationReview, CaseRecord


@dataclass(frozen=True, slots=True)
class MatrixFacts:
    """What the compliance matrix is worked out from, as far as the reader may see:
    cases as the matrix reads them, and attestation rows."""

    cases: list[compliance.CaseFacts]
    attestations: list[Any]


@dataclass(frozen=True, slots=True)
class SeenReview:
    """A review of an attestation; ``shown`` is whether the reader may read its verdict
    and reason (it always sees that the review exists)."""

    row: Any
    shown: bool


@dataclass(frozen=True, slots=True)
class SeenAttestation:
    """An attestation row the reader may see, and its reviews in log order."""

    row: Any
    reviews: list[SeenReview]


def _facts(row: Any, alleged: tuple[str, ...]) -> compliance.CaseFacts:
    return compliance.CaseFacts(
        id=row.id,
        accused=row.accused,
        alleged=alleged,
        status=row.status,
        occurred_at=row.occurred_at,
        outcome=row.outcome,
        violator=row.violator,
        ruled_clauses=compliance.ruled_clauses(row.state),
        penalty=row.penalty,
    )


def _visible_attestations(connection: Connection, reader: Reader) -> list[Any]:
    return [
        row
        for row in connection.execute(select(AttestationRecord)).all()
        if reader.sees(row.audience, row.member)
    ]


def matrix_facts(connection: Connection, identity: Identity) -> MatrixFacts:
    """Every case (with the clauses it alleges) and every attestation the viewer may see,
    read row by row: what ``GET /api/v1/compliance`` works the matrix out from."""
    reader = reader_of(connection, identity)
    case_rows = connection.execute(select(CaseRecord)).all()
    attestations = _visible_attestations(connection, reader)
    return MatrixFacts(
        cases=[
            _facts(row, tuple(row.clauses))
            for row in case_rows
            if reader.sees(row.audience, row.lodged_by)
        ],
        attestations=attestations,
    )


def counted_matrix_facts(
    connection: Connection, identity: Identity
) -> tuple[MatrixFacts, dict[tuple[str, str], int]]:
    """The matrix's inputs as the page reads them: only the confirmed violations and the
    attestations row by row, and per (clause, accused member) the number of visible open
    cases alleging the clause, counted by the database."""
    reader = reader_of(connection, identity)
    opened = open_allegations(connection, reader)
    confirmed = [_facts(row, ()) for row in confirmed_violations(connection, reader)]
    return MatrixFacts(confirmed, _visible_attestations(connection, reader)), opened


def attestations(
    connection: Connection,
    identity: Identity,
    *,
    member: str | None = None,
    clause: str | None = None,
    status: str | None = None,
) -> list[SeenAttestation]:
    """The attestations the viewer may see, newest first, by attesting member, clause and
    status (each optional), each with its reviews."""
    reader = reader_of(connection, identity)
    query = select(AttestationRecord)
    if member:
        query = query.where(AttestationRecord.member == member)
    if clause:
        query = query.where(AttestationRecord.clause == clause)
    if status:
        query = query.where(AttestationRecord.status == status)
    rows = [
        row
        for row in connection.execute(query.order_by(AttestationRecord.id.desc())).all()
        if reader.sees(row.audience, row.member)
    ]
    reviews = connection.execute(
        select(AttestationReview)
        .where(AttestationReview.attestation_id.in_([row.id for row in rows]))
        .order_by(AttestationReview.idx)
    ).all()
    by_attestation: dict[int, list[SeenReview]] = {}
    for review in reviews:
        shown = reader.sees(review.audience, review.member)
        by_attestation.setdefault(review.attestation_id, []).append(SeenReview(review, shown))
    return [SeenAttestation(row, by_attestation.get(row.id, [])) for row in rows]
