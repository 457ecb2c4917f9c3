"""Cases over JSON: lists with filters, a case's whole thread, and each member's inbox.

Every read is audience-checked: a case appears only to members in the audience of its
``case.lodge`` act, and in a thread an act's body is shown only to its own audience (the
act itself, like every envelope in the log, stays visible). Writes go through
``POST /log/v1/acts``: every step of a case is a signed act.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Select, and_, or_, select

from truce.accounts.service import Identity
from truce.api.deps import IdentityDep, LogIndex, ServicesDep
from truce.cases import rules as cases
from truce.cases.checks import prior_violations
from truce.errors import InputError, NotFoundError
from truce.ledger.envelope import audience_includes, format_time, stored_audience
from truce.storage.models import Act, Body, CaseAct, CaseRecord, Member, StoredFile

router = APIRouter(prefix="/api/v1", tags=["cases"])


class CaseSummary(BaseModel):
    """One case as lists show it."""

    id: int
    leaf_hash: str
    status: str
    lodged_by: str
    accused: str
    accused_group: str | None
    type: str
    occurred_at: str
    place_id: str | None
    sector: str | None = Field(description="the province (admin1) of the place")
    lat: float | None
    lon: float | None
    clauses: list[str]
    killed: dict[str, int | None]
    injured: dict[str, int | None]
    lodged_at: str
    response_deadline: str
    response_overdue: bool
    outcome: str | None
    violator: str | None
    penalty: str | None
    counter_to: int | None


class CasePage(BaseModel):
    """A page of cases, newest incident first."""

    total: int
    limit: int
    offset: int
    cases: list[CaseSummary]


class ThreadAct(BaseModel):
    """One act of a case's thread; ``body`` is null where the reader is not in its audience."""

    index: int
    kind: str
    member: str
    delegate: str
    at: str
    audience: str | list[str]
    leaf_hash: str
    body: Any | None
    withheld: bool
    files: list[dict[str, Any]] = Field(
        default_factory=list,
        description="for evidence: each cited file's type, size and photo metadata",
    )


class CaseThread(BaseModel):
    """A case and every act of it, in log order."""

    case: CaseSummary
    state: dict[str, Any]
    thread: list[ThreadAct]


class InboxItem(BaseModel):
    """Something that awaits the reader's member."""

    case: int
    action: str
    due: str | None
    overdue: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _is_mediator(connection: Connection, member: str) -> bool:
    kind = connection.execute(select(Member.kind).where(Member.code == member)).scalar()
    return kind == "mediator"


def _visible(row: Any, reader: Identity, mediator: bool) -> bool:
    return audience_includes(stored_audience(row.audience), row.lodged_by, reader.member, mediator)


def _summary(row: Any, now: datetime) -> CaseSummary:
    state = cases.from_json(row.state)
    return CaseSummary(
        id=row.id,
        leaf_hash=row.leaf_hash,
        status=row.status,
        lodged_by=row.lodged_by,
        accused=row.accused,
        accused_group=row.accused_group,
        type=row.type,
        occurred_at=format_time(_utc(row.occurred_at)),
        place_id=row.place_id,
        sector=row.admin1,
        lat=row.lat,
        lon=row.lon,
        clauses=list(row.clauses),
        killed=dict(row.killed),
        injured=dict(row.injured),
        lodged_at=format_time(_utc(row.lodged_at)),
        response_deadline=format_time(state.response_deadline),
        response_overdue=state.status == "awaiting_response" and state.response_overdue(now),
        outcome=row.outcome,
        violator=row.violator,
        penalty=row.penalty,
        counter_to=row.counter_to,
    )


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise InputError("bbox is west,south,east,north in degrees", field="bbox") from exc
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InputError("bbox must have west <= east and south <= north", field="bbox")
    return west, south, east, north


@router.get("/cases", response_model=CasePage, summary="Cases, filtered and paginated")
def list_cases(
    found: ServicesDep,
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
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePage:
    """Only cases whose allegation the reader's member may see are listed or counted."""
    query: Select[Any] = select(CaseRecord)
    if status:
        query = query.where(CaseRecord.status.in_(status))
    if member:
        query = query.where(or_(CaseRecord.lodged_by == member, CaseRecord.accused == member))
    if type:
        query = query.where(CaseRecord.type == type)
    if sector:
        query = query.where(CaseRecord.admin1 == sector)
    if since:
        query = query.where(CaseRecord.occurred_at >= _utc(since))
    if until:
        query = query.where(CaseRecord.occurred_at < _utc(until))
    if bbox:
        west, south, east, north = _bbox(bbox)
        query = query.where(
            and_(CaseRecord.lon >= west, CaseRecord.lon <= east),
            and_(CaseRecord.lat >= south, CaseRecord.lat <= north),
        )
    now = _now()
    with found.db.read() as connection:
        mediator = _is_mediator(connection, reader.member)
        rows = connection.execute(
            query.order_by(CaseRecord.occurred_at.desc(), CaseRecord.id.desc())
        ).all()
    visible = [
        row
        for row in rows
        if _visible(row, reader, mediator) and (clause is None or clause in row.clauses)
    ]
    page = visible[offset : offset + limit]
    return CasePage(
        total=len(visible),
        limit=limit,
        offset=offset,
        cases=[_summary(row, now) for row in page],
    )


@router.get("/cases/{case_id}", response_model=CaseThread, summary="A case's whole thread")
def get_case(case_id: LogIndex, found: ServicesDep, reader: IdentityDep) -> CaseThread:
    """The case, its workflow state, and every act of it in log order."""
    with found.db.read() as connection:
        mediator = _is_mediator(connection, reader.member)
        row = connection.execute(select(CaseRecord).where(CaseRecord.id == case_id)).first()
        if row is None or not _visible(row, reader, mediator):
            raise NotFoundError(f"no case {case_id} that {reader.member} may see")
        acts = connection.execute(
            select(Act)
            .join(CaseAct, CaseAct.idx == Act.idx)
            .where(CaseAct.case_id == case_id)
            .order_by(Act.idx)
        ).all()
        digests = [act.body_digest for act in acts]
        bodies = {
            digest: bytes(content)
            for digest, content in connection.execute(
                select(Body.digest, Body.content).where(Body.digest.in_(digests))
            )
        }
        thread = [_thread_act(connection, act, bodies, reader, mediator) for act in acts]
    return CaseThread(
        case=_summary(row, _now()), state=_seen_state(row.state, thread), thread=thread
    )


def _seen_state(state: dict[str, Any], thread: list[ThreadAct]) -> dict[str, Any]:
    """The workflow state without what it took from bodies withheld from the reader.

    The state repeats parts of bodies: the response's position, each mediator's current
    finding (the newest ``case.finding`` of that member), each request for information
    (the n-th ``case.request_info``). Each stays only if the reader may see its act.
    """
    newest_finding = {act.member: act for act in thread if act.kind == "case.finding"}
    requests = [act for act in thread if act.kind == "case.request_info"]
    responses = [act for act in thread if act.kind == "case.respond"]
    seen = dict(state)
    seen["findings"] = {
        member: finding
        for member, finding in state.get("findings", {}).items()
        if member in newest_finding and not newest_finding[member].withheld
    }
    seen["requests"] = [
        request
        for request, act in zip(state.get("requests", []), requests, strict=False)
        if not act.withheld
    ]
    if responses and responses[0].withheld:
        seen["response"] = None
    return seen


def _thread_act(
    connection: Connection, act: Any, bodies: dict[str, bytes], reader: Identity, mediator: bool
) -> ThreadAct:
    audience = stored_audience(act.audience)
    allowed = audience_includes(audience, act.member, reader.member, mediator)
    content = bodies.get(act.body_digest) if allowed else None
    body = None if content is None else json.loads(content)
    files: list[dict[str, Any]] = []
    if body is not None and act.kind == "case.evidence":
        cited = [ref["sha256"] for ref in body["files"]]
        stored = {
            row.sha256: row
            for row in connection.execute(
                select(
                    StoredFile.sha256, StoredFile.media_type, StoredFile.size, StoredFile.photo
                ).where(StoredFile.sha256.in_(cited))
            )
        }
        files = [
            {
                "sha256": sha256,
                "media_type": stored[sha256].media_type,
                "size": stored[sha256].size,
                "photo": stored[sha256].photo,
            }
            for sha256 in cited
            if sha256 in stored
        ]
    return ThreadAct(
        index=act.idx,
        kind=act.kind,
        member=act.member,
        delegate=act.delegate,
        at=format_time(_utc(act.at)),
        audience=audience if isinstance(audience, str) else list(audience),
        leaf_hash=act.leaf_hash,
        body=body,
        withheld=not allowed,
        files=files,
    )


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
def penalty_due(case_id: LogIndex, found: ServicesDep, reader: IdentityDep) -> PenaltyDue:
    """For a ruled case with a confirmed violation: the violator's count and its step."""
    scenario = found.admission.mechanism().scenario
    with found.db.read() as connection:
        mediator = _is_mediator(connection, reader.member)
        row = connection.execute(select(CaseRecord).where(CaseRecord.id == case_id)).first()
        if row is None or not _visible(row, reader, mediator):
            raise NotFoundError(f"no case {case_id} that {reader.member} may see")
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
    "record_penalty",
    "close",
]


@router.get("/inbox", response_model=list[InboxItem], summary="What awaits the reader's member")
def inbox(found: ServicesDep, reader: IdentityDep) -> list[InboxItem]:
    """Per case, the next step the reader's member is expected to take, with its deadline."""
    now = _now()
    scenario = found.admission.mechanism().scenario
    with found.db.read() as connection:
        mediator = _is_mediator(connection, reader.member)
        rows = connection.execute(
            select(CaseRecord).where(
                CaseRecord.status.in_(("awaiting_response", "under_investigation", "ruled"))
            )
        ).all()
    items: list[InboxItem] = []
    for row in rows:
        if not _visible(row, reader, mediator):
            continue
        state = cases.from_json(row.state)
        for action, due in _awaiting(state, reader.member, mediator, scenario):
            items.append(
                InboxItem(
                    case=row.id,
                    action=action,
                    due=None if due is None else format_time(due),
                    overdue=due is not None and now > due,
                )
            )
    return sorted(items, key=lambda item: (item.due is None, item.due or "", item.case))


def _awaiting(
    state: cases.Case, member: str, mediator: bool, scenario: Any
) -> list[tuple[Action, datetime | None]]:
    found: list[tuple[Action, datetime | None]] = []
    if state.status == "awaiting_response":
        if member == state.accused and state.response is None:
            found.append(("respond", state.response_deadline))
        if mediator and (state.response is not None or _now() > state.response_deadline):
            found.append(("open_investigation", None))
    if state.status == "under_investigation":
        for request in state.requests:
            if request.to == member and not request.answered:
                found.append(("provide_information", request.deadline))
        if mediator and member not in state.findings:
            found.append(("record_finding", None))
        if mediator and len(state.findings) >= scenario.ruling_threshold:
            found.append(("rule", None))
    if state.status == "ruled" and mediator:
        if state.outcome == "violation_confirmed":
            found.append(("record_penalty", None))
        else:
            found.append(("close", state.appeal_deadline(scenario)))
    return found
