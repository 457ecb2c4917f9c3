"""The read side of joint action: the requests a viewer may see, and their reports.

A request counts and shows only for members in the audience of its ``joint.request``
act; its report's contents only for members in the audience of the ``joint.report`` act
(:mod:`truce.log.audience`). A request's status is computed when it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select

from truce.accounts.service import Identity
from truce.log.audience import Reader, reader_of
from truce.storage.models import JointRequestRecord


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """A request row the viewer may see; ``report_shown`` is whether it may read the
    report's contents, if there is a report (it always sees that the request was
    answered, and when)."""

    row: Any
    report_shown: bool


def _seen(reader: Reader, row: Any) -> SeenRequest:
    answered = row.report_idx is not None and row.answered_at is not None
    return SeenRequest(row, answered and reader.sees(row.report_audience, row.to_member))


def requests(
    connection: Connection, identity: Identity, *, member: str | None = None
) -> list[SeenRequest]:
    """The requests the viewer may see, newest first; with ``member``, those it made or
    received."""
    reader = reader_of(connection, identity)
    query = select(JointRequestRecord)
    if member:
        query = query.where(
            or_(JointRequestRecord.requested_by == member, JointRequestRecord.to_member == member)
        )
    rows = connection.execute(query.order_by(JointRequestRecord.id.desc())).all()
    return [_seen(reader, row) for row in rows if reader.sees(row.audience, row.requested_by)]


def request(connection: Connection, identity: Identity, request_id: int) -> SeenRequest | None:
    """The request logged at ``request_id``, or None where there is none the viewer may
    see."""
    reader = reader_of(connection, identity)
    row = connection.execute(
        select(JointRequestRecord).where(JointRequestRecord.id == request_id)
    ).first()
    if row is None or not reader.sees(row.audience, row.requested_by):
        return None
    return _seen(reader, row)
