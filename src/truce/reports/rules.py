"""The periods a report covers: a day, a week or a range, and the period before it.

A daily report covers the day ending at the scenario's reporting hour
(``procedure.report_hour``, default midnight) in its reporting time zone
(``procedure.report_time_zone``, default UTC): the report of 5 November at 18:00
Asia/Karachi covers the 24 hours from 4 November 18:00 to 5 November 18:00 local time;
with the default, 5 November from midnight to midnight. Given an end time
instead, it covers the 24 hours before it. A weekly report covers the seven days ending
at the same hour; a range covers ``from`` to ``to``, both days included, each day ending
at the reporting hour. Every period is compared with the period of the same length just
before it. Starts are included, ends are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from truce.errors import InputError
from truce.scenario.rules import Scenario

Kind = Literal["daily", "weekly", "range"]
KINDS: tuple[Kind, ...] = ("daily", "weekly", "range")
#: The longest range a report may cover.
MAX_RANGE_DAYS = 366


class ReversedRangeError(InputError):
    """A range whose last day comes before its first."""


@dataclass(frozen=True, slots=True)
class Period:
    """What a report covers: from ``start`` (included) to ``end`` (excluded), in UTC,
    and the zone its days are read in."""

    kind: Kind
    start: datetime
    end: datetime
    zone: str

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.kind, self.start - (self.end - self.start), self.start, self.zone)


def reporting_zone(scenario: Scenario) -> tuple[str, tzinfo]:
    """The scenario's reporting time zone, by name and as a zone (UTC if it names none)."""
    name = scenario.procedure.report_time_zone
    return (name, ZoneInfo(name)) if name else ("UTC", UTC)


def _day_end(scenario: Scenario, day: date) -> datetime:
    """The UTC moment at which ``day`` ends by the reporting hour: that hour of the day,
    or the midnight that follows it when the hour is 0."""
    _, zone = reporting_zone(scenario)
    hour = scenario.procedure.report_hour or 0
    ends = day + timedelta(days=1) if hour == 0 else day
    return datetime.combine(ends, time(hour), tzinfo=zone).astimezone(UTC)


def parse_day(text: str, name: str) -> date:
    """An ISO date (``2025-11-05``), or a refusal naming the field."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{name}: {text!r} is not a date such as 2025-11-05", field=name) from None


def parse_moment(text: str, name: str) -> datetime:
    """An RFC 3339 time with its offset (``2025-11-05T18:00:00Z``), or a refusal."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputError(
            f"{name}: {text!r} is not a time with its offset such as 2025-11-05T18:00:00Z",
            field=name,
        )
    return moment.astimezone(UTC)


def period_of(
    scenario: Scenario,
    kind: str,
    *,
    day: date | None = None,
    ending: datetime | None = None,
    first: date | None = None,
    last: date | None = None,
    now: datetime | None = None,
) -> Period:
    """The period a report of ``kind`` covers.

    ``daily`` and ``weekly``: the day (or seven days) ending at the reporting hour of
    ``day``, or the 24 hours (or seven days) before ``ending``, or else the last whole
    day (or week) before ``now``. ``range``: ``first`` to ``last``, both included.
    """
    zone_name, zone = reporting_zone(scenario)
    if kind not in KINDS:
        raise InputError(f"period: {kind!r} is not daily, weekly or range", field="period")
    if kind == "range":
        if first is None or last is None:
            raise InputError("a range needs both from and to", field="from" if first else "to")
        if last < first:
            raise ReversedRangeError(f"to ({last}) is before from ({first})", field="to")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise InputError(f"a range covers at most {MAX_RANGE_DAYS} days", field="to")
        return Period("range", _day_end(scenario, first - timedelta(days=1)),
                      _day_end(scenario, last), zone_name)  # fmt: skip
    length = timedelta(days=1 if kind == "daily" else 7)
    if day is not None and ending is not None:
        raise InputError("give a day or an end time, not both", field="day")
    if day is not None:
        end = _day_end(scenario, day)
    elif ending is not None:
        end = ending.astimezone(UTC)
    else:
        moment = (now or datetime.now(UTC)).astimezone(zone)
        end = _day_end(scenario, moment.date())
        if end > moment:
            end = _day_end(scenario, moment.date() - timedelta(days=1))
    return Period(kind, end - length, end, zone_name)
