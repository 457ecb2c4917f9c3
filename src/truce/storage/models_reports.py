"""Projection of reports as acts: each report put forward, its approvals and its state.

Kept apart from :mod:`truce.storage.models` (one module per group of tables of a size a
reader takes in); the table is a projection like the others, recreated by ``truce
rebuild`` (:data:`truce.storage.models.PROJECTION_TABLES`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from truce.storage.models import Base
from truce.storage.types import UTCDateTime


class ReportRecord(Base):
    """Projection: a report put forward by a ``report.publish`` act, and where it stands.

    ``status`` is ``awaiting`` until every approver named in ``approvers`` has approved
    it, then ``published`` (``published_idx``: the log index of the approval that made
    it count), or ``withdrawn``. ``pdfs`` lists each language's PDF
    (``{language, sha256, size}``), whose files are cited (``file_refs``) so that the
    act's audience may read them.
    """

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    published_by: Mapped[str] = mapped_column(String(8))
    delegate: Mapped[str] = mapped_column(String(64))
    period_kind: Mapped[str] = mapped_column(String(8))
    period_from: Mapped[str] = mapped_column(String(10), index=True)
    period_to: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    data_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdfs: Mapped[Any] = mapped_column(JSON)
    audience: Mapped[Any] = mapped_column(JSON)
    put_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approvers: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), index=True)
    published_idx: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_idx: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    state: Mapped[Any] = mapped_column(JSON)
    updated_idx: Mapped[int] = mapped_column(BigInteger)
