"""Exports over HTTP, the CLI and the web: files GDAL and pandas open as they are, with
nothing outside the caller's audience, and bad filters refused."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.functional.support import Delegations, Server, truce_script
from tests.mechanism import Mechanism, demo_database
from truce.app import create_app
from truce.config import Settings
from truce.exports.acled import ACLED_COLUMNS
from truce.exports.geo import KML_NS, OMITTED

OGRINFO = shutil.which("ogrinfo")
needs_gdal = pytest.mark.skipif(OGRINFO is None, reason="needs ogrinfo (Debian's gdal-bin)")


class Demo:
    """The demo in a SQLite file, served in process, and its delegates' tokens."""

    def __init__(self, client: TestClient, keys: Path) -> None:
        self.client = client
        self.keys = keys

    def get(self, name: str, path: str, **params: Any) -> Any:
        token = (self.keys / f"{name}.token").read_text().strip()
        return self.client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("exports-demo")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    with demo_database(url, folder / "keys"):
        settings = Settings(database_url=url, log_key_file=folder / "keys" / "sec-log.key")
        with TestClient(create_app(settings)) as client:
            yield Demo(client, folder / "keys")


def ogrinfo(path: Path, *args: str) -> str:
    assert OGRINFO is not None
    return subprocess.run(
        [OGRINFO, "-ro", "-al", *args, str(path)], capture_output=True, text=True, check=True
    ).stdout


def test_the_demos_csv_opens_in_pandas_with_acleds_columns_first(demo: Demo) -> None:
    listed = demo.get("pk-officer", "/api/v1/cases", limit=500).json()
    answer = demo.get("pk-officer", "/api/v1/exports/incidents.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    frame = pd.read_csv(io.BytesIO(answer.content))
    assert tuple(frame.columns[:31]) == ACLED_COLUMNS
    assert len(frame) == listed["total"] == 9
    assert set(frame["log_index"]) == {case["id"] for case in listed["cases"]}
    for name in ("year", "time_precision", "inter1", "interaction", "geo_precision",
                 "fatalities", "timestamp", "case_number"):  # fmt: skip
        assert pd.api.types.is_integer_dtype(frame[name]), name
    assert pd.api.types.is_float_dtype(frame["latitude"])
    assert set(frame["event_type"]) <= {
        "Battles", "Explosions/Remote violence", "Strategic developments",
    }  # fmt: skip


@needs_gdal
@pytest.mark.parametrize("form", ["geojson", "kml"])
def test_gdal_reads_the_demos_geojson_and_kml(demo: Demo, form: str, tmp_path: Path) -> None:
    listed = demo.get("af-officer", "/api/v1/cases", limit=500).json()["cases"]
    located = [case for case in listed if case["lat"] is not None]
    answer = demo.get("af-officer", f"/api/v1/exports/incidents.{form}")
    assert answer.status_code == 200
    path = tmp_path / f"incidents.{form}"
    path.write_bytes(answer.content)
    summary = ogrinfo(path, "-so")
    assert f"Feature Count: {len(located)}" in summary
    full = ogrinfo(path)
    points = [line.strip() for line in full.splitlines() if line.strip().startswith("POINT")]
    assert len(points) == len(located)
    if form == "geojson":
        assert "Geometry: Point" in summary
        collection = json.loads(answer.content)
        assert collection[OMITTED] == len(listed) - len(located)
        coordinates = sorted(tuple(f["geometry"]["coordinates"]) for f in collection["features"])
        assert coordinates == sorted((case["lon"], case["lat"]) for case in located)
    else:
        assert f'<Data name="{OMITTED}">' in answer.text
        assert KML_NS in answer.text


def test_filters_narrow_the_export_as_they_narrow_the_case_list(demo: Demo) -> None:
    # The case list's JSON API names a period by moments (since); the pages and the
    # exports by days (from), as the pages' filters do.
    for params, listing in (
        ({"type": "shelling"}, {"type": "shelling"}),
        ({"member": "AF"}, {"member": "AF"}),
        ({"from": "2025-10-20"}, {"since": "2025-10-20T00:00:00Z"}),
        ({"status": "closed"}, {"status": "closed"}),
        ({"sector": "Kunar"}, {"sector": "Kunar"}),
    ):
        frame = pd.read_csv(
            io.BytesIO(demo.get("pk-officer", "/api/v1/exports/incidents.csv", **params).content)
        )
        filtered = demo.get("pk-officer", "/api/v1/cases", limit=500, **listing).json()
        assert set(frame["log_index"]) == {case["id"] for case in filtered["cases"]}, params
        if "member" not in params:  # every demo case is lodged by or against AF
            assert filtered["total"] < 9, params


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-02-30"}, "from"),
        ({"from": "2025-11-02", "to": "2025-11-01"}, "from"),
        ({"sector": "Atlantis"}, "sector"),
        ({"type": "alien_landing"}, "type"),
        ({"member": "XX"}, "member"),
        ({"bbox": "80,10,70,20"}, "bbox"),
        ({"status": "lost"}, "status"),
    ],
)
def test_bad_filters_are_refused_as_problems(
    demo: Demo, params: dict[str, str], field: str
) -> None:
    answer = demo.get("pk-officer", "/api/v1/exports/incidents.geojson", **params)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == field


def test_an_unknown_format_is_not_an_export(demo: Demo) -> None:
    refused = demo.get("pk-officer", "/api/v1/exports/incidents.xlsx")
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert demo.client.get("/api/v1/exports/incidents.csv").status_code == 401


LODGE = {
    "incident": {
        "type": "shelling",
        "occurred_at": "2025-11-06T10:30:00Z",
        "time_precision": "hour",
        "place": {"place_id": "torkham", "precision": "approximate"},
        "killed": {"civilians": 1},
    },
    "accused": {"member": "PK"},
    "clauses": ["C4"],
    "language": "en",
}


def test_each_export_holds_only_what_its_reader_may_read(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    d.post("af-officer", "case.lodge", LODGE | {"narrative": "OPEN-CASE for everyone"})
    # A case may not be kept from its accused, so one between the parties reaches both;
    # this one is kept from Qatar. An act of a case addressed to the mediators alone is
    # kept from the other party.
    hidden = d.post(
        "af-officer", "case.lodge", LODGE | {"narrative": "TURKEY-CASE for PK and TR"},
        audience=["PK", "TR"],
    )  # fmt: skip
    uploaded = d.client.post(
        "/api/v1/files", content=b"a note", headers=d.headers("af-officer")
    ).json()
    d.post(
        "af-officer", "case.evidence",
        {"files": [{key: uploaded[key] for key in ("sha256", "media_type", "size")}],
         "description": "MEDIATORS-ONLY evidence", "language": "en"},
        refs=(hidden["leaf_hash"],), audience=["AF", "TR", "QA"], expect=201,
    )  # fmt: skip
    expected = {
        "pk-officer": {"OPEN-CASE", "TURKEY-CASE"},
        "af-officer": {"OPEN-CASE", "TURKEY-CASE"},
        "tr-officer": {"OPEN-CASE", "TURKEY-CASE"},
        "qa-officer": {"OPEN-CASE"},
    }
    for reader, markers in expected.items():
        for form in ("csv", "geojson", "kml"):
            text = d.client.get(f"/api/v1/exports/incidents.{form}", headers=d.headers(reader)).text
            found = {m for m in ("OPEN-CASE", "TURKEY-CASE", "MEDIATORS-ONLY") if m in text}
            assert found == markers, (reader, form, found)
        frame = pd.read_csv(
            io.StringIO(
                d.client.get("/api/v1/exports/incidents.csv", headers=d.headers(reader)).text
            )
        )
        listed = d.get(reader, "/api/v1/cases", limit=500)
        assert set(frame["log_index"]) == {case["id"] for case in listed["cases"]}, reader


TRUCE = truce_script()


def test_the_cli_writes_each_file_and_refuses_bad_filters_in_one_line(
    server: Server, mechanism: Mechanism, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    env["TRUCE_SERVER"] = server.base_url
    env["TRUCE_KEY_FILE"] = str(mechanism.keys_dir / "pk-officer.key")

    def truce(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TRUCE, *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    for form in ("csv", "geojson", "kml"):
        out = tmp_path / f"incidents.{form}"
        run = truce("exports", form, "--out", str(out), "--type", "shelling", "--status", "closed")
        assert run.returncode == 0, run.stderr
        assert out.stat().st_size > 0
    frame = pd.read_csv(tmp_path / "incidents.csv")
    assert tuple(frame.columns[:31]) == ACLED_COLUMNS
    assert len(frame) == 0
    refused = truce("exports", "csv", "--out", str(tmp_path / "x.csv"), "--from", "2025-13-01")
    assert refused.returncode != 0
    assert refused.stderr.strip().count("\n") == 0
    assert "from is a date" in refused.stderr
    assert not (tmp_path / "x.csv").exists()
