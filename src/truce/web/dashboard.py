"""The dashboard: what a member has to do, and how things stand, on one page.

Everything is read through the same functions as the JSON API, with the viewer's
identity, so a delegate sees exactly what its member's audience allows there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from truce.api.cases import inbox
from truce.api.deps import Services, ServicesDep
from truce.api.monitoring import compliance_matrix, list_crossings, list_joint_actions
from truce.domain.cases import OPEN
from truce.ledger.envelope import audience_includes, format_time, stored_audience
from truce.services import checkpoints
from truce.storage.models import CaseRecord, Checkpoint, Member
from truce.web.deps import Viewer, ViewerDep, now_of, render
from truce.web.i18n import gettext as _
from truce.web.keys import pending_requests

router = APIRouter(include_in_schema=False)
RECENT = 8


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def action_labels() -> dict[str, str]:
    """What an inbox action asks, in the language being rendered."""
    return {
        "respond": _("Respond to the allegation"),
        "provide_information": _("Provide the information requested"),
        "open_investigation": _("Open the investigation"),
        "record_finding": _("Record a finding"),
        "rule": _("Rule on the case"),
        "record_penalty": _("Record the penalty"),
        "close": _("Close the case"),
        "joint_report": _("Report on a request for joint action"),
    }


def status_labels() -> dict[str, str]:
    """Case statuses, in the language being rendered."""
    return {
        "awaiting_response": _("Awaiting response"),
        "under_investigation": _("Under investigation"),
        "ruled": _("Ruled"),
        "penalised": _("Penalised"),
        "closed": _("Closed"),
        "withdrawn": _("Withdrawn"),
    }


@dataclass(frozen=True, slots=True)
class Task:
    """Something awaiting the viewer's member, with its deadline if it has one."""

    action: str
    url: str
    subject: str
    due: str | None
    overdue: bool


def _tasks(found: Services, viewer: Viewer) -> list[Task]:
    tasks = [
        Task(item.action, f"/cases/{item.case}", f"#{item.case}", item.due, item.overdue)
        for item in inbox(found, viewer.identity)
    ]
    requests = list_joint_actions(found, viewer.identity, status=None, member=viewer.member)
    tasks.extend(
        Task(
            "joint_report",
            f"/joint-actions/{item.id}",
            f"#{item.id}",
            item.deadline,
            item.status == "overdue",
        )
        for item in requests.joint_actions
        if item.to == viewer.member and item.report is None
    )
    return sorted(tasks, key=lambda task: (task.due is None, task.due or ""))


def _cases(found: Services, viewer: Viewer) -> tuple[Counter[str], list[Any]]:
    """Open cases by status, and the latest rulings, among the cases the viewer may see."""
    with found.db.read() as connection:
        mediator = (
            connection.execute(select(Member.kind).where(Member.code == viewer.member)).scalar()
            == "mediator"
        )
        rows = connection.execute(
            select(CaseRecord.status, CaseRecord.audience, CaseRecord.lodged_by).where(
                CaseRecord.status.in_(sorted(OPEN))
            )
        ).all()
        ruled = connection.execute(
            select(
                CaseRecord.id,
                CaseRecord.audience,
                CaseRecord.lodged_by,
                CaseRecord.accused,
                CaseRecord.type,
                CaseRecord.outcome,
                CaseRecord.violator,
                CaseRecord.penalty,
                CaseRecord.ruled_at,
                CaseRecord.status,
            )
            .where(CaseRecord.ruled_at.is_not(None))
            .order_by(CaseRecord.ruled_at.desc(), CaseRecord.id.desc())
            .limit(RECENT * 4)
        ).all()

    def visible(row: Any) -> bool:
        return audience_includes(
            stored_audience(row.audience), row.lodged_by, viewer.member, mediator
        )

    counts = Counter(row.status for row in rows if visible(row))
    recent = [row for row in ruled if visible(row)][:RECENT]
    return counts, recent


def witnessing(found: Services) -> dict[str, Any]:
    """The newest checkpoint and which member witnesses have cosigned it."""
    scenario = found.admission.mechanism().scenario
    with found.db.read() as connection:
        latest = connection.execute(
            select(Checkpoint.size, Checkpoint.signed_at).order_by(Checkpoint.size.desc()).limit(1)
        ).first()
        counts = checkpoints.cosignature_counts(connection)
    size = latest.size if latest is not None else None
    witnesses = [
        {
            "member": member.code,
            "name": member.name,
            "size": counts.get(member.code, (None, None))[0],
            "at": (
                format_time(datetime.fromtimestamp(counts[member.code][1], UTC))
                if member.code in counts
                else None
            ),
            "current": size is not None and counts.get(member.code, (-1, 0))[0] == size,
        }
        for member in scenario.witnesses
    ]
    return {
        "size": size,
        "signed_at": format_time(_aware(latest.signed_at)) if latest is not None else None,
        "witnesses": witnesses,
        "all": size is not None and all(w["current"] for w in witnesses),
        "quorum": scenario.witness_threshold,
        "cosigned": sum(1 for w in witnesses if w["current"]),
    }


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, found: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """What awaits the viewer's member, its cases, rulings, compliance, crossings, log."""
    counts, recent = _cases(found, viewer)
    matrix = compliance_matrix(found, viewer.identity)
    cells = {(cell.clause, cell.member): cell for cell in matrix.cells}
    crossings = list_crossings(found, viewer.identity)
    scenario = found.admission.mechanism().scenario
    return render(
        request,
        "dashboard.html",
        {
            "tasks": _tasks(found, viewer),
            "now": now_of(found),
            "open_counts": counts,
            "recent": recent,
            "matrix": matrix,
            "cells": cells,
            "crossings": crossings.crossings,
            "log": witnessing(found),
            "key_requests": pending_requests(found.db, viewer),
            "member": scenario.member(viewer.member),
            "action_labels": action_labels,
            "status_labels": status_labels,
        },
    )
