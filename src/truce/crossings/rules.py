"""Border crossings: status reports, the current state, and how long each state lasted.

A ``crossing.status`` act reports, from ``effective_at`` on, whether a gazetteer crossing
is ``open``, ``closed`` or ``restricted`` to trade and to people, with the trucks stranded
and the reason. A party's officers and heads report, and the secretariat. Reports may
arrive late, so the history is ordered by ``effective_at`` (then by log position), and
:func:`periods` turns it into runs of one state per aspect: "Torkham closed to trade
for 20 days" is the current run of the ``trade`` aspect, measured against the time of
reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from truce.acts.actor import Actor
from truce.errors import RefusedActError
from truce.scenario.rules import Place, Scenario

Level = Literal["open", "closed", "restricted"]
Aspect = Literal["trade", "people"]
ASPECTS: tuple[Aspect, ...] = ("trade", "people")
CROSSING_KINDS = ("crossing.status",)


@dataclass(frozen=True, slots=True)
class Report:
    """One status report of a crossing."""

    index: int
    crossing: str
    member: str
    trade: Level
    people: Level
    stranded_trucks: int | None
    reason: str
    effective_at: datetime

    def level(self, aspect: Aspect) -> Level:
        """The state of ``trade`` or ``people``."""
        return self.trade if aspect == "trade" else self.people


@dataclass(frozen=True, slots=True)
class Period:
    """A run of one state of one aspect: from ``since`` until ``until`` (None: still)."""

    aspect: Aspect
    level: Level
    since: datetime
    until: datetime | None
    reports: tuple[int, ...]

    def duration(self, now: datetime) -> timedelta:
        """How long the run lasted, or has lasted so far at ``now``."""
        end = self.until if self.until is not None else now
        return max(end - self.since, timedelta(0))

    def describe(self, name: str, now: datetime) -> str:
        """E.g. ``Torkham closed to trade for 20 days``."""
        days = self.duration(now).days
        span = f"{days} day{'' if days == 1 else 's'}"
        return f"{name} {self.level} to {self.aspect} for {span}"


def crossing_place(scenario: Scenario, place_id: str) -> Place:
    """The gazetteer crossing ``place_id``; refuse anything else."""
    place = scenario.place(place_id)
    if place is None or place.kind != "crossing":
        raise RefusedActError(
            f"{place_id!r} is not a crossing of the gazetteer", field="body.crossing"
        )
    return place


def check_report(
    scenario: Scenario, actor: Actor, body: Mapping[str, Any], effective_at: datetime
) -> None:
    """Refuse a ``crossing.status`` act that the rules do not allow."""
    crossing_place(scenario, body["crossing"])
    if actor.kind not in ("party", "secretariat"):
        raise RefusedActError("a party or the secretariat reports a crossing's status")
    skew = timedelta(seconds=scenario.procedure.max_clock_skew_seconds)
    if effective_at > actor.at + skew:
        raise RefusedActError(
            "effective_at is later than the act: report a status once it holds",
            field="body.effective_at",
        )


def ordered(reports: Iterable[Report]) -> list[Report]:
    """A crossing's history: by ``effective_at``, then by position in the log."""
    return sorted(reports, key=lambda report: (report.effective_at, report.index))


def current(reports: Iterable[Report]) -> Report | None:
    """The report in force: the last of the history."""
    history = ordered(reports)
    return history[-1] if history else None


def periods(reports: Iterable[Report], aspect: Aspect) -> list[Period]:
    """Runs of one state of ``aspect``, oldest first; the last has no end."""
    runs: list[Period] = []
    for report in ordered(reports):
        level = report.level(aspect)
        if runs and runs[-1].level == level:
            last = runs[-1]
            runs[-1] = Period(aspect, level, last.since, None, (*last.reports, report.index))
            continue
        if runs:
            last = runs[-1]
            runs[-1] = Period(aspect, last.level, last.since, report.effective_at, last.reports)
        runs.append(Period(aspect, level, report.effective_at, None, (report.index,)))
    return runs


def all_periods(reports: Sequence[Report]) -> list[Period]:
    """The runs of both aspects, trade first."""
    return [run for aspect in ASPECTS for run in periods(reports, aspect)]


def latest_by_member(reports: Iterable[Report], members: Sequence[str]) -> dict[str, Report]:
    """Each of ``members``' report in force: the last of its own history. A crossing has
    two sides, and each party reports its own; neither's word is the crossing's state."""
    latest: dict[str, Report] = {}
    for report in ordered(reports):
        if report.member in members:
            latest[report.member] = report
    return latest


def disputed(latest: Mapping[str, Report]) -> bool:
    """Whether the parties' reports in force differ, for trade or for people: then the
    crossing's state is shown as each party reports it, side by side."""
    states = {(report.trade, report.people) for report in latest.values()}
    return len(states) > 1
