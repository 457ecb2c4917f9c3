"""Casualty figures over the API and the log, for each party: the scenario's categories
and harms, each side of an attack summed apart, the lodging member named as the
claimant, a figure the scenario does not count refused with its field, and a log begun
before the scenario declared its lists read, replayed and rebuilt as it was."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Clock
from tests.functional.support import Delegations
from tests.functional.test_cases_api import lodge_body
from tests.mechanism import SCENARIO_DIR, Mechanism, assert_rebuild_reproduces, make_mechanism
from tests.unit.scenario.test_facts import without_facts
from truce.app import create_app
from truce.config import Settings
from truce.log import projections
from truce.log.demo import genesis_time, load_demo, read_demo
from truce.log.setup import initialise
from truce.storage.db import Database
from truce.storage.models import CaseRecord
from truce.storage.models import Mechanism as MechanismRow

FIGURES = {
    "killed": {"police_levies": 3, "civilians": 2, "militants": 17},
    "injured": {"unspecified": 4},
    "missing": {"police_levies": 2},
}


@pytest.mark.parametrize(("lodger", "accused"), [("pk", "af"), ("af", "pk")])
def test_figures_by_category_and_side_for_each_party(
    client: TestClient, mechanism: Mechanism, lodger: str, accused: str
) -> None:
    d = Delegations(client, mechanism)
    lodged = d.post(f"{lodger}-officer", "case.lodge", lodge_body(accused.upper(), **FIGURES))
    for reader in (f"{lodger}-officer", f"{accused}-officer", "tr-officer"):
        thread = d.get(reader, f"/api/v1/cases/{lodged['index']}")
        assert thread["casualties"]["categories"][1] == {
            "id": "police_levies",
            "label": "Police and levies",
            "side": "victims",
        }
        assert [h["id"] for h in thread["casualties"]["harms"]] == ["killed", "injured", "missing"]
        case = thread["case"]
        assert case["killed"] == FIGURES["killed"]
        assert case["missing"] == FIGURES["missing"]
        assert case["figures"] == {
            "claimed_by": lodger.upper(),
            "totals": {
                "killed": {"victims": 5, "attackers": 17},
                "injured": {"victims": 4, "attackers": 0},
                "missing": {"victims": 2, "attackers": 0},
            },
        }
    listed = d.get(f"{accused}-officer", "/api/v1/cases")["cases"]
    [mine] = [c for c in listed if c["id"] == lodged["index"]]
    assert mine["figures"]["totals"]["killed"] == {"victims": 5, "attackers": 17}


@pytest.fixture
def narrow(database_url: str, tmp_path: Path, clock: Clock) -> Any:
    """A mechanism whose scenario counts neither police and levies nor the missing."""
    folder = tmp_path / "scenario"
    shutil.copytree(SCENARIO_DIR, folder)
    path = folder / "mechanism.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        '[[casualties.categories]]\nid = "police_levies"\nlabel = "Police and levies"\n\n', ""
    )
    text = text.replace('[[casualties.harms]]\nid = "missing"\nlabel = "Missing or abducted"\n', "")
    path.write_text(text, encoding="utf-8")
    built = make_mechanism(database_url, tmp_path / "keys", clock, scenario_dir=folder)
    settings = Settings(database_url=built.url, log_key_file=built.log_key_file)
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield built, test_client
    built.db.dispose()


@pytest.mark.parametrize(("lodger", "accused"), [("pk", "AF"), ("af", "PK")])
@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ({"killed": {"police_levies": 3}}, "body.incident.killed.police_levies"),
        ({"missing": {"civilians": 1}}, "body.incident.missing"),
    ],
)
def test_a_figure_the_scenario_does_not_count_is_refused_naming_its_field(
    narrow: Any, lodger: str, accused: str, figures: dict[str, Any], field: str
) -> None:
    mechanism, client = narrow
    d = Delegations(client, mechanism)
    refused = d.post(f"{lodger}-officer", "case.lodge", lodge_body(accused, **figures), expect=422)
    assert refused["field"] == field
    d.post(f"{lodger}-officer", "case.lodge", lodge_body(accused, killed={"civilians": 1}))


def test_a_log_begun_before_the_lists_replays_and_rebuilds(
    database_url: str, tmp_path: Path
) -> None:
    """An existing demo database: its genesis holds no casualty lists and no zones."""
    folder = tmp_path / "scenario"
    shutil.copytree(SCENARIO_DIR, folder)
    path = folder / "mechanism.toml"
    path.write_text(without_facts(path.read_text(encoding="utf-8")), encoding="utf-8")
    begins = genesis_time(folder)
    initialise(database_url, folder, tmp_path / "keys", clock=lambda: begins)
    assert load_demo(database_url, folder, tmp_path / "keys") == len(read_demo(folder)["acts"])
    db = Database.from_url(database_url)
    try:
        with db.read() as connection:
            genesis = connection.execute(select(MechanismRow.scenario)).scalar_one()
            cases = connection.execute(select(CaseRecord.killed, CaseRecord.missing)).all()
            live = projections.snapshot(connection)
        assert "casualties" not in genesis
        assert all("time_zone" not in member for member in genesis["members"])
        assert {missing for _killed, missing in cases} == {None}
        assert assert_rebuild_reproduces(db) == live
    finally:
        db.dispose()
