"""Dates of events as news copy writes them, resolved against a reference date.

:func:`find_dates` returns every date expression of a sentence with the date it stands
for and its precision:

- explicit dates (``26 October 2025``, ``October 12``, ``the night of 24/25 October``)
  are read with ``dateparser``; a year-less date takes the reference year (or the last
  year the article mentioned when it has no publication date);
- weekdays (``on Sunday``, ``late Monday``, ``Thursday afternoon``) are the latest such
  day on or before the reference date; ``yesterday``, ``today``, ``this afternoon``,
  ``last night`` likewise; ``N days ago`` is a day;
- ``N weeks ago`` is the reference date minus N weeks, precision ``week``; ``last week``
  is the Monday of the previous week, precision ``week``;
- ``earlier this month``, ``last month``, ``mid-October``, ``late October`` are the first
  day of that month, precision ``month``.

A date after a reporting verb (``said on Saturday``) is marked ``speech``: it dates the
statement rather than the event, and extraction uses it only when nothing else dates
the event.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import dateparser

Precision = Literal["day", "week", "month"]

MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
]  # fmt: skip
_MONTH_ALT = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMBER_WORDS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "several": 3,
}  # fmt: skip
_N = r"(\d+|a couple of|a|one|two|three|four|five|six|seven|eight|nine|ten)"
_SPEECH = re.compile(
    r"\b(said|says|told|stated|reported|announced|added|wrote|warned|accused|claimed)"
    r"(?:\s+\w+){0,3}\s*$",
    re.IGNORECASE,
)

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "dmy",
        re.compile(
            rf"\b(?:the night of\s+)?(\d{{1,2}})(?:\s*/\s*\d{{1,2}})?\s+({_MONTH_ALT})"
            rf"(?:,?\s+(\d{{4}}))?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "mdy",
        re.compile(
            rf"\b({_MONTH_ALT})\s+(\d{{1,2}})"
            rf"(?:st|nd|rd|th)?(?:\s*/\s*\d{{1,2}})?(?:,?\s+(\d{{4}}))?\b",
            re.IGNORECASE,
        ),
    ),
    ("ago_days", re.compile(rf"\b{_N}\s+days?\s+ago\b", re.IGNORECASE)),
    ("ago_weeks", re.compile(rf"\b{_N}\s+weeks?\s+ago\b", re.IGNORECASE)),
    ("ago_months", re.compile(rf"\b{_N}\s+months?\s+ago\b", re.IGNORECASE)),
    ("last_week", re.compile(r"\blast\s+week(?:'s|\u2019s)?\b", re.IGNORECASE)),
    (
        "this_month",
        re.compile(r"\b(?:earlier|early|later)\s+this\s+month\b|\bthis\s+month\b", re.IGNORECASE),
    ),
    ("last_month", re.compile(r"\blast\s+month\b", re.IGNORECASE)),
    (
        "part_of_month",
        re.compile(
            rf"\b(?:mid|early|late|end of|beginning of)[\s-]+({_MONTH_ALT})(?:\s+(\d{{4}}))?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "weekday",
        re.compile(
            r"\b(?:(last|this|on|late|early)\s+(?:on\s+)?)?"
            r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:'s|\u2019s)?\b",
            re.IGNORECASE,
        ),
    ),
    ("yesterday", re.compile(r"\byesterday\b|\blast\s+night\b", re.IGNORECASE)),
    (
        "today",
        re.compile(
            r"\btoday\b|\bthis\s+(?:morning|afternoon|evening)\b|\btonight\b", re.IGNORECASE
        ),
    ),
]
# Words (lower case) of which an ASCII text must hold one for each pattern to match:
# a cheap test that spares the regex scan of sentences that cannot hold that kind of date.
# Non-ASCII texts skip the test, since case folding may then match other letters.
_NEEDS: dict[str, tuple[str, ...]] = {
    "dmy": tuple("0123456789"),
    "mdy": tuple("0123456789"),
    "ago_days": ("ago",),
    "ago_weeks": ("ago",),
    "ago_months": ("ago",),
    "last_week": ("week",),
    "this_month": ("month",),
    "last_month": ("month",),
    "part_of_month": ("mid", "early", "late", "end", "beginning"),
    "weekday": ("day",),
    "yesterday": ("yesterday", "night"),
    "today": ("today", "this", "tonight"),
}
ANAPHORIC = re.compile(
    r"\b(?:the\s+same\s+(?:night|day|evening|morning|afternoon)|"
    r"hours\s+(?:later|after|before|earlier)|minutes\s+(?:later|after|before)|"
    r"shortly\s+(?:after|before)(?:wards)?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateMention:
    """A date expression in a text: where it is, what it means, whether it dates speech."""

    start: int
    end: int
    text: str
    date: dt.date | None
    precision: Precision
    speech: bool


def _month(name: str) -> int:
    key = name.lower().rstrip(".")[:3]
    return next(i for i, m in enumerate(MONTHS, 1) if m.startswith(key))


def _number(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else _NUMBER_WORDS.get(text, 1)


@lru_cache(maxsize=4096)
def _explicit(day: int, month: int, year: int) -> dt.date | None:
    parsed = dateparser.parse(
        f"{day} {MONTHS[month - 1]} {year}",
        languages=["en"],
        settings={"DATE_ORDER": "DMY", "STRICT_PARSING": True},
    )
    return parsed.date() if parsed else None


def _ago(amount: int, unit: str, reference: dt.date) -> dt.date | None:
    base = dt.datetime.combine(reference, dt.time(12))
    parsed = dateparser.parse(
        f"{amount} {unit} ago",
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"},
    )
    return parsed.date() if parsed else None


def _previous_weekday(reference: dt.date, weekday: int, *, strictly_before: bool) -> dt.date:
    delta = (reference.weekday() - weekday) % 7
    if delta == 0 and strictly_before:
        delta = 7
    return reference - dt.timedelta(days=delta)


def _resolve(
    kind: str, match: re.Match[str], reference: dt.date | None, year_hint: int | None
) -> tuple[dt.date | None, Precision]:
    year_default = reference.year if reference else year_hint
    if kind in {"dmy", "mdy"}:
        day_text, month_text = (
            (match.group(1), match.group(2)) if kind == "dmy" else (match.group(2), match.group(1))
        )
        year = int(match.group(3)) if match.group(3) else year_default
        if year is None:
            return None, "day"
        month, day = _month(month_text), int(day_text)
        found = _explicit(day, month, year)
        if (
            found is not None
            and reference is not None
            and not match.group(3)
            and found > reference + dt.timedelta(days=31)
        ):
            found = _explicit(day, month, year - 1)  # "December 30" read in January
        return found, "day"
    if kind == "part_of_month":
        year = int(match.group(2)) if match.group(2) else year_default
        if year is None:
            return None, "month"
        return dt.date(year, _month(match.group(1)), 1), "month"
    if reference is None:
        return None, "day"
    if kind == "ago_days":
        return _ago(_number(match.group(1)), "days", reference), "day"
    if kind == "ago_weeks":
        return _ago(_number(match.group(1)), "weeks", reference), "week"
    if kind == "ago_months":
        found = _ago(_number(match.group(1)), "months", reference)
        return (found.replace(day=1) if found else None), "month"
    if kind == "last_week":
        monday = reference - dt.timedelta(days=reference.weekday())
        return monday - dt.timedelta(days=7), "week"
    if kind == "this_month":
        return reference.replace(day=1), "month"
    if kind == "last_month":
        first = reference.replace(day=1) - dt.timedelta(days=1)
        return first.replace(day=1), "month"
    if kind == "weekday":
        qualifier = (match.group(1) or "").lower()
        weekday = WEEKDAYS.index(match.group(2).lower())
        return _previous_weekday(reference, weekday, strictly_before=qualifier == "last"), "day"
    if kind == "yesterday":
        return reference - dt.timedelta(days=1), "day"
    return reference, "day"  # today, this afternoon


def find_dates(
    text: str, reference: dt.date | None, year_hint: int | None = None
) -> list[DateMention]:
    """Every date expression in ``text``, in order, resolved against ``reference``."""
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    lower = text.lower() if text.isascii() else None
    for kind, pattern in _PATTERNS:
        if lower is not None and not any(word in lower for word in _NEEDS[kind]):
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            month_word = match.group(1) if kind == "mdy" else ""
            if month_word.lower().rstrip(".") == "may" and not month_word[0].isupper():
                continue
            date, precision = _resolve(kind, match, reference, year_hint)
            taken.append((start, end))
            speech = bool(_SPEECH.search(text[max(0, start - 40) : start]))
            found.append(DateMention(start, end, match.group(0), date, precision, speech))
    found.sort(key=lambda m: m.start)
    return found


_DAYS_AFTER = re.compile(rf"\b{_N}\s+days?\s+after\b", re.IGNORECASE)


def days_after(text: str) -> int | None:
    """N of "(came) N days after ...": how far the event named after it lies back."""
    match = _DAYS_AFTER.search(text)
    return _number(match.group(1)) if match else None


def years_in(text: str) -> list[int]:
    """Four-digit years from 1990 to 2099 that the text mentions, in order."""
    return [int(y) for y in re.findall(r"\b(199\d|20\d\d)\b", text)]
