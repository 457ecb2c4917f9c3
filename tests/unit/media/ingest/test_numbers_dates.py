"""Numbers in words and relative dates."""

from __future__ import annotations

import datetime as dt

import pytest

from truce.media.ingest.casualties import find_figures
from truce.media.ingest.dates import find_dates
from truce.media.ingest.numbers import parse_count, parse_number_text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("twenty-three", 23),
        ("23", 23),
        ("1,200", 1200),
        ("a dozen", 12),
        ("two dozen", 24),
        ("one hundred and five", 105),
        ("more than 200", 200),
        ("at least six", 6),
        ("between sixty and seventy", 60),
        ("15 to 20", 15),
        ("dozens", None),
        ("hundreds of", None),
    ],
)
def test_counts(text: str, value: int | None) -> None:
    count = parse_count(text.split())
    assert count is not None
    assert count.value == value
    assert count.length == len(text.split())


def test_not_a_count() -> None:
    assert parse_count(["soldiers"]) is None
    assert parse_number_text("twenty-three") == 23
    assert parse_number_text("three soldiers") is None


SUNDAY = dt.date(2025, 10, 12)


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("on Sunday", "2025-10-12", "day"),
        ("late Monday", "2025-10-06", "day"),
        ("late on Saturday", "2025-10-11", "day"),
        ("on October 9", "2025-10-09", "day"),
        ("on 9 October 2025", "2025-10-09", "day"),
        ("the night of 24/25 October", "2025-10-24", "day"),
        ("two weeks ago", "2025-09-28", "week"),
        ("two days ago", "2025-10-10", "day"),
        ("last week", "2025-09-29", "week"),
        ("earlier this month", "2025-10-01", "month"),
        ("since mid-September", "2025-09-01", "month"),
        ("yesterday", "2025-10-11", "day"),
        ("this afternoon", "2025-10-12", "day"),
    ],
)
def test_relative_dates(text: str, date: str, precision: str) -> None:
    found = find_dates(text, SUNDAY)
    assert len(found) == 1, found
    assert found[0].date == dt.date.fromisoformat(date)
    assert found[0].precision == precision


def test_without_a_reference_only_explicit_dates_resolve() -> None:
    assert find_dates("on Sunday", None)[0].date is None
    assert find_dates("on October 26", None, year_hint=2025)[0].date == dt.date(2025, 10, 26)


def test_speech_dates_are_marked() -> None:
    found = find_dates("killed late Friday, an official said on Saturday", SUNDAY)
    assert [(m.date, m.speech) for m in found] == [
        (dt.date(2025, 10, 10), False),
        (dt.date(2025, 10, 11), True),
    ]


def test_figures_by_category() -> None:
    figures = find_figures(
        "He said 58 Pakistani soldiers had been killed and 30 wounded, "
        "and that nine Afghan soldiers had died and 16 had been injured."
    )
    assert [(f.kind, f.category, f.value) for f in figures] == [
        ("killed", "soldiers", 58),
        ("injured", "soldiers", 30),
        ("killed", "soldiers", 9),
        ("injured", "soldiers", 16),
    ]
    assert find_figures("Clashes killed dozens of soldiers.") == []
    breakdown = find_figures("five civilians, four women and a man, were killed")
    assert [(f.category, f.value) for f in breakdown] == [("civilians", 5)]
    assert [(f.category, f.value) for f in find_figures("wounding a woman and two children")] == [
        ("civilians", 1),
        ("civilians", 2),
    ]
