"""The ACLED mapping and the three writers, on incidents built by hand.

The files are read back by what analysts use: pandas for the CSV, GDAL's ``ogrinfo``
for the GeoJSON and the KML (Debian's gdal-bin), and the standard library's parsers.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from tests.mechanism import SCENARIO_DIR
from truce.exports import acled, geo
from truce.exports.acled import Incident
from truce.scenario.rules import Scenario, load_scenario

ACLED = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
#: Text that breaks naive writers: separators, quotes, line ends, Arabic script, and every
#: character that starts a spreadsheet formula.
AWKWARD = [
    'Shells, then "more" shells;\nthe second line\r\nand a third',
    "قصفت المدفعية المنازل في سپین بولدک",
    '=HYPERLINK("http://example.invalid","click")',
    "+1 soldier",
    "-2 posts",
    "@SUM(A1:A2)",
]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO_DIR / "mechanism.toml")


def incident(**changes: object) -> Incident:
    base = Incident(
        case_id=40,
        number=3,
        leaf_hash="ab" * 32,
        lodged_by="AF",
        accused="PK",
        accused_group=None,
        type="shelling",
        occurred_at=datetime(2025, 11, 6, 20, 0, tzinfo=UTC),
        time_precision="hour",
        place_id="spin-boldak",
        admin1="Kandahar",
        lat=31.0,
        lon=66.4,
        precision="approximate",
        clauses=("C1", "C4"),
        killed={"civilians": 5, "militants": None},
        injured={"civilians": 6},
        missing=None,
        status="awaiting_response",
        outcome=None,
        counter_to=None,
        changed_at=datetime(2025, 11, 7, 8, 0, tzinfo=UTC),
        narrative="Shells struck homes.",
        actors=("Pakistan Army",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_first_31_columns_are_acleds_in_order(scenario: Scenario) -> None:
    names = acled.columns(scenario)
    assert list(names[:31]) == ACLED
    assert names[31:40] == acled.TRUCE_COLUMNS
    assert names[40:] == ("fatalities_claimed_PK", "fatalities_claimed_AF")


def test_every_incident_type_of_the_scenario_is_mapped(scenario: Scenario) -> None:
    assert {t.id for t in scenario.incident_types} <= set(acled.EVENT_TYPES)


def test_a_shelling_alleged_by_afghanistan_as_acled_codes_it(scenario: Scenario) -> None:
    row = acled.rows(scenario, [incident()])[0]
    assert row["event_type"] == "Explosions/Remote violence"
    assert row["sub_event_type"] == "Shelling/artillery/missile attack"
    assert row["actor1"] == "Military Forces of Pakistan"
    # Pakistan's forces, named by the allegation, acting in Afghanistan: external forces;
    # the civilians the allegation says were hit are actor 2.
    assert (row["inter1"], row["actor2"], row["inter2"]) == (8, "Civilians (Afghanistan)", 7)
    assert row["interaction"] == 78
    assert (row["iso"], row["country"], row["region"]) == (4, "Afghanistan", "South Asia")
    assert row["event_id_cnty"] == "AFG-TRUCE-3"
    assert row["location"] == "Spin Boldak"
    assert (row["geo_precision"], row["time_precision"]) == (2, 1)
    assert row["fatalities"] == 5
    assert (row["fatalities_claimed_AF"], row["fatalities_claimed_PK"]) == (5, None)
    assert "As Afghanistan claims: killed: civilians 5" in row["notes"]
    assert "not a finding" in row["notes"]
    assert row["timestamp"] == int(datetime(2025, 11, 7, 8, 0, tzinfo=UTC).timestamp())
    assert row["clauses"] == "C1;C4"


def test_the_event_date_is_the_local_date_of_the_place(scenario: Scenario) -> None:
    # 20:00 UTC is 00:30 the next day in Kandahar (UTC+04:30).
    assert acled.rows(scenario, [incident()])[0]["event_date"] == "2025-11-07"
    early = incident(occurred_at=datetime(2025, 11, 6, 19, 0, tzinfo=UTC))
    assert acled.rows(scenario, [early])[0]["event_date"] == "2025-11-06"


def test_precision_of_time_and_place(scenario: Scenario) -> None:
    week = incident(time_precision="week", precision="province", place_id="kandahar-province")
    row = acled.rows(scenario, [week])[0]
    assert (row["time_precision"], row["geo_precision"]) == (2, 3)
    point = incident(place_id=None, admin1=None, precision="exact", lat=31.5, lon=66.0)
    row = acled.rows(scenario, [point])[0]
    assert row["geo_precision"] == 1
    assert (row["country"], row["iso"], row["location"]) == ("", None, "31.5000, 66.0000")
    assert row["event_id_cnty"] == "XXX-TRUCE-3"


def test_a_border_closure_is_a_strategic_development_with_one_actor(scenario: Scenario) -> None:
    row = acled.rows(scenario, [incident(type="border_closure", killed={}, injured={})])[0]
    assert (row["disorder_type"], row["event_type"], row["sub_event_type"]) == (
        "Strategic developments",
        "Strategic developments",
        "Other",
    )
    assert (row["actor2"], row["inter2"], row["interaction"]) == ("", 0, 80)
    assert row["fatalities"] == 0


def test_claim_and_counter_claim_keep_each_sides_figures(scenario: Scenario) -> None:
    claim = incident(
        case_id=10, number=1, lodged_by="PK", accused="AF", type="attack_on_post",
        killed={"soldiers": 23, "militants": 200}, place_id="angoor-adda",
    )  # fmt: skip
    counter = incident(
        case_id=12, number=2, lodged_by="AF", accused="PK", type="armed_clash",
        killed={"soldiers": 9}, counter_to=10, place_id="kunar",
    )  # fmt: skip
    first, second = acled.rows(scenario, [claim, counter])
    for row in (first, second):
        assert (row["fatalities_claimed_PK"], row["fatalities_claimed_AF"]) == (223, 9)
        assert row["fatalities"] == 9  # the lowest claim, as ACLED's conservative rule
    assert "Afghanistan claims 9 killed" in first["notes"]
    assert "Pakistan claims 223 killed" in second["notes"]
    assert (first["actor1"], first["actor2"]) == (
        "Military Forces of Afghanistan",
        "Military Forces of Pakistan",
    )
    # Alone in an export, a case holds its own party's claim only.
    alone = acled.rows(scenario, [counter])[0]
    assert (alone["fatalities_claimed_PK"], alone["fatalities"]) == (None, 9)


def test_formula_guard_round_trips() -> None:
    for text in AWKWARD:
        assert acled.unguard(acled.guard(text)) == text
    assert acled.guard("=1+1") == "'=1+1"
    assert acled.guard("Shelling") == "Shelling"


def awkward_rows(scenario: Scenario) -> list[dict[str, object]]:
    incidents = [
        incident(case_id=100 + n, number=n + 1, narrative=text, accused_group=text)
        for n, text in enumerate(AWKWARD)
    ]
    incidents.append(incident(case_id=200, number=9, place_id=None, lat=None, lon=None))
    return acled.rows(scenario, incidents)


def test_the_csv_reads_back_in_pandas_with_acleds_columns_and_types(
    scenario: Scenario,
) -> None:
    table = awkward_rows(scenario)
    text = acled.write_csv(acled.columns(scenario), table)
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    assert list(frame.columns[:31]) == ACLED
    assert len(frame) == len(AWKWARD) + 1
    for name in ("year", "time_precision", "inter1", "inter2", "interaction", "geo_precision",
                 "fatalities", "timestamp", "case_number", "log_index"):  # fmt: skip
        assert pd.api.types.is_integer_dtype(frame[name]), name
    for name in ("latitude", "longitude"):
        assert pd.api.types.is_float_dtype(frame[name]), name
    assert frame["latitude"].isna().sum() == 1
    for n, text in enumerate(AWKWARD):
        group = frame.loc[n, "harboured_group"]
        assert acled.unguard(group) == text
        assert (group != text) == text.startswith(acled.FORMULA_START)
        assert frame.loc[n, "notes"].endswith(text.replace("\r\n", "\n").split("\n")[-1])
    assert acled.unguard(frame.loc[2, "harboured_group"]).startswith("=HYPERLINK")


def test_geojson_and_kml_keep_every_value_and_count_what_they_leave_out(
    scenario: Scenario,
) -> None:
    table = awkward_rows(scenario)
    names = acled.columns(scenario)
    collection = json.loads(geo.geojson(names, table, "incidents"))
    assert collection["type"] == "FeatureCollection"
    assert collection[geo.OMITTED] == 1
    assert len(collection["features"]) == len(AWKWARD)
    first = collection["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [66.4, 31.0]}
    assert [f["properties"]["harboured_group"] for f in collection["features"]] == AWKWARD
    root = ElementTree.fromstring(geo.kml(names, table, "incidents"))  # noqa: S314 (our own)
    ns = {"k": geo.KML_NS}
    marks = root.findall(".//k:Placemark", ns)
    assert len(marks) == len(AWKWARD)
    groups = [
        mark.find("k:ExtendedData/k:Data[@name='harboured_group']/k:value", ns) for mark in marks
    ]
    # XML turns a CR LF inside text into LF (XML 1.0 §2.11): the only change.
    assert [g.text for g in groups if g is not None] == [t.replace("\r\n", "\n") for t in AWKWARD]
    omitted = root.find("k:Document/k:ExtendedData/k:Data[@name='truce:omitted']/k:value", ns)
    assert omitted is not None
    assert omitted.text == "1"
    coordinates = marks[0].find("k:Point/k:coordinates", ns)
    assert coordinates is not None
    assert coordinates.text == "66.4,31.0"


OGRINFO = shutil.which("ogrinfo")


@pytest.mark.skipif(OGRINFO is None, reason="needs ogrinfo (Debian's gdal-bin)")
@pytest.mark.parametrize("form", ["geojson", "kml"])
def test_gdal_reads_every_point(scenario: Scenario, form: str, tmp_path: Path) -> None:
    table = awkward_rows(scenario)
    names = acled.columns(scenario)
    path = tmp_path / f"incidents.{form}"
    if form == "geojson":
        path.write_text(geo.geojson(names, table, "incidents"), encoding="utf-8")
    else:
        path.write_bytes(geo.kml(names, table, "incidents"))
    assert OGRINFO is not None
    summary = subprocess.run(
        [OGRINFO, "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert f"Feature Count: {len(AWKWARD)}" in summary
    full = subprocess.run(
        [OGRINFO, "-ro", "-al", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert len(re.findall(r"POINT \(66\.4 31(\.0)?\)", full)) == len(AWKWARD)
    assert "قصفت المدفعية المنازل" in full
