"""A clause's readings: attributed annotations beside the agreed text, never in it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.mechanism import SCENARIO_DIR
from truce.ledger import jcs
from truce.scenario.rules import Scenario, check_scenario, load_scenario

ASSETS = Path(__file__).parents[2] / "assets" / "scenarios"

READINGS = """
[[clauses.readings]]
by = "AF"
text = "No group attacking Pakistan is supported."
source = "A spokesman, 19 Oct 2025"

[[clauses.readings]]
by = "mediators"
text = "Both sides' forces are meant."
"""


def with_readings(tmp_path: Path, readings: str) -> Path:
    """The minimal scenario with ``readings`` under its one clause."""
    text = (ASSETS / "minimal.toml").read_text(encoding="utf-8")
    text = text.replace('source = "statement"\n', 'source = "statement"\n' + readings, 1)
    path = tmp_path / "mechanism.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_clauses_hold_the_agreed_text_and_attribute_each_reading() -> None:
    scenario = load_scenario(SCENARIO_DIR)
    c2, c3 = scenario.clause("C2"), scenario.clause("C3")
    assert c2 is not None
    assert c3 is not None
    assert "Afghan side" not in c2.text
    assert "reading" not in c3.text
    assert {reading.by for reading in c2.readings} == {"PK", "AF"}
    assert all(reading.source for reading in c2.readings)
    assert [reading.by for reading in c3.readings] == ["SEC"]


def test_readings_are_read_and_round_trip_through_the_genesis_body(tmp_path: Path) -> None:
    scenario = load_scenario(with_readings(tmp_path, READINGS))
    [clause] = scenario.clauses
    assert [(r.by, r.source) for r in clause.readings] == [
        ("AF", "A spokesman, 19 Oct 2025"),
        ("mediators", None),
    ]
    body = scenario.model_dump(mode="json")
    assert "source" not in body["clauses"][0]["readings"][1]
    assert Scenario.model_validate(json.loads(jcs.canonicalize(body))) == scenario


def test_a_scenario_without_readings_keeps_its_genesis_body(tmp_path: Path) -> None:
    scenario = load_scenario(with_readings(tmp_path, ""))
    assert "readings" not in scenario.model_dump(mode="json")["clauses"][0]


def test_a_reading_by_an_unknown_member_is_refused_on_its_line(tmp_path: Path) -> None:
    path = with_readings(tmp_path, READINGS.replace('by = "AF"', 'by = "XX"'))
    problems = [p for p in check_scenario(path) if p.severity == "error"]
    assert [p.location for p in problems] == ["clauses.0.readings.0.by"]
    assert "unknown member 'XX'" in problems[0].message
    assert problems[0].line == path.read_text().splitlines().index('by = "XX"') + 1
