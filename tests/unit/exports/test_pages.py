"""The export links of the case list and the map, and the files they lead to."""

from __future__ import annotations

import html
import io
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.unit.demo_pages import SECRET_LODGE, Demo
from truce.exports.acled import ACLED_COLUMNS


def export_links(page: str) -> list[str]:
    """The export links of a page, as their addresses."""
    return [
        html.unescape(found) for found in re.findall(r'href="(/exports/incidents\.[^"]+)"', page)
    ]


@pytest.mark.parametrize("path", ["/cases", "/map"])
def test_the_links_carry_the_pages_filters(browsers: dict[str, TestClient], path: str) -> None:
    page = browsers["pk-officer"].get(f"{path}?type=shelling&status=closed&status=ruled")
    assert page.status_code == 200
    links = export_links(page.text)
    assert [link.split("?")[0] for link in links] == [
        "/exports/incidents.csv", "/exports/incidents.geojson", "/exports/incidents.kml",
    ]  # fmt: skip
    for link in links:
        assert link.endswith("?type=shelling&status=closed&status=ruled"), link


@pytest.mark.parametrize("who", ["pk-officer", "af-head", "tr-head", "qa-head"])
def test_the_linked_file_is_the_apis_for_the_same_reader(
    demo: Demo, browsers: dict[str, TestClient], who: str
) -> None:
    browser = browsers[who]
    from_page = browser.get("/exports/incidents.csv")
    from_api = browser.get(
        "/api/v1/exports/incidents.csv", headers={"Authorization": f"Bearer {demo.token(who)}"}
    )
    assert from_page.status_code == from_api.status_code == 200
    assert from_page.content == from_api.content
    frame = pd.read_csv(io.BytesIO(from_page.content))
    assert tuple(frame.columns[:31]) == ACLED_COLUMNS
    listed = browser.get(
        "/api/v1/cases", headers={"Authorization": f"Bearer {demo.token(who)}"}
    ).json()
    assert set(frame["log_index"]) == {case["id"] for case in listed["cases"]}
    assert (demo.secret_case in set(frame["log_index"])) == (who != "qa-head")
    assert (SECRET_LODGE in from_page.text) == (who != "qa-head")


def test_a_bad_filter_or_format_is_refused(browsers: dict[str, TestClient]) -> None:
    browser = browsers["pk-officer"]
    assert browser.get("/exports/incidents.kml?from=2025-02-30").status_code == 400
    assert browser.get("/exports/incidents.xlsx").status_code == 404


def test_without_a_session_there_is_no_file(demo: Demo) -> None:
    from truce.app import create_app

    anonymous = TestClient(create_app(demo.settings), follow_redirects=False)
    answer = anonymous.get("/exports/incidents.csv")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin?next=")
