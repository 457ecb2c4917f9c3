"""The Reports page: a delegate chooses a period and a language, reads the report in
the layout and downloads its PDF; a wrong date is said next to its field."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.demo_pages import Demo
from tests.unit.web_app import parse_page
from truce.reports.embedded import read_data


def test_the_reports_page_offers_the_periods_and_languages(
    browsers: dict[str, TestClient],
) -> None:
    page = browsers["af-officer"].get("/reports")
    assert page.status_code == 200
    names = {field.get("name") for form in parse_page(page.text).forms for field in form["fields"]}
    assert {"kind", "day", "from", "to", "lang"} <= names
    assert 'href="/reports"' in page.text  # the navigation names the page


def test_a_week_is_shown_in_the_chosen_language_right_to_left(
    browsers: dict[str, TestClient],
) -> None:
    page = browsers["pk-officer"].get("/reports", params={"kind": "weekly", "day": "2025-11-06",
                                                          "lang": "ur"})  # fmt: skip
    assert page.status_code == 200
    assert '<article class="report" lang="ur" dir="rtl">' in page.text
    assert "ہفتہ وار رپورٹ" in page.text  # "Weekly report"
    assert "data:image/svg+xml;base64," in page.text
    assert "/reports/pdf?kind=weekly&amp;day=2025-11-06&amp;lang=ur" in page.text


def test_the_pdf_link_downloads_the_report_with_its_data(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    browser = browsers["tr-head"]
    answer = browser.get("/reports/pdf", params={"kind": "weekly", "day": "2025-11-06",
                                                 "lang": "ar"})  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert 'filename="report-weekly-2025-11-06-ar.pdf"' in answer.headers["content-disposition"]
    client = TestClient(browser.app)
    client.headers["Authorization"] = f"Bearer {demo.token('tr-head')}"
    data = client.get("/api/v1/reports/weekly", params={"day": "2025-11-06"})
    assert read_data(answer.content) == data.content


def test_a_wrong_date_is_said_next_to_its_field(browsers: dict[str, TestClient]) -> None:
    browser = browsers["af-officer"]
    reversed_range = browser.get(
        "/reports", params={"kind": "range", "from": "2025-11-06", "to": "2025-11-01"}
    )
    assert reversed_range.status_code == 200
    assert 'data-error-for="to">The last day comes before the first.</p>' in reversed_range.text
    assert 'class="report"' not in reversed_range.text
    impossible = browser.get("/reports", params={"kind": "daily", "day": "2025-02-30"})
    assert 'data-error-for="day">Write an existing day as 2025-11-05.</p>' in impossible.text


def test_the_page_needs_a_session(demo: Demo) -> None:
    anonymous = TestClient(demo.browser("af-officer").app, follow_redirects=False)
    answer = anonymous.get("/reports", headers={"accept": "text/html"})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin")
