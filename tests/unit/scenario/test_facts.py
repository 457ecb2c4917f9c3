"""The scenario's facts: casualty categories and harms, and the time zones of its members
and places, as the default scenario declares them and as an older scenario reads."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from truce.acts.bodies import Casualties, Incident
from truce.scenario.facts import (
    CATEGORY_IDS,
    DEFAULT_CASUALTIES,
    HARM_IDS,
    casualty_lists,
    casualty_problems,
    local_to_utc,
    split_total,
    utc_offset,
    zone_for,
)
from truce.scenario.rules import Scenario, check_scenario, load_scenario, parse_scenario

SCENARIO_DIR = Path(__file__).parents[3] / "scenarios" / "istanbul-2025"
DEFAULT = load_scenario(SCENARIO_DIR)
NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)


def without_facts(text: str) -> str:
    """The scenario file as it was before it declared casualty lists and time zones."""
    text = re.sub(r'^time_zone = "[^"]*"\n', "", text, flags=re.M)
    return re.sub(r"\[\[casualties\.(?:categories|harms)\]\]\n(?:[a-z]+ = .*\n)+\n", "", text)


def test_the_default_scenario_declares_the_categories_harms_and_zones() -> None:
    lists = casualty_lists(DEFAULT)
    assert [c.id for c in lists.categories] == list(CATEGORY_IDS)
    assert [h.id for h in lists.harms] == list(HARM_IDS)
    assert [c.id for c in lists.categories if c.side == "attackers"] == ["militants"]
    assert lists == DEFAULT_CASUALTIES
    zones = {m.code: m.time_zone for m in DEFAULT.members}
    assert zones == {
        "PK": "Asia/Karachi",
        "AF": "Asia/Kabul",
        "TR": "Europe/Istanbul",
        "QA": "Asia/Qatar",
        "SEC": None,
    }


def test_the_body_carries_every_category_and_harm_a_scenario_may_count() -> None:
    assert tuple(Casualties.model_fields) == CATEGORY_IDS
    assert set(HARM_IDS) <= set(Incident.model_fields)


def test_a_scenario_without_the_lists_keeps_its_genesis_body_and_reads_the_defaults() -> None:
    older = parse_scenario(without_facts((SCENARIO_DIR / "mechanism.toml").read_text("utf-8")))
    dumped = older.model_dump(mode="json")
    assert "casualties" not in dumped
    assert all("time_zone" not in member for member in dumped["members"])
    assert casualty_lists(older) == DEFAULT_CASUALTIES
    assert Scenario.model_validate(json.loads(json.dumps(dumped))) == older
    assert zone_for(older, "kabul", "AF")[0] == "UTC"


def test_an_unknown_zone_or_category_is_reported_on_its_line(tmp_path: Path) -> None:
    text = (SCENARIO_DIR / "mechanism.toml").read_text("utf-8")
    text = text.replace('time_zone = "Asia/Kabul"', 'time_zone = "Asia/Kabull"', 1)
    text = text.replace('id = "police_levies"', 'id = "police"', 1)
    path = tmp_path / "mechanism.toml"
    path.write_text(text, encoding="utf-8")
    errors = {p.location: p for p in check_scenario(path) if p.severity == "error"}
    assert "'Asia/Kabull' is not an IANA time zone" in errors["members.1.time_zone"].message
    assert text.splitlines()[errors["members.1.time_zone"].line - 1].startswith("time_zone")
    assert "casualties.categories.1.id" in errors


@pytest.mark.parametrize(
    ("place", "member", "zone", "offset"),
    [
        ("kabul", "PK", "Asia/Kabul", "UTC+04:30"),  # the place's zone, whoever lodges
        ("torkham", "AF", "Asia/Karachi", "UTC+05:00"),
        (None, "AF", "Asia/Kabul", "UTC+04:30"),  # no place: the author's member's
        (None, "PK", "Asia/Karachi", "UTC+05:00"),
        (None, "TR", "Europe/Istanbul", "UTC+03:00"),
        (None, "SEC", "UTC", "UTC+00:00"),  # a member that names no zone keeps UTC
    ],
)
def test_the_zone_of_a_time_is_the_places_else_the_members(
    place: str | None, member: str, zone: str, offset: str
) -> None:
    name, found = zone_for(DEFAULT, place, member)
    assert (name, utc_offset(found, NOW)) == (zone, offset)


def test_local_time_becomes_utc() -> None:
    kabul = zone_for(DEFAULT, "kabul", "AF")[1]
    assert local_to_utc(datetime(2025, 10, 9, 21, 50), kabul) == datetime(
        2025, 10, 9, 17, 20, tzinfo=UTC
    )


def test_attackers_are_never_added_to_victims() -> None:
    counts = {"soldiers": 3, "police_levies": 2, "civilians": 5, "unspecified": 1, "militants": 17}
    assert split_total(DEFAULT, counts) == (11, 17)
    assert split_total(DEFAULT, {"militants": 200, "soldiers": 23}) == (23, 200)
    assert split_total(DEFAULT, None) == (0, 0)


def test_figures_outside_the_scenarios_lists_are_named() -> None:
    narrow = DEFAULT.model_copy(
        update={
            "casualties": DEFAULT_CASUALTIES.model_copy(
                update={
                    "categories": [
                        c for c in DEFAULT_CASUALTIES.categories if c.id != "police_levies"
                    ],
                    "harms": [h for h in DEFAULT_CASUALTIES.harms if h.id != "missing"],
                }
            )
        }
    )
    incident = {
        "killed": {"police_levies": 2, "civilians": 1},
        "injured": {"police_levies": None},
        "missing": {"civilians": 4},
    }
    assert casualty_problems(narrow, incident) == [
        (
            "body.incident.killed.police_levies",
            "'police_levies' is not a casualty category of this mechanism",
        ),
        ("body.incident.missing", "this mechanism does not count people missing"),
    ]
    assert casualty_problems(DEFAULT, incident) == []
