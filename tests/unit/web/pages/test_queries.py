"""The shared filters, and counting that stops at the cap."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.unit.web.pages.conftest import Demo
from tests.unit.web.pages.test_cases import case_ids
from truce.errors import InputError
from truce.web.pages import queries
from truce.web.pages.queries import Filters, parse_filters


def test_filters_read_back_from_their_query() -> None:
    filters = Filters(
        date_from=date(2025, 10, 15), date_to=date(2025, 10, 30), type="shelling",
        member="PK", accused="AF", status=("closed", "ruled"), clause="C4",
        bbox=(69.0, 33.5, 72.0, 35.0),
    )  # fmt: skip
    query = filters.query()
    pairs = [tuple(part.split("=", 1)) for part in query.split("&")]
    single = {name: value.replace("%2C", ",") for name, value in pairs if name != "status"}
    statuses = [value for name, value in pairs if name == "status"]
    assert parse_filters(single, statuses) == filters
    assert Filters().query() == ""
    assert not Filters().active
    assert filters.active


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "10,0,5,1"}, "bbox"),
        ({"member": "P K"}, "member"),
        ({"type": "Drop Table"}, "type"),
    ],
)
def test_bad_filters_name_their_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_filters(params)
    assert caught.value.field == field


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_filters({}, ["lost"])
    assert caught.value.field == "status"


def test_counting_stops_at_the_cap(
    demo: Demo, browsers: dict[str, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    browser = browsers["tr-head"]
    first = browser.get("/cases").text
    assert "More than 3 cases" in first
    assert len(case_ids(first)) == 2
    assert re.search(r'rel="next"', first)
    pages = [case_ids(browser.get(f"/cases?page={n}").text) for n in range(1, 8)]
    assert pages[-1] == []
    monkeypatch.setattr(queries, "PAGE_SIZE", 50)
    everything = case_ids(browser.get("/cases").text)
    assert len(everything) > 3
    assert [case for page in pages for case in page] == everything
