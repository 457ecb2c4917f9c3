"""The export links in the browser: they follow the map's filters as they change, and
the file they download opens in pandas. With screenshots of the list and the map."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import Page

from tests.functional.web.browser import Browsing, goto, screenshot, sign_in
from tests.functional.web.conftest import Demo
from truce.exports.acled import ACLED_COLUMNS


@pytest.fixture(scope="module")
def analyst(browsing: Browsing, demo: Demo) -> Iterator[Page]:
    """An Afghan officer signed in."""
    page = browsing.page()
    sign_in(page, demo, "AF", "af-officer")
    yield page
    page.context.close()


def test_the_case_list_downloads_its_cases(analyst: Page) -> None:
    goto(analyst, "/cases?type=shelling")
    shown = analyst.locator("table th[scope=row] a[href^='/cases/']").count()
    links = analyst.locator(".export-links a")
    assert links.count() == 3
    screenshot(analyst, "cases-export-links", full_page=False)
    with analyst.expect_download() as started:
        links.first.click()
    path = started.value.path()
    frame = pd.read_csv(path)
    assert tuple(frame.columns[:31]) == ACLED_COLUMNS
    assert len(frame) == shown
    assert set(frame["sub_event_type"]) == {"Shelling/artillery/missile attack"}


def test_the_maps_links_follow_its_filters(analyst: Page) -> None:
    goto(analyst, "/map")
    analyst.wait_for_selector("#map[data-ready='true']")
    everything = int(str(analyst.get_attribute("#map", "data-incidents")))
    form = analyst.locator("form[data-map-filters]")
    form.locator("select[name=type]").select_option("armed_clash")
    analyst.wait_for_function(
        "(n) => document.querySelector('#map').dataset.incidents !== String(n)"
        " && !document.querySelector('#map').hasAttribute('aria-busy')",
        arg=everything,
    )
    hrefs = analyst.eval_on_selector_all(".export-links a", "all => all.map(a => a.href)")
    assert len(hrefs) == 3
    assert all("type=armed_clash" in href for href in hrefs), hrefs
    screenshot(analyst, "map-export-links", full_page=False)
    with analyst.expect_download() as started:
        analyst.locator(".export-links a").nth(1).click()
    content = started.value.path().read_text(encoding="utf-8")
    assert '"armed_clash"' not in content  # the truce type is mapped to ACLED's words
    assert '"Armed clash"' in content
