"""What the read side of crossings answers: each crossing's state now, and its history.

The JSON API returns these shapes as they are; the pages and the map show them. A
crossing report counts only for members in the audience of its act
(:mod:`truce.crossings.queries`); durations are computed against ``now``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from truce.accounts.service import Identity
from truce.crossings import queries
from truce.crossings import rules as crossings
from truce.errors import NotFoundError
from truce.ledger.envelope import format_time
from truce.scenario.rules import Place, Scenario

Level = Literal["open", "closed", "restricted"]


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


class SideState(BaseModel):
    """One party's side of a crossing: its name for it, and its own report in force."""

    member: str
    name: str | None = Field(description="the party's name for the crossing, if any")
    current: CrossingReportOut | None = Field(description="the party's latest report in force")


class CrossingState(BaseModel):
    """A gazetteer crossing and its state now, as far as the reader may see.

    A crossing has two sides: ``name`` names it by both (``Chaman (PK) / Spin Boldak
    (AF)``), ``sides`` holds each party's name and its own latest report, and
    ``disputed`` says that the parties' reports in force differ, in which case
    ``current`` (the latest report of anyone) is one side's word only.
    """

    place_id: str
    name: str
    country: str
    opposite: str | None
    lat: float | None
    lon: float | None
    reported: bool
    current: CrossingReportOut | None
    durations: list[PeriodOut] = Field(description="the ongoing run of trade and of people")
    sides: list[SideState] = Field(default_factory=list)
    disputed: bool = Field(default=False, description="the parties' latest reports differ")


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


def _state(
    place: Place,
    parties: list[str],
    reports: list[crossings.Report],
    reported_at: dict[int, datetime],
    now: datetime,
) -> CrossingState:
    latest = crossings.current(reports)
    ongoing = [
        _period_out(runs[-1], place.shown_name, now)
        for aspect in crossings.ASPECTS
        if (runs := crossings.periods(reports, aspect))
    ]
    own = crossings.latest_by_member(reports, parties)
    names = {side.member: side.name for side in place.sides}
    sides = [
        SideState(
            member=member,
            name=names.get(member),
            current=_report_out(own[member], reported_at[own[member].index])
            if member in own
            else None,
        )
        for member in parties
    ]
    return CrossingState(
        place_id=place.id,
        name=place.shown_name,
        country=place.country,
        opposite=place.opposite,
        lat=place.lat,
        lon=place.lon,
        reported=latest is not None,
        current=None if latest is None else _report_out(latest, reported_at[latest.index]),
        durations=ongoing,
        sides=sides,
        disputed=crossings.disputed(own),
    )


def _crossing_places(scenario: Scenario) -> list[Place]:
    return [place for place in scenario.places if place.kind == "crossing"]


def crossing_list(
    connection: Connection, scenario: Scenario, reader: Identity, now: datetime
) -> CrossingList:
    """The state of each gazetteer crossing from the reports the reader may see, and how
    long trade and people have been in it."""
    seen = queries.visible_reports(connection, reader)
    parties = [member.code for member in scenario.parties]
    return CrossingList(
        now=format_time(now),
        crossings=[
            _state(place, parties, seen.by_crossing.get(place.id, []), seen.reported_at, now)
            for place in _crossing_places(scenario)
        ],
    )


def crossing_place(scenario: Scenario, place_id: str) -> Place:
    """The gazetteer crossing ``place_id``; NotFoundError if there is none of that id."""
    place = scenario.place(place_id)
    if place is None or place.kind != "crossing":
        raise NotFoundError(f"no crossing {place_id!r} in the gazetteer")
    return place


def crossing_history(
    connection: Connection, scenario: Scenario, place: Place, reader: Identity, now: datetime
) -> CrossingHistory:
    """Every report of the crossing the reader may see, in effect order, and the runs of
    each state with their durations."""
    seen = queries.visible_reports(connection, reader, place.id)
    reports = seen.by_crossing.get(place.id, [])
    reported_at = seen.reported_at
    parties = [member.code for member in scenario.parties]
    return CrossingHistory(
        now=format_time(now),
        crossing=_state(place, parties, reports, reported_at, now),
        history=[_report_out(r, reported_at[r.index]) for r in crossings.ordered(reports)],
        periods=[_period_out(run, place.shown_name, now) for run in crossings.all_periods(reports)],
    )
