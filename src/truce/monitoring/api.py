"""Compliance, crossings and joint action over JSON.

Every read is audience-checked, counts included: a case, an attestation, a review, a
crossing report or a request for joint action counts and shows only for members in the
audience of the act behind it (:func:`truce.ledger.envelope.audience_includes`).
Durations and overdue requests are computed against the server's clock at read time.
Writes go through ``POST /log/v1/acts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection, or_, select

from truce.accounts.service import Identity
from truce.api.deps import IdentityDep, LogIndex, ServicesDep
from truce.compliance import rules as compliance
from truce.crossings import rules as crossings
from truce.errors import NotFoundError
from truce.joint import rules as joint
from truce.ledger.envelope import audience_includes, format_time, stored_audience
from truce.scenario.rules import Place, Scenario
from truce.storage.models import (
    AttestationRecord,
    AttestationReview,
    CaseRecord,
    CrossingReport,
    JointRequestRecord,
    Member,
)

router = APIRouter(prefix="/api/v1", tags=["monitoring"])

Level = Literal["open", "closed", "restricted"]


# -- response models --------------------------------------------------------------------


class ClauseInfo(BaseModel):
    """A clause of the agreement and the members it binds."""

    id: str
    title: str
    binds: list[str]


class PenaltyRef(BaseModel):
    """A penalty recorded on a case."""

    case: int
    step: str


class ComplianceCell(BaseModel):
    """One clause x one member it binds, with the case and attestation ids behind it."""

    clause: str
    member: str
    standing: Literal["violated", "alleged", "clear"]
    confirmed_violations: int
    confirmed_cases: list[int] = Field(description="cases ruled a violation of the clause")
    open_allegations: int
    open_cases: list[int] = Field(description="open cases alleging the clause against the member")
    last_violation_at: str | None = Field(description="the latest confirmed incident")
    penalties: list[PenaltyRef]
    attestations: list[int] = Field(description="the member's attestations for the clause")
    acknowledged: list[int]
    disputed: list[int]


class ComplianceMatrix(BaseModel):
    """Every clause x every member it binds."""

    clauses: list[ClauseInfo]
    members: list[str]
    cells: list[ComplianceCell]


class ReviewOut(BaseModel):
    """A mediator's review; ``reason`` is null where the reader is outside its audience."""

    member: str
    index: int
    at: str
    verdict: str | None
    reason: str | None
    withheld: bool


class AttestationOut(BaseModel):
    """A party's attestation of a step it took to comply with a clause."""

    id: int
    leaf_hash: str
    member: str
    clause: str
    statement: str
    language: str
    evidence: list[dict[str, Any]]
    taken_at: str
    attested_at: str
    status: compliance.AttestationStatus
    reviews: list[ReviewOut]


class AttestationPage(BaseModel):
    """Attestations, newest first."""

    total: int
    attestations: list[AttestationOut]


class CrossingReportOut(BaseModel):
    """One status report of a crossing."""

    index: int
    member: str
    trade: Level
    people: Level
    stranded_trucks: int | None
    reason: str
    effective_at: str
    reported_at: str


class PeriodOut(BaseModel):
    """A run of one state of trade or people, with how long it lasted (so far)."""

    aspect: crossings.Aspect
    level: Level
    since: str
    until: str | None = Field(description="null while the state still holds")
    ongoing: bool
    days: int = Field(description="whole days, up to now for an ongoing run")
    seconds: int
    summary: str = Field(examples=["Torkham closed to trade for 20 days"])
    reports: list[int]


class CrossingState(BaseModel):
    """A gazetteer crossing and its state now, as far as the reader may see."""

    place_id: str
    name: str
    country: str
    opposite: str | None
    lat: float | None
    lon: float | None
    reported: bool
    current: CrossingReportOut | None
    durations: list[PeriodOut] = Field(description="the ongoing run of trade and of people")


class CrossingList(BaseModel):
    """Every crossing of the gazetteer."""

    now: str
    crossings: list[CrossingState]


class CrossingHistory(BaseModel):
    """A crossing, every report of it in effect order, and the runs of each state."""

    now: str
    crossing: CrossingState
    history: list[CrossingReportOut]
    periods: list[PeriodOut]


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


# -- helpers ----------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _is_mediator(connection: Connection, member: str) -> bool:
    kind = connection.execute(select(Member.kind).where(Member.code == member)).scalar()
    return kind == "mediator"


def _sees(audience: Any, author: str, reader: Identity, mediator: bool) -> bool:
    return audience_includes(stored_audience(audience), author, reader.member, mediator)


# -- compliance -------------------------------------------------------------------------


@router.get("/compliance", response_model=ComplianceMatrix, summary="The compliance matrix")
def compliance_matrix(found: ServicesDep, reader: IdentityDep) -> ComplianceMatrix:
    """Per clause and member bound: confirmed violations, open allegations, penalties and
    attestations, from the cases and attestations the reader may see."""
    scenario = found.admission.mechanism().scenario
    with found.db.read() as connection:
        mediator = _is_mediator(connection, reader.member)
        case_rows = connection.execute(select(CaseRecord)).all()
        attestation_rows = connection.execute(select(AttestationRecord)).all()
    facts = [
        compliance.CaseFacts(
            id=row.id,
            accused=row.accused,
            alleged=tuple(row.clauses),
            status=row.status,
            occurred_at=_utc(row.occurred_at),
            outcome=row.outcome,
            violator=row.violator,
            ruled_clauses=compliance.ruled_clauses(row.state),
            penalty=row.penalty,
        )
        for row in case_rows
        if _sees(row.audience, row.lodged_by, reader, mediator)
    ]
    visible = [row for row in attestation_rows if _sees(row.audience, row.member, reader, mediator)]
    ids = {row.leaf_hash: row.id for row in visible}
    cells = compliance.matrix(scenario, facts, [compliance.from_json(r.state) for r in visible])
    return ComplianceMatrix(
        clauses=[ClauseInfo(id=c.id, title=c.title, binds=list(c.binds)) for c in scenario.clauses],
        members=[member.code for member in scenario.parties],
        cells=[
            ComplianceCell(
                clause=cell.clause,
                member=cell.member,
                standing=cell.standing,
                confirmed_violations=len(cell.confirmed),
                confirmed_cases=list(cell.confirmed),
                open_allegations=len(cell.open),
                open_cases=list(cell.open),
                last_violation_at=None
                if cell.last_violation_at is None
                else format_time(cell.last_violation_at),
                penalties=[PenaltyRef(case=case, step=step) for case, step in cell.penalties],
                attestations=[ids[leaf] for leaf in cell.attestations],
                acknowledged=[ids[leaf] for leaf in cell.acknowledged],
                disputed=[ids[leaf] for leaf in cell.disputed],
            )
            for cell in cells
        ],
    )


@router.get(
    "/compliance/attestations",
    response_model=AttestationPage,
    summary="Attestations of compliance and their reviews",
)
def list_attestations(
    found: ServicesDep,
    reader: IdentityDep,
    member: Annotated[str | None, Query()] = None,
    clause: Annotated[str | None, Query()] = None,
    status: Annotated[compliance.AttestationStatus | None, Query()] = None,
) -> AttestationPage:
    """Only attestations (and review reasons) the reader's member may see."""
    query = select(AttestationRecord)
    if member:
        query = query.where(AttestationRecord.member == member)
    if clause:
        query = query.where(AttestationRecord.clause == clause)
    if status:
        query = query.where(AttestationRecord.status == status)
    with found.db.read() as connection:
        mediator = _is_mediator(connection, reader.member)
        rows = [
            row
            for row in connection.execute(query.order_by(AttestationRecord.id.desc())).all()
            if _sees(row.audience, row.member, reader, mediator)
        ]
        reviews = connection.execute(
            select(AttestationReview)
            .where(AttestationReview.attestation_id.in_([row.id for row in rows]))
            .order_by(AttestationReview.idx)
        ).all()
    by_attestation: dict[int, list[ReviewOut]] = {}
    for review in reviews:
        allowed = _sees(review.audience, review.member, reader, mediator)
        by_attestation.setdefault(review.attestation_id, []).append(
            ReviewOut(
                member=review.member,
                index=review.idx,
                at=format_time(_utc(review.at)),
                verdict=review.verdict if allowed else None,
                reason=review.reason if allowed else None,
                withheld=not allowed,
            )
        )
    return AttestationPage(
        total=len(rows),
        attestations=[
            AttestationOut(
                id=row.id,
                leaf_hash=row.leaf_hash,
                member=row.member,
                clause=row.clause,
                statement=row.statement,
                language=row.language,
                evidence=list(row.evidence),
                taken_at=format_time(_utc(row.taken_at)),
                attested_at=format_time(_utc(row.attested_at)),
                status=row.status,
                reviews=by_attestation.get(row.id, []),
            )
            for row in rows
        ],
    )


# -- crossings --------------------------------------------------------------------------


def _report(row: Any) -> crossings.Report:
    return crossings.Report(
        index=row.idx,
        crossing=row.crossing,
        member=row.member,
        trade=row.trade,
        people=row.people,
        stranded_trucks=row.stranded_trucks,
        reason=row.reason,
        effective_at=_utc(row.effective_at),
    )


def _report_out(report: crossings.Report, reported_at: datetime) -> CrossingReportOut:
    return CrossingReportOut(
        index=report.index,
        member=report.member,
        trade=report.trade,
        people=report.people,
        stranded_trucks=report.stranded_trucks,
        reason=report.reason,
        effective_at=format_time(report.effective_at),
        reported_at=format_time(reported_at),
    )


def _period_out(period: crossings.Period, name: str, now: datetime) -> PeriodOut:
    duration = period.duration(now)
    return PeriodOut(
        aspect=period.aspect,
        level=period.level,
        since=format_time(period.since),
        until=None if period.until is None else format_time(period.until),
        ongoing=period.until is None,
        days=duration.days,
        seconds=int(duration.total_seconds()),
        summary=period.describe(name, now),
        reports=list(period.reports),
    )


def _visible_reports(
    connection: Connection, reader: Identity, place_id: str | None = None
) -> tuple[dict[str, list[crossings.Report]], dict[int, datetime]]:
    mediator = _is_mediator(connection, reader.member)
    query = select(CrossingReport)
    if place_id is not None:
        query = query.where(CrossingReport.crossing == place_id)
    grouped: dict[str, list[crossings.Report]] = {}
    reported_at: dict[int, datetime] = {}
    for row in connection.execute(query).all():
        if _sees(row.audience, row.member, reader, mediator):
            grouped.setdefault(row.crossing, []).append(_report(row))
            reported_at[row.idx] = _utc(row.at)
    return grouped, reported_at


def _state(
    place: Place, reports: list[crossings.Report], reported_at: dict[int, datetime], now: datetime
) -> CrossingState:
    latest = crossings.current(reports)
    ongoing = [
        _period_out(runs[-1], place.name, now)
        for aspect in crossings.ASPECTS
        if (runs := crossings.periods(reports, aspect))
    ]
    return CrossingState(
        place_id=place.id,
        name=place.name,
        country=place.country,
        opposite=place.opposite,
        lat=place.lat,
        lon=place.lon,
        reported=latest is not None,
        current=None if latest is None else _report_out(latest, reported_at[latest.index]),
        durations=ongoing,
    )


def _crossing_places(scenario: Scenario) -> list[Place]:
    return [place for place in scenario.places if place.kind == "crossing"]


@router.get("/crossings", response_model=CrossingList, summary="Every crossing's state now")
def list_crossings(found: ServicesDep, reader: IdentityDep) -> CrossingList:
    """The state of each gazetteer crossing from the reports the reader may see, and how
    long trade and people have been in it."""
    scenario = found.admission.mechanism().scenario
    now = found.admission.clock()
    with found.db.read() as connection:
        grouped, reported_at = _visible_reports(connection, reader)
    return CrossingList(
        now=format_time(now),
        crossings=[
            _state(place, grouped.get(place.id, []), reported_at, now)
            for place in _crossing_places(scenario)
        ],
    )


@router.get("/crossings/{place_id}", response_model=CrossingHistory, summary="A crossing's history")
def get_crossing(place_id: str, found: ServicesDep, reader: IdentityDep) -> CrossingHistory:
    """Every report of the crossing the reader may see, in effect order, and the runs of
    each state with their durations."""
    scenario = found.admission.mechanism().scenario
    place = scenario.place(place_id)
    if place is None or place.kind != "crossing":
        raise NotFoundError(f"no crossing {place_id!r} in the gazetteer")
    now = found.admission.clock()
    with found.db.read() as connection:
        grouped, reported_at = _visible_reports(connection, reader, place_id)
    reports = grouped.get(place_id, [])
    return CrossingHistory(
        now=format_time(now),
        crossing=_state(place, reports, reported_at, now),
        history=[_report_out(r, reported_at[r.index]) for r in crossings.ordered(reports)],
        periods=[_period_out(run, place.name, now) for run in crossings.all_periods(reports)],
    )


# -- joint action -----------------------------------------------------------------------


def _joint_out(row: Any, reader: Identity, mediator: bool, now: datetime) -> JointActionOut:
    state = joint.from_json(row.state)
    report = None
    if row.report_idx is not None and row.answered_at is not None:
        allowed = _sees(row.report_audience, row.to_member, reader, mediator)
        report = JointReportOut(
            index=row.report_idx,
            at=format_time(_utc(row.answered_at)),
            late=state.late,
            action_taken=row.action_taken if allowed else None,
            outcome=row.outcome if allowed else None,
            withheld=not allowed,
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
        requested_at=format_time(_utc(row.requested_at)),
        deadline=format_time(_utc(row.deadline)),
        status=state.status(now),
        report=report,
    )


def _counts(items: Iterable[JointActionOut]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(joint.STATUSES, 0)
    for item in items:
        counts[item.status] += 1
    return counts


@router.get("/joint-actions", response_model=JointActionPage, summary="Requests for joint action")
def list_joint_actions(
    found: ServicesDep,
    reader: IdentityDep,
    status: Annotated[joint.Status | None, Query()] = None,
    member: Annotated[str | None, Query(description="requesting or requested")] = None,
) -> JointActionPage:
    """Only requests the reader's member may see are listed or counted; the status
    (open, answered, overdue) is computed now."""
    query = select(JointRequestRecord)
    if member:
        query = query.where(
            or_(JointRequestRecord.requested_by == member, JointRequestRecord.to_member == member)
        )
    now = found.admission.clock()
    with found.db.read() as connection:
        mediator = _is_mediator(connection, reader.member)
        rows = connection.execute(query.order_by(JointRequestRecord.id.desc())).all()
    items = [
        _joint_out(row, reader, mediator, now)
        for row in rows
        if _sees(row.audience, row.requested_by, reader, mediator)
    ]
    counts = _counts(items)
    if status:
        items = [item for item in items if item.status == status]
    return JointActionPage(total=len(items), counts=counts, joint_actions=items)


@router.get(
    "/joint-actions/{request_id}",
    response_model=JointActionOut,
    summary="A request for joint action",
)
def get_joint_action(
    request_id: LogIndex, found: ServicesDep, reader: IdentityDep
) -> JointActionOut:
    """The request, its status now, and the report where the reader may see it."""
    now = found.admission.clock()
    with found.db.read() as connection:
        mediator = _is_mediator(connection, reader.member)
        row = connection.execute(
            select(JointRequestRecord).where(JointRequestRecord.id == request_id)
        ).first()
    if row is None or not _sees(row.audience, row.requested_by, reader, mediator):
        raise NotFoundError(
            f"no request for joint action {request_id} that {reader.member} may see"
        )
    return _joint_out(row, reader, mediator, now)
