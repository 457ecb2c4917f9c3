"""The dashboard: what a member has to do, and how things stand, on one page.

Everything is read through the same functions as the JSON API, with the viewer's
identity, so a delegate sees exactly what its member's audience allows there.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import and_, case, func, select

from truce.accounts.devices import pending_requests
from truce.api.deps import Services, ServicesDep
from truce.cases import rules as cases
from truce.cases.api import _awaiting
from truce.cases.queries import Reader, visible
from truce.cases.rules import OPEN
from truce.compliance import rules as compliance
from truce.ledger.envelope import audience_includes, format_time, stored_audience
from truce.log import checkpoints
from truce.monitoring.api import list_crossings, list_joint_actions
from truce.storage.models import CaseAct, CaseCount, CaseRecord, Checkpoint, Member
from truce.web.common import named_crossings
from truce.web.deps import Viewer, ViewerDep, now_of, render
from truce.web.i18n import gettext as _
from truce.web.scenario_text import scenario_in

router = APIRouter(include_in_schema=False)
RECENT = 8
#: The most tasks the dashboard lists; the case list has the rest.
TASKS_SHOWN = 20


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


def _is_mediator(found: Services, member: str) -> bool:
    with found.db.read() as connection:
        kind = connection.execute(select(Member.kind).where(Member.code == member)).scalar()
    return kind == "mediator"


def _task_queries(found: Services, viewer: Viewer, mediator: bool) -> list[Any]:
    """Queries of the cases that can hold a step for the member, each in lodging order.

    Each is narrow enough for an index: a party responds to allegations against it and
    answers requests; the mediators investigate once a response came or its deadline
    passed, then find, rule and close.
    """
    scenario = found.admission.mechanism().scenario
    columns = select(CaseRecord.id, CaseRecord.audience, CaseRecord.lodged_by, CaseRecord.state)
    awaiting = CaseRecord.status == "awaiting_response"

    def with_act(kind: str) -> Any:
        return CaseRecord.id.in_(select(CaseAct.case_id).where(CaseAct.kind == kind))

    if mediator:
        cutoff = now_of(found) - timedelta(hours=scenario.procedure.response_deadline_hours)
        wheres = [
            and_(awaiting, CaseRecord.lodged_at < cutoff),
            and_(awaiting, CaseRecord.lodged_at >= cutoff, with_act("case.respond")),
            CaseRecord.status.in_(("under_investigation", "ruled")),
        ]
    else:
        wheres = [
            and_(awaiting, CaseRecord.accused == viewer.member),
            and_(CaseRecord.status == "under_investigation", with_act("case.request_info")),
        ]
    seen = visible(Reader(viewer.member, mediator))
    return [
        columns.where(where, seen).order_by(CaseRecord.lodged_at, CaseRecord.id) for where in wheres
    ]


def _case_tasks(found: Services, viewer: Viewer, mediator: bool) -> tuple[list[Task], bool]:
    """Up to :data:`TASKS_SHOWN` case steps awaiting the member, and whether there are more.

    The steps are those of ``GET /api/v1/inbox`` (the same rule, ``_awaiting``), but
    only the cases that can hold one for this member are read, oldest first, and each
    query stops once it has filled the list: a dashboard must not parse every open case.
    """
    scenario = found.admission.mechanism().scenario
    now = now_of(found)
    tasks: list[Task] = []
    more = False
    with found.db.read() as connection:
        for query in _task_queries(found, viewer, mediator):
            found_here = 0
            for row in connection.execution_options(yield_per=200).execute(query):
                if not audience_includes(
                    stored_audience(row.audience), row.lodged_by, viewer.member, mediator
                ):
                    continue
                state = cases.from_json(row.state)
                for action, due in _awaiting(state, viewer.member, mediator, scenario):
                    found_here += 1
                    tasks.append(
                        Task(
                            action,
                            f"/cases/{row.id}",
                            f"#{row.id}",
                            None if due is None else format_time(due),
                            due is not None and now > due,
                        )
                    )
                if found_here > TASKS_SHOWN:
                    more = True
                    break
    tasks.sort(key=lambda task: (task.due is None, task.due or ""))
    return tasks[:TASKS_SHOWN], more or len(tasks) > TASKS_SHOWN


def _tasks(found: Services, viewer: Viewer, mediator: bool) -> tuple[list[Task], bool]:
    """What awaits the member: case steps and reports on joint requests, soonest due first."""
    tasks, more = _case_tasks(found, viewer, mediator)
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
    return sorted(tasks, key=lambda task: (task.due is None, task.due or "")), more


@dataclass(frozen=True, slots=True)
class GlanceCell:
    """One clause x member: confirmed violations and open allegations, and so its
    standing (the rule of :attr:`truce.compliance.rules.Cell.standing`)."""

    confirmed: int
    open: int

    @property
    def standing(self) -> str:
        """``violated``, ``alleged`` or ``clear``."""
        if self.confirmed:
            return "violated"
        return "alleged" if self.open else "clear"


@dataclass(frozen=True, slots=True)
class Glance:
    """The compliance matrix at a glance: every clause x member it binds."""

    clauses: list[Any]
    members: list[str]
    cells: dict[tuple[str, str], GlanceCell]


def _cases(
    found: Services, viewer: Viewer, mediator: bool
) -> tuple[Counter[str], list[Any], Glance]:
    """Among the cases the viewer may see: open cases by status, the latest rulings, and
    each clause x member's standing.

    The standings follow ``GET /api/v1/compliance`` (open cases count against the
    accused for the clauses alleged; confirmed violations against the violator for the
    clauses ruled), but the open cases are counted by the database from ``case_counts``
    (cases by status, accused, author, audience and clauses), with the audience rule as
    a SQL condition (:func:`truce.cases.queries.visible`, held to the API's rule by
    its tests), grouped by status and accused with a sum per clause of the groups
    alleging it (the quoted clause id in the JSON list): a few hundred rows however many
    cases there are, and no case is decoded.
    """
    scenario = found.admission.mechanism().scenario
    reader = Reader(viewer.member, mediator)
    alleged = CaseCount.clauses
    clause_ids = [clause.id for clause in scenario.clauses]
    with found.db.read() as connection:
        # Where a substring starts (0 when absent): a plain search, cheaper than LIKE.
        position = func.strpos if connection.dialect.name == "postgresql" else func.instr
        groups = connection.execute(
            select(
                CaseCount.status,
                CaseCount.accused,
                func.sum(CaseCount.cases),
                *(
                    func.sum(
                        case((position(alleged, json.dumps(clause)) > 0, CaseCount.cases), else_=0)
                    )
                    for clause in clause_ids
                ),
            )
            .where(
                CaseCount.status.in_(sorted(OPEN)),
                visible(reader, CaseCount.audience, CaseCount.lodged_by),
            )
            .group_by(CaseCount.status, CaseCount.accused)
        ).all()
        confirmed = connection.execute(
            select(
                CaseRecord.audience, CaseRecord.lodged_by, CaseRecord.violator, CaseRecord.state
            ).where(CaseRecord.outcome == "violation_confirmed", visible(reader))
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
            .where(CaseRecord.ruled_at.is_not(None), visible(reader))
            .order_by(CaseRecord.ruled_at.desc(), CaseRecord.id.desc())
            .limit(RECENT * 4)
        ).all()

    counts: Counter[str] = Counter()
    open_counts: Counter[tuple[str, str]] = Counter()
    for status, accused, number, *by_clause in groups:
        counts[status] += number
        for clause, alleging in zip(clause_ids, by_clause, strict=True):
            open_counts[(clause, accused)] += alleging or 0
    violations: Counter[tuple[str, str]] = Counter()
    for row in confirmed:
        if row.violator is not None and reader.sees(row.audience, row.lodged_by):
            for clause in compliance.ruled_clauses(row.state):
                violations[(clause, row.violator)] += 1
    glance = Glance(
        clauses=list(scenario.clauses),
        members=[member.code for member in scenario.parties],
        cells={
            (clause.id, member): GlanceCell(
                violations[(clause.id, member)], open_counts[(clause.id, member)]
            )
            for clause in scenario.clauses
            for member in clause.binds
        },
    )
    recent = [row for row in ruled if reader.sees(row.audience, row.lodged_by)][:RECENT]
    return counts, recent, glance


def witnessing(found: Services, language: str) -> dict[str, Any]:
    """The newest checkpoint and which member witnesses (named in ``language``) have
    cosigned it."""
    scenario = scenario_in(found, language)
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
    mediator = _is_mediator(found, viewer.member)
    counts, recent, glance = _cases(found, viewer, mediator)
    tasks, more_tasks = _tasks(found, viewer, mediator)
    crossings = list_crossings(found, viewer.identity)
    scenario = scenario_in(found, viewer.language)
    return render(
        request,
        "dashboard.html",
        {
            "tasks": tasks,
            "more_tasks": more_tasks,
            "now": now_of(found),
            "open_counts": counts,
            "recent": recent,
            "matrix": glance,
            "crossings": named_crossings(scenario, crossings.crossings),
            "log": witnessing(found, viewer.language),
            "key_requests": pending_requests(found.db, viewer),
            "member": scenario.member(viewer.member),
            "action_labels": action_labels,
            "status_labels": status_labels,
            "penalty_steps": {step.id: step for step in scenario.penalties.steps},
        },
    )
