"""Cases over JSON: lists with filters, a case's whole thread, and each member's inbox.

Every read is audience-checked by the read side (:mod:`truce.cases.queries`,
:mod:`truce.cases.queries_case`): a case appears only to members in the audience of its
``case.lodge`` act, and in a thread an act's body is shown only to its own audience (the
act itself, like every envelope in the log, stays visible). Writes go through
``POST /log/v1/acts``: every step of a case is a signed act.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from truce.api.deps import MAX_INDEX, IdentityDep, LogIndex, ServicesDep
from truce.cases import queries, queries_case
from truce.cases.checks import prior_violations
from truce.cases.summary import CaseSummary, CaseThread, NextAct, ThreadAct, case_summary
from truce.errors import NotFoundError
from truce.ledger.envelope import format_time

__all__ = ["CaseSummary", "CaseThread", "NextAct", "ThreadAct", "router"]

router = APIRouter(prefix="/api/v1", tags=["cases"])


class CasePage(BaseModel):
    """A page of cases, newest incident first."""

    total: int
    limit: int
    offset: int
    cases: list[CaseSummary]


class InboxItem(BaseModel):
    """Something that awaits the reader's member."""

    case: int = Field(description="the case's log index")
    number: int | None = Field(description="the case's number in the mechanism's sequence")
    action: str
    allowed: bool = Field(
        description="the reader's role may take the step; if not, another delegate of its "
        "member takes it (a response is the head's)"
    )
    due: str | None
    overdue: bool


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/cases", response_model=CasePage, summary="Cases, filtered and paginated")
def list_cases(
    services: ServicesDep,
    reader: IdentityDep,
    status: Annotated[list[str] | None, Query()] = None,
    member: Annotated[str | None, Query(description="lodged by or accused")] = None,
    type: Annotated[str | None, Query()] = None,
    clause: Annotated[str | None, Query()] = None,
    sector: Annotated[str | None, Query(description="province (admin1)")] = None,
    since: Annotated[datetime | None, Query(description="incident on or after")] = None,
    until: Annotated[datetime | None, Query(description="incident before")] = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_INDEX)] = 0,
) -> CasePage:
    """Only cases whose allegation the reader's member may see are listed or counted."""
    filters = queries.Filters(
        type=type or None,
        member=member or None,
        status=tuple(status or ()),
        clause=clause or None,
        bbox=queries.parse_bbox(bbox),
        since=since,
        until=until,
        sector=sector or None,
    )
    now = _now()
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        viewer = queries.reader_of(connection, reader)
        total, rows = queries.cases_page(connection, viewer, filters, limit=limit, offset=offset)
    return CasePage(
        total=total,
        limit=limit,
        offset=offset,
        cases=[case_summary(scenario, row, now) for row in rows],
    )


@router.get(
    "/cases/number/{number}",
    response_model=CaseThread,
    summary="A case's whole thread, by the mechanism's case number",
)
def get_case_by_number(
    number: Annotated[int, Path(ge=1, le=MAX_INDEX)], services: ServicesDep, reader: IdentityDep
) -> CaseThread:
    """As ``GET /cases/{case_id}``, for case number ``number`` (1, 2, 3 … as lists and
    pages show it) rather than its log index."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        viewer = queries.reader_of(connection, reader)
        case_id = queries_case.case_numbered(connection, viewer, number)
        _row, answer = queries_case.case_thread(connection, viewer, scenario, case_id, _now())
    return answer


@router.get("/cases/{case_id}", response_model=CaseThread, summary="A case's whole thread")
def get_case(case_id: LogIndex, services: ServicesDep, reader: IdentityDep) -> CaseThread:
    """The case, its workflow state, every act of it in log order, and what the reader
    may do next on it."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        viewer = queries.reader_of(connection, reader)
        _row, answer = queries_case.case_thread(connection, viewer, scenario, case_id, _now())
    return answer


class PenaltyDue(BaseModel):
    """The schedule's penalty for a case's violator, counted now."""

    member: str
    prior_violations: int
    step: str
    name: str
    description: str


@router.get(
    "/cases/{case_id}/penalty", response_model=PenaltyDue, summary="The penalty the schedule gives"
)
def penalty_due(case_id: LogIndex, services: ServicesDep, reader: IdentityDep) -> PenaltyDue:
    """For a ruled case with a confirmed violation: the violator's count and its step."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        viewer = queries.reader_of(connection, reader)
        row = queries_case.find_case(connection, viewer, case_id)
        if row.outcome != "violation_confirmed" or row.violator is None:
            raise NotFoundError(f"case {case_id} has no confirmed violation")
        prior = prior_violations(connection, scenario, row.violator, _now(), row.leaf_hash)
    step = scenario.penalty_step(prior + 1)
    if step is None:
        raise NotFoundError("the penalty schedule has no step for this count")
    return PenaltyDue(
        member=row.violator,
        prior_violations=prior,
        step=step.id,
        name=step.name,
        description=step.description,
    )


Action = Literal[
    "respond",
    "provide_information",
    "open_investigation",
    "record_finding",
    "rule",
    "open_new_round",
    "refer",
    "record_penalty",
    "close",
]


@router.get("/inbox", response_model=list[InboxItem], summary="What awaits the reader's member")
def inbox(services: ServicesDep, reader: IdentityDep) -> list[InboxItem]:
    """Per case, the next step the reader's member is expected to take, with its deadline."""
    now = _now()
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        viewer = queries.reader_of(connection, reader)
        waiting = queries_case.inbox(connection, viewer, scenario, now)
    return [
        InboxItem(
            case=item.case,
            number=item.number,
            action=item.action,
            allowed=item.allowed,
            due=None if item.due is None else format_time(item.due),
            overdue=item.due is not None and now > item.due,
        )
        for item in waiting
    ]
