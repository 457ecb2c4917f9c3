"""Reports as acts over JSON: those awaiting approval, those published, one by its PDF.

A report is put forward by a ``report.publish`` act and approved by ``report.approve``
acts, posted like every act to ``POST /log/v1/acts`` once its PDFs are uploaded with
``POST /api/v1/files`` (``truce report publish`` does both). These routes read where
each report stands; its PDFs are read with ``GET /api/v1/files/{sha256}`` by the act's
audience.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from truce.api.deps import IdentityDep, LogIndex, ServicesDep
from truce.errors import NotFoundError
from truce.reports.queries_published import (
    ReportAct,
    ReportActList,
    awaiting_approval,
    published,
    report_act,
    report_of_pdf,
)

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Digest = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="A PDF's SHA-256 (hex).")]


@router.get("/published", response_model=ReportActList, summary="Published reports")
def list_published(services: ServicesDep, reader: IdentityDep) -> ReportActList:
    """The reports every required approver approved, newest period first."""
    with services.db.read() as connection:
        return ReportActList(reports=published(connection, reader))


@router.get("/awaiting", response_model=ReportActList, summary="Reports awaiting approval")
def list_awaiting(services: ServicesDep, reader: IdentityDep) -> ReportActList:
    """The reports put forward that still lack an approval, with whose."""
    with services.db.read() as connection:
        return ReportActList(reports=awaiting_approval(connection, reader))


@router.get("/acts/{report_id}", response_model=ReportAct, summary="A report put forward")
def get_report(report_id: LogIndex, services: ServicesDep, reader: IdentityDep) -> ReportAct:
    """One report, by the log index of its ``report.publish`` act."""
    with services.db.read() as connection:
        return report_act(connection, reader, report_id)


@router.get("/by-pdf/{sha256}", response_model=ReportAct, summary="The report of a PDF")
def get_by_pdf(sha256: Digest, services: ServicesDep, reader: IdentityDep) -> ReportAct:
    """The report one of whose PDFs has this SHA-256 (404 if none the reader may read)."""
    with services.db.read() as connection:
        found = report_of_pdf(connection, reader, sha256)
    if found is None:
        raise NotFoundError(f"no report put forward names a PDF with SHA-256 {sha256}")
    return found
