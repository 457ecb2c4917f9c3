"""Projection handlers of ``report.*`` acts: reports put forward, approved, withdrawn.

Each handler stores the state the pure step of :mod:`truce.reports.approval` leaves: the
one admission's check worked out (:func:`~truce.log.projections.decided`), or, in a
rebuild or on a mirror, the same step run here, so the live and the rebuilt tables
agree. A report's PDFs are cited by its ``report.publish`` act (``file_refs``), so its
audience may read them through the files API.
"""

from __future__ import annotations

from sqlalchemy import insert, update

from truce.log.projections import (
    LoggedAct,
    ProjectionContext,
    actor,
    decided,
    projects,
    stepped,
)
from truce.reports import approval as reports
from truce.storage.models import FileRef
from truce.storage.models_reports import ReportRecord


@projects("report.publish")
def _publish(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    if body is None:
        return
    own = act.leaf_hash.hex()
    found = decided(
        act,
        own,
        lambda: reports.publish(reports.policy_of(context.scenario()), own, actor(context, act)),
    )
    period = body["period"]
    context.connection.execute(
        insert(ReportRecord).values(
            id=act.index,
            leaf_hash=own,
            published_by=found.by,
            delegate=act.envelope.delegate,
            period_kind=period["kind"],
            period_from=period["from"],
            period_to=period["to"],
            title=body["title"],
            data_sha256=body["data_sha256"],
            pdfs=body["pdfs"],
            audience=act.stored_audience,
            put_at=found.put_at,
            approvers=list(found.approvers),
            status=found.status,
            state=reports.to_json(found),
            updated_idx=act.index,
        )
    )
    cited = sorted({pdf["sha256"] for pdf in body["pdfs"]})
    context.connection.execute(
        insert(FileRef), [{"sha256": sha256, "idx": act.index} for sha256 in cited]
    )


@projects("report.approve")
def _approve(context: ProjectionContext, act: LoggedAct) -> None:
    own = act.leaf_hash.hex()
    found = stepped(
        context,
        act,
        ReportRecord,
        lambda state: reports.approve(reports.from_json(state), actor(context, act), own),
    )
    if found is None:
        return
    row_id, after = found
    completed = after.completed_by == own
    context.connection.execute(
        update(ReportRecord)
        .where(ReportRecord.id == row_id)
        .values(
            status=after.status,
            state=reports.to_json(after),
            updated_idx=act.index,
            **(
                {"published_idx": act.index, "published_at": act.envelope.time} if completed else {}
            ),
        )
    )


@projects("report.withdraw")
def _withdraw(context: ProjectionContext, act: LoggedAct) -> None:
    own = act.leaf_hash.hex()
    found = stepped(
        context,
        act,
        ReportRecord,
        lambda state: reports.withdraw(reports.from_json(state), actor(context, act), own),
    )
    if found is None:
        return
    row_id, after = found
    context.connection.execute(
        update(ReportRecord)
        .where(ReportRecord.id == row_id)
        .values(
            status=after.status,
            withdrawn_idx=act.index,
            state=reports.to_json(after),
            updated_idx=act.index,
        )
    )
