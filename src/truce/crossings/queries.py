"""The read side of crossings: the reports of each crossing that a viewer may see.

A report counts only for members in the audience of its ``crossing.status`` act
(:mod:`truce.log.audience`); the state of a crossing and the runs of each
state are worked out from the visible reports (:mod:`truce.crossings.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from truce.accounts.service import Identity
from truce.crossings import rules as crossings
from truce.log.audience import reader_of
from truce.storage.models import CrossingReport


@dataclass(frozen=True, slots=True)
class VisibleReports:
    """The reports a viewer may see, by crossing, and when each was logged (by index)."""

    by_crossing: dict[str, list[crossings.Report]] = field(default_factory=dict)
    reported_at: dict[int, datetime] = field(default_factory=dict)


def _report(row: Any) -> crossings.Report:
    return crossings.Report(
        index=row.idx,
        crossing=row.crossing,
        member=row.member,
        trade=row.trade,
        people=row.people,
        stranded_trucks=row.stranded_trucks,
        reason=row.reason,
        effective_at=row.effective_at,
    )


def visible_reports(
    connection: Connection, identity: Identity, place_id: str | None = None
) -> VisibleReports:
    """The reports of every crossing, or of ``place_id`` alone, that the viewer may see."""
    reader = reader_of(connection, identity)
    query = select(CrossingReport)
    if place_id is not None:
        query = query.where(CrossingReport.crossing == place_id)
    found = VisibleReports()
    for row in connection.execute(query).all():
        if reader.sees(row.audience, row.member):
            found.by_crossing.setdefault(row.crossing, []).append(_report(row))
            found.reported_at[row.idx] = row.at
    return found
