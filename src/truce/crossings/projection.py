"""Projection handler of ``crossing.status`` acts: one row per report of a crossing.

A report is stored as it was signed; the state of a crossing and how long it has held
are worked out when it is read (:mod:`truce.crossings.rules`). On a member's mirror a
report whose body the member may not see is not projected.
"""

from __future__ import annotations

from sqlalchemy import insert

from truce.ledger.envelope import parse_time
from truce.log.projections import LoggedAct, ProjectionContext, projects
from truce.storage.models import CrossingReport


@projects("crossing.status")
def _crossing(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    if body is None:
        return
    context.connection.execute(
        insert(CrossingReport).values(
            idx=act.index,
            leaf_hash=act.leaf_hash.hex(),
            crossing=body["crossing"],
            member=act.envelope.member,
            trade=body["trade"],
            people=body["people"],
            stranded_trucks=body.get("stranded_trucks"),
            reason=body["reason"],
            effective_at=parse_time(body["effective_at"], field="body.effective_at"),
            at=act.envelope.time,
            audience=act.stored_audience,
        )
    )
