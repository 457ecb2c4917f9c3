"""What the read side of joint action answers: requests, their status now, reports.

The JSON API returns these shapes as they are; the pages and the dashboard show them.
A request counts and shows only for members in the audience of its act, a report's
contents only for members in the audience of the report (:mod:`truce.joint.queries`);
overdue is computed against ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Connection

from truce.accounts.service import Identity
from truce.joint import queries
from truce.joint import rules as joint
from truce.ledger.envelope import format_time


class JointReportOut(BaseModel):
    """The requested party's report; its fields are null outside the report's audience."""

    index: int
    at: str
    late: bool
    action_taken: str | None
    outcome: str | None
    withheld: bool


class JointActionOut(BaseModel):
    """A request for joint action, with its status now and the report."""

    id: int
    leaf_hash: str
    requested_by: str
    to: str
    place_id: str | None
    lat: float | None
    lon: float | None
    precision: str
    group: str | None
    description: str
    requested_action: str
    language: str
    requested_at: str
    deadline: str
    status: joint.Status
    report: JointReportOut | None


class JointActionPage(BaseModel):
    """Requests for joint action, newest first, and how many there are of each status."""

    total: int
    counts: dict[str, int]
    joint_actions: list[JointActionOut]


def joint_out(seen: queries.SeenRequest, now: datetime) -> JointActionOut:
    row = seen.row
    state = joint.from_json(row.state)
    report = None
    if row.report_idx is not None and row.answered_at is not None:
        report = JointReportOut(
            index=row.report_idx,
            at=format_time(row.answered_at),
            late=state.late,
            action_taken=row.action_taken if seen.report_shown else None,
            outcome=row.outcome if seen.report_shown else None,
            withheld=not seen.report_shown,
        )
    return JointActionOut(
        id=row.id,
        leaf_hash=row.leaf_hash,
        requested_by=row.requested_by,
        to=row.to_member,
        place_id=row.place_id,
        lat=row.lat,
        lon=row.lon,
        precision=row.precision,
        group=row.armed_group,
        description=row.description,
        requested_action=row.requested_action,
        language=row.language,
        requested_at=format_time(row.requested_at),
        deadline=format_time(row.deadline),
        status=state.status(now),
        report=report,
    )


def _counts(items: Iterable[JointActionOut]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(joint.STATUSES, 0)
    for item in items:
        counts[item.status] += 1
    return counts


def joint_action_page(
    connection: Connection,
    reader: Identity,
    now: datetime,
    status: joint.Status | None = None,
    member: str | None = None,
) -> JointActionPage:
    """The requests the reader's member may see (requesting or requested: ``member``),
    newest first, with the count of each status; ``status`` keeps those in it."""
    items = [
        joint_out(request, now) for request in queries.requests(connection, reader, member=member)
    ]
    counts = _counts(items)
    if status:
        items = [item for item in items if item.status == status]
    return JointActionPage(total=len(items), counts=counts, joint_actions=items)
