"""The periods a report covers: the day ending at the reporting hour in its zone, the
week, a range, and the refusals of impossible or reversed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.mechanism import SCENARIO_DIR
from truce.errors import InputError
from truce.reports.rules import ReversedRangeError, parse_day, parse_moment, period_of
from truce.scenario.rules import Scenario, load_scenario


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO_DIR)


def test_the_demo_scenario_reports_at_six_in_the_evening_in_karachi(scenario: Scenario) -> None:
    assert (scenario.procedure.report_hour, scenario.procedure.report_time_zone) == (
        18,
        "Asia/Karachi",
    )


def test_a_day_ends_at_the_reporting_hour_in_the_reporting_zone(scenario: Scenario) -> None:
    period = period_of(scenario, "daily", day=date(2025, 11, 5))
    # 18:00 in Karachi (UTC+5) is 13:00 UTC.
    assert period.start == datetime(2025, 11, 4, 13, tzinfo=UTC)
    assert period.end == datetime(2025, 11, 5, 13, tzinfo=UTC)
    assert period.zone == "Asia/Karachi"
    assert period.previous.end == period.start
    assert period.previous.start == datetime(2025, 11, 3, 13, tzinfo=UTC)


def test_a_scenario_without_a_reporting_hour_reports_at_midnight_utc(scenario: Scenario) -> None:
    plain = scenario.model_copy(
        update={
            "procedure": scenario.procedure.model_copy(
                update={"report_hour": None, "report_time_zone": None}
            )
        }
    )
    period = period_of(plain, "weekly", day=date(2025, 11, 5))
    assert (period.start, period.end) == (
        datetime(2025, 10, 30, tzinfo=UTC),
        datetime(2025, 11, 6, tzinfo=UTC),
    )


def test_a_given_end_time_ends_the_last_24_hours_or_seven_days(scenario: Scenario) -> None:
    ending = datetime(2025, 11, 5, 8, 30, tzinfo=UTC)
    day = period_of(scenario, "daily", ending=ending)
    week = period_of(scenario, "weekly", ending=ending)
    assert (day.start, day.end) == (ending - timedelta(days=1), ending)
    assert (week.start, week.end) == (ending - timedelta(days=7), ending)


def test_without_a_day_the_last_whole_day_is_reported(scenario: Scenario) -> None:
    before_six = datetime(2025, 11, 5, 12, tzinfo=UTC)  # 17:00 in Karachi
    after_six = datetime(2025, 11, 5, 14, tzinfo=UTC)  # 19:00 in Karachi
    assert period_of(scenario, "daily", now=before_six).end == datetime(2025, 11, 4, 13, tzinfo=UTC)
    assert period_of(scenario, "daily", now=after_six).end == datetime(2025, 11, 5, 13, tzinfo=UTC)


def test_a_range_includes_both_days_and_compares_with_as_many_days_before(
    scenario: Scenario,
) -> None:
    period = period_of(scenario, "range", first=date(2025, 11, 1), last=date(2025, 11, 3))
    assert period.start == datetime(2025, 10, 31, 13, tzinfo=UTC)
    assert period.end == datetime(2025, 11, 3, 13, tzinfo=UTC)
    assert period.previous.end - period.previous.start == timedelta(days=3)


def test_a_reversed_range_is_refused_naming_its_last_day(scenario: Scenario) -> None:
    with pytest.raises(ReversedRangeError, match="before") as refused:
        period_of(scenario, "range", first=date(2025, 11, 3), last=date(2025, 11, 1))
    assert refused.value.field == "to"


@pytest.mark.parametrize("text", ["2025-02-30", "2025-13-01", "yesterday", "05/11/2025"])
def test_an_impossible_day_is_refused_naming_its_field(text: str) -> None:
    with pytest.raises(InputError, match="not a date") as refused:
        parse_day(text, "from")
    assert refused.value.field == "from"


def test_an_end_time_needs_its_offset() -> None:
    with pytest.raises(InputError, match="offset"):
        parse_moment("2025-11-05T18:00:00", "at")
    assert parse_moment("2025-11-05T18:00:00+05:00", "at") == datetime(2025, 11, 5, 13, tzinfo=UTC)


def test_an_unknown_kind_and_a_range_without_its_days_are_refused(scenario: Scenario) -> None:
    with pytest.raises(InputError, match="daily, weekly or range"):
        period_of(scenario, "monthly")
    with pytest.raises(InputError, match="both from and to"):
        period_of(scenario, "range", first=date(2025, 11, 1))
