"""The read side of reports as acts: which reports await approval, which are published.

One function per question, each with the viewer and the one audience rule
(:mod:`truce.log.audience`): a report is read only by the members its acts are
addressed to (every member; the public page, once the scenario's publication policy
allows it, reads through the same functions). The answers' shapes are here too, for the
API, the pages and the CLI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection, select

from truce.accounts.service import Identity
from truce.errors import NotFoundError
from truce.log.audience import Reader, reader_of, visible
from truce.reports import approval as reports
from truce.storage.models import StoredFile
from truce.storage.models_reports import ReportRecord


class ReportPdfInfo(BaseModel):
    """One language's PDF of a report: fetch it with ``GET /api/v1/files/{sha256}``."""

    language: str
    sha256: str
    size: int


class Approval(BaseModel):
    """A member's approval of a report, and the leaf hash of its ``report.approve``."""

    member: str
    leaf_hash: str


class ReportAct(BaseModel):
    """A report put forward by a ``report.publish`` act, and where it stands."""

    id: int
    leaf_hash: str
    status: Literal["awaiting", "published", "withdrawn"]
    published_by: str
    delegate: str
    period_kind: str
    period_from: str
    period_to: str
    title: str
    data_sha256: str
    pdfs: list[ReportPdfInfo]
    put_at: datetime
    approvers: list[str]
    approvals: list[Approval]
    missing: list[str]
    published_idx: int | None
    published_at: datetime | None
    withdrawn_idx: int | None


class ReportActList(BaseModel):
    """Reports as acts, newest period first."""

    reports: list[ReportAct]


def _answer(row: Any) -> ReportAct:
    state = reports.from_json(row.state)
    return ReportAct(
        id=row.id,
        leaf_hash=row.leaf_hash,
        status=state.status,
        published_by=row.published_by,
        delegate=row.delegate,
        period_kind=row.period_kind,
        period_from=row.period_from,
        period_to=row.period_to,
        title=row.title,
        data_sha256=row.data_sha256,
        pdfs=[ReportPdfInfo.model_validate(pdf) for pdf in row.pdfs],
        put_at=row.put_at,
        approvers=list(state.approvers),
        approvals=[Approval(member=m, leaf_hash=leaf) for m, leaf in state.approvals],
        missing=list(state.missing),
        published_idx=row.published_idx,
        published_at=row.published_at,
        withdrawn_idx=row.withdrawn_idx,
    )


def _visible(connection: Connection, reader: Reader, status: str | None) -> list[ReportAct]:
    query = select(ReportRecord).where(
        visible(reader, ReportRecord.audience, ReportRecord.published_by)
    )
    if status is not None:
        query = query.where(ReportRecord.status == status)
    query = query.order_by(ReportRecord.period_to.desc(), ReportRecord.id.desc())
    return [
        _answer(row)
        for row in connection.execute(query)
        if reader.sees(row.audience, row.published_by)
    ]


def published(connection: Connection, identity: Identity) -> list[ReportAct]:
    """The reports that count: every approver approved them. Newest period first."""
    return _visible(connection, reader_of(connection, identity), "published")


def awaiting_approval(connection: Connection, identity: Identity) -> list[ReportAct]:
    """The reports put forward that still lack an approval, newest period first."""
    return _visible(connection, reader_of(connection, identity), "awaiting")


def awaiting_my_approval(connection: Connection, identity: Identity) -> list[ReportAct]:
    """The reports awaiting the viewer's member's own approval."""
    return [
        found
        for found in awaiting_approval(connection, identity)
        if identity.member in found.missing
    ]


def every_report(connection: Connection, identity: Identity) -> list[ReportAct]:
    """Every report put forward the viewer may read, whatever its state."""
    return _visible(connection, reader_of(connection, identity), None)


def report_act(connection: Connection, identity: Identity, report_id: int) -> ReportAct:
    """One report by the log index of its ``report.publish``; NotFoundError when there
    is none the viewer may read."""
    reader = reader_of(connection, identity)
    row = connection.execute(select(ReportRecord).where(ReportRecord.id == report_id)).first()
    if row is None or not reader.sees(row.audience, row.published_by):
        raise NotFoundError(f"no report was put forward at log index {report_id}")
    return _answer(row)


def report_of_pdf(connection: Connection, identity: Identity, sha256: str) -> ReportAct | None:
    """The report one of whose PDFs has this SHA-256, if the viewer may read it."""
    return next(
        (found for found in every_report(connection, identity)
         if any(pdf.sha256 == sha256 for pdf in found.pdfs)),
        None,
    )  # fmt: skip


def published_to_all(connection: Connection) -> list[ReportAct]:
    """Every report that counts, newest period first, read as the common record holds it.

    A ``report.publish`` act is always addressed to every member, so these are exactly
    what a publication policy with ``reports = true`` lets out to the public record.
    """
    query = (
        select(ReportRecord)
        .where(ReportRecord.status == "published")
        .order_by(ReportRecord.period_to.desc(), ReportRecord.id.desc())
    )
    return [_answer(row) for row in connection.execute(query)]


def published_pdf(connection: Connection, sha256: str) -> bytes | None:
    """The bytes of the PDF with this SHA-256 if it is one of a published report's PDFs;
    None otherwise (a draft's, a withdrawn report's, or any other stored file)."""
    if not any(
        pdf.sha256 == sha256 for report in published_to_all(connection) for pdf in report.pdfs
    ):
        return None
    content: bytes | None = connection.execute(
        select(StoredFile.content).where(StoredFile.sha256 == sha256)
    ).scalar_one_or_none()
    return content
