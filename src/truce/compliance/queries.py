"""The read side of compliance: the compliance matrix's inputs and the attestations.

The matrix is worked out from the common record (:class:`truce.log.audience.Everyone`):
a case or an attestation counts only when every member may read the act behind it, so
every member is shown the same matrix and no member is measured on a case another
member was not shown. What the viewer may read but the matrix leaves out is listed by
:func:`not_counted`. The attestation list answers for one viewer, with the audience
rule of :mod:`truce.log.audience`. The JSON API reads the matrix row by
row (:func:`matrix_facts`); the page reads it counted (:func:`counted_matrix_facts`):
open allegations are summed by the database from ``case_counts``
(:func:`truce.cases.queries.open_allegations`), so a mechanism with many open cases is
not read row by row. Both give each cell the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, not_, select

from truce.accounts.service import Identity
from truce.cases.queries import confirmed_violations, open_allegations
from truce.compliance import rules as compliance
from truce.log.audience import Everyone, Reader, everyone, reader_of, visible
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


@dataclass(frozen=True, slots=True)
class NotCounted:
    """What a viewer may read that the matrix does not count, being restricted to some
    members: case rows (id and number) and attestation ids."""

    cases: list[Any]
    attestations: list[int]


def _visible_attestations(connection: Connection, reader: Reader | Everyone) -> list[Any]:
    return [
        row
        for row in connection.execute(select(AttestationRecord)).all()
        if reader.sees(row.audience, row.member)
    ]


def matrix_facts(connection: Connection) -> MatrixFacts:
    """Every case (with the clauses it alleges) and every attestation on the common
    record, read row by row: what ``GET /api/v1/compliance`` works the matrix out from."""
    reader = everyone(connection)
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
    connection: Connection,
) -> tuple[MatrixFacts, dict[tuple[str, str], int]]:
    """The matrix's inputs as the page reads them: only the confirmed violations and the
    attestations row by row, and per (clause, accused member) the number of open cases
    on the common record alleging the clause, counted by the database."""
    reader = everyone(connection)
    opened = open_allegations(connection, reader)
    confirmed = [_facts(row, ()) for row in confirmed_violations(connection, reader)]
    return MatrixFacts(confirmed, _visible_attestations(connection, reader)), opened


def not_counted(connection: Connection, identity: Identity) -> NotCounted:
    """The cases and attestations the viewer may read that are not on the common record
    (some member may not read them), so the matrix leaves them out."""
    reader = reader_of(connection, identity)
    common = everyone(connection)
    cases = connection.execute(
        select(CaseRecord.id, CaseRecord.number)
        .where(visible(reader), not_(visible(common)))
        .order_by(CaseRecord.id)
    ).all()
    restricted = [
        row.id
        for row in connection.execute(
            select(
                AttestationRecord.id, AttestationRecord.audience, AttestationRecord.member
            ).order_by(AttestationRecord.id)
        ).all()
        if reader.sees(row.audience, row.member) and not common.sees(row.audience, row.member)
    ]
    return NotCounted(list(cases), restricted)


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
