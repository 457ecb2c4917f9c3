"""Crossing status reports: what is refused, the state in force, and how long it lasted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from truce.acts.actor import Actor
from truce.crossings.rules import Report, all_periods, check_report, current, periods
from truce.errors import RefusedActError
from truce.scenario.rules import load_scenario

SCENARIO = load_scenario(Path(__file__).parents[3] / "scenarios" / "istanbul-2025")
OCT12 = datetime(2025, 10, 12, 8, 0, tzinfo=UTC)
NOV1 = datetime(2025, 11, 1, 8, 0, tzinfo=UTC)
KINDS = {"PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator", "SEC": "secretariat"}


def body(crossing: str = "torkham", **changes: Any) -> dict[str, Any]:
    return {
        "crossing": crossing,
        "trade": "closed",
        "people": "closed",
        "stranded_trucks": 5000,
        "reason": "Fighting on the border.",
        "effective_at": "2025-10-12T08:00:00Z",
    } | changes


def report(index: int, at: datetime, trade: str, people: str) -> Report:
    return Report(index, "torkham", "PK", trade, people, None, "r", at)  # type: ignore[arg-type]


@pytest.mark.parametrize("member", ["PK", "AF", "SEC"])
def test_parties_and_the_secretariat_report(member: str) -> None:
    check_report(SCENARIO, Actor(member, KINDS[member], NOV1), body(), OCT12)


@pytest.mark.parametrize(
    ("member", "crossing", "effective", "message"),
    [
        ("TR", "torkham", OCT12, "a party or the secretariat"),
        ("PK", "chaman", OCT12, "'chaman' is not a crossing"),
        ("PK", "atlantis", OCT12, "'atlantis' is not a crossing"),
        ("PK", "torkham", NOV1 + timedelta(hours=1), "effective_at is later than the act"),
    ],
)
def test_reports_the_rules_refuse(
    member: str, crossing: str, effective: datetime, message: str
) -> None:
    with pytest.raises(RefusedActError, match=message):
        check_report(SCENARIO, Actor(member, KINDS[member], NOV1), body(crossing), effective)


def test_torkham_closed_then_reopened_for_refugees_only() -> None:
    history = [
        report(7, NOV1, "closed", "restricted"),  # logged later, effective later
        report(3, OCT12, "closed", "closed"),
    ]
    now = NOV1 + timedelta(days=20)
    found = current(history)
    assert found is not None
    assert found.index == 7
    trade = periods(history, "trade")
    assert len(trade) == 1
    assert (trade[0].since, trade[0].until, trade[0].reports) == (OCT12, None, (3, 7))
    assert trade[0].duration(now).days == 40
    assert trade[0].describe("Torkham", now) == "Torkham closed to trade for 40 days"
    people = periods(history, "people")
    assert [(p.level, p.until) for p in people] == [("closed", NOV1), ("restricted", None)]
    assert people[0].duration(now).days == 20
    assert people[1].describe("Torkham", NOV1 + timedelta(days=1)) == (
        "Torkham restricted to people for 1 day"
    )
    assert len(all_periods(history)) == 3
    assert current([]) is None
    assert periods([], "trade") == []
