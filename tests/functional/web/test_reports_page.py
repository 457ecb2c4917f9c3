"""The Reports page in the browser: a week of the demo in Urdu, right to left, with its
charts and map, and a reversed range refused next to its field. Screenshots:
test-output/screenshots/reports-*.png."""

from __future__ import annotations

from tests.functional.web.browser import axe_violations, goto, screenshot, sign_in
from tests.functional.web.conftest import Browsing, Demo


def test_a_week_in_urdu_and_a_reversed_range(browsing: Browsing, demo: Demo) -> None:
    page = browsing.page()
    sign_in(page, demo, "TR", "tr-officer")
    goto(page, "/reports?kind=weekly&day=2025-11-06&lang=ur")
    report = page.locator("article.report")
    assert report.get_attribute("dir") == "rtl"
    assert report.locator("h1").text_content() == "ہفتہ وار رپورٹ"
    charts = report.locator("figure img")
    assert charts.count() == 3
    for index in range(3):
        width = charts.nth(index).evaluate("(img) => img.naturalWidth")
        assert width > 0, "a chart did not load"
    title = report.locator("h1").bounding_box()
    body = report.bounding_box()
    assert title is not None
    assert body is not None
    assert title["x"] + title["width"] > body["x"] + body["width"] * 0.9  # at the right
    screenshot(page, "reports-weekly-ur", full_page=False)
    report.locator("#incidents").scroll_into_view_if_needed()
    screenshot(page, "reports-weekly-ur-incidents", full_page=False)
    assert axe_violations(page) == []

    goto(page, "/reports?kind=range&from=2025-11-06&to=2025-11-01&lang=en")
    error = page.locator("[data-error-for='to']")
    assert error.is_visible()
    assert error.text_content() == "The last day comes before the first."
    screenshot(page, "reports-reversed-range", full_page=False)
