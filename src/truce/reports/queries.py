"""The read side of reports: the rows of one period on the common record.

A report goes to both parties and to the mediators, so it counts only what every member
may read (:class:`truce.log.audience.Everyone`, as the compliance matrix does): an act
addressed to some members only is left out of every figure, whoever asks. Each function
answers one question for one period, ``start`` included and ``end`` excluded, and
returns plain rows; :mod:`truce.reports.summary` turns them into the report's data.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from truce.log.audience import Everyone, everyone, visible
from truce.storage.models import (
    Act,
    Body,
    CaseAct,
    CaseRecord,
    CrossingReport,
    JointRequestRecord,
    MediaCluster,
    MediaCorroboration,
    MediaIncident,
    MediaItem,
)

#: The case acts a report counts, by kind.
CASE_KINDS = (
    "case.lodge",
    "case.respond",
    "case.rule",
    "case.appeal",
    "case.refer",
    "case.penalty",
    "case.lapse",
)


def common_record(connection: Connection) -> Everyone:
    """Every member reading at once: what a report may count."""
    return everyone(connection)


def _in(column: Any, start: datetime, end: datetime) -> Any:
    return and_(column >= start, column < end)


def incidents(
    connection: Connection, common: Everyone, start: datetime, end: datetime
) -> list[Any]:
    """The allegations lodged in the period on the common record, in log order."""
    query = (
        select(
            CaseRecord.id,
            CaseRecord.number,
            CaseRecord.leaf_hash,
            CaseRecord.lodged_by,
            CaseRecord.accused,
            CaseRecord.type,
            CaseRecord.place_id,
            CaseRecord.lat,
            CaseRecord.lon,
            CaseRecord.clauses,
            CaseRecord.killed,
            CaseRecord.injured,
            CaseRecord.missing,
            CaseRecord.occurred_at,
            CaseRecord.lodged_at,
            CaseRecord.audience,
        )
        .where(_in(CaseRecord.lodged_at, start, end), visible(common))
        .order_by(CaseRecord.id)
    )
    return [
        row for row in connection.execute(query).all() if common.sees(row.audience, row.lodged_by)
    ]


def acts(connection: Connection, common: Everyone, start: datetime, end: datetime) -> list[Any]:
    """Every act logged in the period on the common record, in log order, with the
    number of the case it belongs to (None for an act of no case)."""
    query = (
        select(
            Act.idx,
            Act.leaf_hash,
            Act.kind,
            Act.member,
            Act.at,
            Act.audience,
            Act.body_digest,
            CaseRecord.number.label("case_number"),
            CaseRecord.outcome,
            CaseRecord.violator,
            CaseRecord.penalty,
            CaseRecord.accused,
        )
        .outerjoin(CaseAct, CaseAct.idx == Act.idx)
        .outerjoin(CaseRecord, CaseRecord.id == CaseAct.case_id)
        .where(_in(Act.at, start, end), visible(common, Act.audience, Act.member))
        .order_by(Act.idx)
    )
    seen: set[int] = set()
    found: list[Any] = []
    for row in connection.execute(query).all():
        # An act may belong to two cases (a counter-allegation): it is one row.
        if row.idx not in seen and common.sees(row.audience, row.member):
            seen.add(row.idx)
            found.append(row)
    return found


def bodies(connection: Connection, digests: Sequence[str]) -> dict[str, Any]:
    """The parsed bodies of some acts, by digest (for the few acts whose figures are in
    their body alone, such as the deadline a lapse records)."""
    found: dict[str, Any] = {}
    wanted = sorted(set(digests))
    for chunk in range(0, len(wanted), 500):
        for digest, content in connection.execute(
            select(Body.digest, Body.content).where(Body.digest.in_(wanted[chunk : chunk + 500]))
        ):
            found[digest] = json.loads(content)
    return found


def crossing_reports(connection: Connection, common: Everyone, end: datetime) -> list[Any]:
    """Every crossing report logged before the period ends, on the common record."""
    query = select(CrossingReport).where(CrossingReport.at < end).order_by(CrossingReport.idx)
    return [row for row in connection.execute(query).all() if common.sees(row.audience, row.member)]


def joint_requests(connection: Connection, common: Everyone, end: datetime) -> list[Any]:
    """Every request for joint action logged before the period ends, on the common
    record, with whether its report (if any) is on the common record too."""
    query = (
        select(JointRequestRecord)
        .where(JointRequestRecord.requested_at < end)
        .order_by(JointRequestRecord.id)
    )
    return [
        row
        for row in connection.execute(query).all()
        if common.sees(row.audience, row.requested_by)
    ]


def uncovered_press(
    connection: Connection, common: Everyone, first_day: str, last_day: str
) -> list[Any]:
    """The press clusters whose first reported day falls in the period (ISO days, both
    included) that no case covers: no corroboration on the common record attaches them
    to a case. Each is represented by its first candidate incident; only clusters whose
    items are all on the common record are counted."""
    covered = {
        row.cluster_id
        for row in connection.execute(
            select(
                MediaCorroboration.cluster_id,
                MediaCorroboration.audience,
                MediaCorroboration.member,
            )
        ).all()
        if common.sees(row.audience, row.member)
    }
    clusters = connection.execute(
        select(MediaCluster.id, MediaCluster.size, MediaCluster.first_date)
        .where(MediaCluster.first_date >= first_day, MediaCluster.first_date <= last_day)
        .order_by(MediaCluster.id)
    ).all()
    wanted = [row.id for row in clusters if row.id not in covered]
    if not wanted:
        return []
    members = connection.execute(
        select(MediaIncident.cluster_id, MediaItem.audience, MediaItem.member)
        .join(MediaItem, MediaItem.id == MediaIncident.item_id)
        .where(MediaIncident.cluster_id.in_(wanted))
    ).all()
    hidden = {row.cluster_id for row in members if not common.sees(row.audience, row.member)}
    keep = [cluster for cluster in wanted if cluster not in hidden]
    firsts = {
        row.id: row
        for row in connection.execute(
            select(
                MediaIncident.id,
                MediaIncident.cluster_id,
                MediaIncident.date,
                MediaIncident.type,
                MediaIncident.place_id,
                MediaIncident.country,
            ).where(MediaIncident.id.in_(keep))
        ).all()
    }
    sizes = {row.id: row.size for row in clusters}
    return [
        {"first": firsts[cluster], "size": sizes[cluster]} for cluster in keep if cluster in firsts
    ]


def log_size_at(connection: Connection, end: datetime) -> int:
    """How many acts the log held when the period ended (the annex's indices are below)."""
    found = connection.execute(select(func.max(Act.idx)).where(Act.at < end)).scalar()
    return 0 if found is None else int(found) + 1


def kinds_counted(rows: Sequence[Any]) -> Counter[str]:
    """How many of ``rows`` (acts) there are of each kind."""
    return Counter(row.kind for row in rows)
