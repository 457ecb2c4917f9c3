"""The dashboard: what a member has to do, and how things stand, on one page.

Everything is read through the same functions as the JSON API, with the viewer's
identity, so a delegate sees exactly what its member's audience allows there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truce.accounts import throttle
from truce.accounts.inbox import upkeep
from truce.api.deps import Services, ServicesDep
from truce.cases import queries, queries_case
from truce.joint.summary import joint_action_page
from truce.ledger.envelope import format_time
from truce.log.audience import Reader
from truce.log.pages import witnessing
from truce.verify.registry import PERMISSIONS
from truce.web.common import crossings_now, named_crossings
from truce.web.deps import Viewer, ViewerDep, now_of, render
from truce.web.i18n import gettext as _
from truce.web.scenario_text import scenario_in

router = APIRouter(include_in_schema=False)
RECENT = 8
#: The most tasks the dashboard lists; the case list has the rest.
TASKS_SHOWN = 20


def case_label(index: int, number: int | None) -> str:
    """A case as delegates name it: its number in the mechanism's sequence."""
    return _("Case %(number)s") % {"number": number} if number is not None else f"#{index}"


def action_labels() -> dict[str, str]:
    """What an inbox action asks, in the language being rendered."""
    return {
        "respond": _("Respond to the allegation"),
        "provide_information": _("Provide the information requested"),
        "open_investigation": _("Open the investigation"),
        "record_finding": _("Record a finding"),
        "rule": _("Rule on the case"),
        "consider_appeal": _("Appeal the ruling, or waive the appeal, before the window closes"),
        "open_new_round": _("Open a new round of findings"),
        "refer": _("Refer the case to the principals"),
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
        "referred": _("Referred to the principals"),
    }


@dataclass(frozen=True, slots=True)
class Task:
    """Something awaiting the viewer's member, with its deadline if it has one."""

    action: str
    url: str
    subject: str
    due: str | None
    overdue: bool
    #: Whether the viewer's role may take it (else another delegate of its member).
    allowed: bool = True


def _reader(services: Services, viewer: Viewer) -> Reader:
    with services.db.read() as connection:
        return queries.reader_of(connection, viewer.identity)


def _case_tasks(services: Services, reader: Reader) -> tuple[list[Task], bool]:
    """Up to :data:`TASKS_SHOWN` case steps awaiting the member, and whether there are
    more: those of ``GET /api/v1/inbox``, read as :func:`truce.cases.queries_case.tasks`
    reads them (only the cases that can hold one for this member)."""
    scenario = services.admission.mechanism().scenario
    now = now_of(services)
    with services.db.read() as connection:
        waiting, more = queries_case.tasks(connection, reader, scenario, now, TASKS_SHOWN)
    tasks = [
        Task(
            item.action,
            f"/cases/{item.case}",
            case_label(item.case, item.number),
            None if item.due is None else format_time(item.due),
            item.due is not None and now > item.due,
            item.allowed,
        )
        for item in waiting
    ]
    return tasks, more


#: How much of a request's description the inbox repeats, so that a task says what it is.
SUBJECT_CHARS = 80


def _shortened(text: str) -> str:
    """``text`` on one line, cut at a word before :data:`SUBJECT_CHARS` with an ellipsis."""
    line = " ".join(text.split())
    if len(line) <= SUBJECT_CHARS:
        return line
    return line[:SUBJECT_CHARS].rsplit(" ", 1)[0] + "…"


def _tasks(services: Services, viewer: Viewer, reader: Reader) -> tuple[list[Task], bool]:
    """What awaits the member: case steps and reports on joint requests, soonest due first."""
    tasks, more = _case_tasks(services, reader)
    with services.db.read() as connection:
        requests = joint_action_page(
            connection, viewer.identity, services.admission.clock(), member=viewer.member
        )
    may_report = viewer.role in PERMISSIONS["joint.report"]
    tasks.extend(
        Task(
            "joint_report",
            f"/joint-actions?report={item.id}#report-form"
            if may_report
            else f"/joint-actions#joint-{item.id}",
            f"#{item.id} {_shortened(item.description)}",
            item.deadline,
            item.status == "overdue",
            may_report,
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


def _cases(services: Services, reader: Reader) -> tuple[Counter[str], list[Any], Glance]:
    """Among the cases the viewer may see: open cases by status, the latest rulings, and
    each clause x member's standing.

    The standings follow ``GET /api/v1/compliance`` (open cases count against the
    accused for the clauses alleged; confirmed violations against the violator for the
    clauses ruled), counted as :func:`truce.cases.queries.standing` counts them.
    """
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        found_standing = queries.standing(
            connection, reader, [clause.id for clause in scenario.clauses], RECENT
        )
    glance = Glance(
        clauses=list(scenario.clauses),
        members=[member.code for member in scenario.parties],
        cells={
            (clause.id, member): GlanceCell(
                found_standing.violations.get((clause.id, member), 0),
                found_standing.alleged.get((clause.id, member), 0),
            )
            for clause in scenario.clauses
            for member in clause.binds
        },
    )
    return Counter(found_standing.by_status), found_standing.recent, glance


#: The latest sign-in throttles the secretariat's dashboard lists (the API has them all).
SIGN_IN_EVENTS_SHOWN = 10


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """What awaits the viewer's member, its cases, rulings, compliance, crossings, log."""
    reader = _reader(services, viewer)
    counts, recent, glance = _cases(services, reader)
    tasks, more_tasks = _tasks(services, viewer, reader)
    crossings = crossings_now(services, viewer.identity)
    scenario = scenario_in(services, viewer.language)
    witnesses = frozenset(member.code for member in scenario.witnesses)
    awaiting = upkeep(services.db, viewer, witnesses, now_of(services))
    return render(
        request,
        "dashboard.html",
        {
            "tasks": tasks,
            "more_tasks": more_tasks,
            "now": now_of(services),
            "open_counts": counts,
            "recent": recent,
            "matrix": glance,
            "crossings": named_crossings(scenario, crossings.crossings),
            "log": witnessing(services, viewer.language),
            "key_requests": awaiting.keys,
            "witness_lag": awaiting.witness,
            "sign_in_events": (
                throttle.events(services.db, limit=SIGN_IN_EVENTS_SHOWN)
                if viewer.role == "secretariat"
                else []
            ),
            "member": scenario.member(viewer.member),
            "action_labels": action_labels,
            "status_labels": status_labels,
            "penalty_steps": {step.id: step for step in scenario.penalties.steps},
        },
    )
