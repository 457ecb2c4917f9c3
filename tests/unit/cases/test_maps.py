"""The map and the timeline: their data blocks, filters and audience."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.demo_pages import DELEGATES, SECRET_LODGE, Demo, data_block

MAP_LABELS = {
    "incidents", "crossings", "places", "legend", "trade", "people", "since", "open",
    "closed", "restricted", "title", "description", "types", "statuses",
}  # fmt: skip


def map_data(browser: TestClient, query: str = "") -> dict[str, Any]:
    page = browser.get(f"/map{query}")
    assert page.status_code == 200
    assert '<div id="map" data-map' in page.text
    data: dict[str, Any] = json.loads(data_block(page.text, "map-data"))
    return data


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_the_map_renders_for_every_role(browsers: dict[str, TestClient], who: str) -> None:
    data = map_data(browsers[who])
    assert set(data["labels"]) >= MAP_LABELS
    assert data["incidents"]
    for incident in data["incidents"]:
        assert -90 <= incident["lat"] <= 90
        assert -180 <= incident["lon"] <= 180
        assert incident["url"] == f"/cases/{incident['case_id']}"
    assert {place["id"] for place in data["places"]}
    torkham = next(c for c in data["crossings"] if c["place_id"] == "torkham")
    assert (torkham["trade"], torkham["people"]) == ("closed", "restricted")


def test_the_map_shows_only_what_the_reader_may_see(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    for who in ("qa-head", "sec-clerk"):
        data = map_data(browsers[who])
        assert demo.secret_case not in {i["case_id"] for i in data["incidents"]}
        assert SECRET_LODGE not in json.dumps(data)
    for who in ("pk-officer", "af-head", "tr-head"):
        assert demo.secret_case in {i["case_id"] for i in map_data(browsers[who])["incidents"]}


def test_the_map_takes_the_list_filters(demo: Demo, browsers: dict[str, TestClient]) -> None:
    browser = browsers["tr-head"]
    page = browser.get("/map?type=shelling&member=PK")
    data = json.loads(data_block(page.text, "map-data"))
    assert data["incidents"]
    assert all(i["type"] == "shelling" for i in data["incidents"])
    assert all("PK" in (i["member"], i["accused"]) for i in data["incidents"])
    assert '<a data-map-list-link href="/cases?type=shelling&amp;member=PK">' in page.text
    assert "data-map-filters" in page.text
    listed = browser.get("/cases?type=shelling&member=PK").text
    for incident in data["incidents"]:
        assert f'href="/cases/{incident["case_id"]}"' in listed
    boxed = map_data(browser, "?bbox=69,33,72,35")
    assert all(69 <= i["lon"] <= 72 and 33 <= i["lat"] <= 35 for i in boxed["incidents"])
    assert len(boxed["incidents"]) < len(map_data(browser)["incidents"])


def test_the_map_data_route_answers_the_same(browsers: dict[str, TestClient]) -> None:
    browser = browsers["pk-head"]
    block = map_data(browser, "?status=closed")
    block.pop("labels")
    assert browser.get("/map/data?status=closed").json() == block
    assert browser.get("/map/data?bbox=1,2").status_code == 400


def test_the_timeline_marks_the_truces(demo: Demo, browsers: dict[str, TestClient]) -> None:
    page = browsers["af-head"].get("/timeline")
    assert page.status_code == 200
    data = json.loads(data_block(page.text, "timeline-data"))
    assert [m["date"] for m in data["markers"]] == ["2025-10-15", "2025-10-19", "2025-10-30"]
    assert data["events"]
    assert [e["date"] for e in data["events"]] == sorted(e["date"] for e in data["events"])
    assert "<figure data-timeline>" in page.text
    assert "data-timeline-table" in page.text
    assert page.text.count('<tr class="marker">') == 3
    outside = browsers["qa-head"].get("/timeline").text
    assert f"/cases/{demo.secret_case}" not in outside
    accused = json.loads(data_block(page.text, "timeline-data"))
    assert f"/cases/{demo.secret_case}" in {e["url"] for e in accused["events"]}


@pytest.mark.parametrize("who", ["pk-observer", "tr-officer", "sec-clerk"])
def test_the_timeline_renders_for_each_role(browsers: dict[str, TestClient], who: str) -> None:
    page = browsers[who].get("/timeline?status=closed")
    data = json.loads(data_block(page.text, "timeline-data"))
    assert {e["status"] for e in data["events"]} == {"closed"}
