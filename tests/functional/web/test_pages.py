"""Every page in the browser: offline map, timeline, right-to-left, phone width,
keyboard-only use, and axe-core (no serious or critical violation)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from babel.dates import format_time
from playwright.sync_api import BrowserContext, Page

from tests.functional.web.browser import (
    PHONE,
    Browsing,
    axe_violations,
    goto,
    ready,
    screenshot,
    sign_in,
)
from tests.functional.web.conftest import Demo

PAGES = (
    "/",
    "/cases",
    "/cases/{first}",
    "/cases/new",
    "/map",
    "/timeline",
    "/compliance",
    "/crossings",
    "/joint-actions",
    "/search?q=Kurram",
    "/log",
    "/media",
    "/media/clusters/{cluster}",
)


@pytest.fixture(scope="module")
def officer(browsing: Browsing, demo: Demo) -> Iterator[Page]:
    """A Pakistani officer signed in (its device key requested, not yet approved)."""
    page = browsing.page()
    sign_in(page, demo, "PK", "pk-officer")
    yield page
    page.context.close()


def resolve(page: Page, path: str) -> str:
    """``path`` with ``{first}`` replaced by the id of the first case the list shows, and
    ``{cluster}`` by the first cluster of press reports."""
    if "{cluster}" in path:
        goto(page, "/media")
        href = str(page.locator("a[href^='/media/clusters/']").first.get_attribute("href"))
        return path.replace("/media/clusters/{cluster}", href)
    if "{first}" not in path:
        return path
    goto(page, "/cases")
    href = str(page.locator("table a[href^='/cases/']").first.get_attribute("href"))
    return path.replace("/cases/{first}", href)


def data_block(page: Page, block: str) -> Any:
    return json.loads(str(page.text_content(f"#{block}")))


def test_the_map_shows_incidents_and_crossings_with_the_network_closed(
    browsing: Browsing, officer: Page
) -> None:
    requested: list[str] = []
    officer.on("request", lambda request: requested.append(request.url))
    goto(officer, "/map")
    officer.wait_for_selector("#map[data-ready='true']")
    data = data_block(officer, "map-data")
    located = [i for i in data["incidents"] if i["lat"] is not None and i["lon"] is not None]
    assert located, "the demo has incidents with a position"
    assert officer.get_attribute("#map", "data-incidents") == str(len(located))
    # Every incident is on the map: as a marker, or counted in a cluster.
    shown = officer.evaluate(
        """() => {
             const markers = document.querySelectorAll('.incident-icon:not(.swatch)').length;
             const clustered = Array.from(document.querySelectorAll('.incident-cluster span'))
               .reduce((sum, el) => sum + Number(el.textContent), 0);
             return markers + clustered;
           }"""
    )
    assert shown == len(located)
    crossings = [c for c in data["crossings"] if c["lat"] is not None]
    assert crossings, "the demo has crossings"
    assert officer.locator(".crossing-icon").count() == len(crossings)
    # A crossing nobody has reported on says so, in words and in its icon.
    unreported = [c for c in crossings if c["trade"] is None]
    assert unreported, "the demo has a crossing with no report"
    titles = officer.eval_on_selector_all(".crossing-icon", "all => all.map(e => e.title)")
    assert not [title for title in titles if "null" in title or "undefined" in title], titles
    assert sum("no report" in title for title in titles) == len(unreported), titles
    assert officer.locator(".crossing-icon .level-unreported").count() == 2 * len(unreported)
    assert officer.locator("path.country-pk").count() == 1
    assert officer.locator("path.country-af").count() == 1
    assert officer.locator("path.border-pk-af").count() == 1
    assert officer.locator(".map-legend").count() == 1
    screenshot(officer, "map")
    hosts = {url.split("/")[2] for url in requested if url.startswith("http")}
    assert hosts == {officer.url.split("/")[2]}
    assert browsing.escaped == []


def test_map_filters_redraw_the_map_and_keep_the_url(officer: Page) -> None:
    goto(officer, "/map")
    officer.wait_for_selector("#map[data-ready='true']")
    everything = int(str(officer.get_attribute("#map", "data-incidents")))
    form = officer.locator("form[data-map-filters]")
    kind = form.locator("select[name=type] option").nth(1).get_attribute("value")
    assert kind
    form.locator("select[name=type]").select_option(kind)
    officer.wait_for_function(
        "(n) => document.querySelector('#map').dataset.incidents !== String(n)"
        " && !document.querySelector('#map').hasAttribute('aria-busy')",
        arg=everything,
    )
    assert f"type={kind}" in officer.url
    assert f"type={kind}" in str(officer.get_attribute("a[data-map-list-link]", "href"))
    assert int(str(officer.get_attribute("#map", "data-incidents"))) < everything


def test_the_timeline_is_an_image_with_a_table_for_screen_readers(officer: Page) -> None:
    goto(officer, "/timeline")
    chart = officer.locator("[data-timeline] svg[role=img]")
    assert chart.count() == 1
    assert chart.locator("#timeline-title").text_content()
    assert chart.locator("#timeline-desc").text_content()
    data = data_block(officer, "timeline-data")
    labels = chart.locator(".truces text").all_text_contents()
    assert labels == [marker["label"] for marker in data["markers"]]
    assert len(labels) == 3
    table = officer.locator("table[data-timeline-table]")
    assert table.count() == 1
    assert "visually-hidden" in str(table.get_attribute("class"))
    screenshot(officer, "timeline")


def test_an_urdu_page_is_laid_out_right_to_left(browsing: Browsing, demo: Demo) -> None:
    page = browsing.page()
    sign_in(page, demo, "PK", "pk-observer")
    with page.expect_navigation():
        page.select_option("form.language-switch select", "ur")
    ready(page)
    assert page.get_attribute("html", "lang") == "ur"
    assert page.get_attribute("html", "dir") == "rtl"
    # Right to left: the heading's text hugs the right edge of the content, and the
    # site's name starts at the right edge of the page.
    text, box = page.evaluate(
        """() => {
             const h1 = document.querySelector("main h1");
             const range = document.createRange();
             range.selectNodeContents(h1);
             const text = range.getBoundingClientRect();
             const box = h1.getBoundingClientRect();
             return [[text.left, text.right], [box.left, box.right]];
           }"""
    )
    assert box[1] - text[1] < 2
    assert text[0] - box[0] > 100
    name = page.locator(".site-name").bounding_box()
    assert name is not None
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert width - (name["x"] + name["width"]) < 40
    assert "پاکستان" in str(page.text_content("main h1"))  # the member, in Urdu
    screenshot(page, "rtl-dashboard")
    goto(page, "/map")
    page.wait_for_selector("#map[data-ready='true']")
    crossings = {c["place_id"]: c["name"] for c in data_block(page, "map-data")["crossings"]}
    assert crossings["torkham"] == "طورخم (PK) / طورخم (AF)"  # both sides of the crossing
    titles = page.eval_on_selector_all(".crossing-icon", "all => all.map(e => e.title)")
    assert any(title.startswith("طورخم (PK) / طورخم (AF):") for title in titles), titles
    assert "جلال آباد" in page.locator(".place-label").all_text_contents()
    screenshot(page, "rtl-map")
    assert axe_violations(page) == []
    page.context.close()


@pytest.mark.parametrize("language", ["ur", "ar", "ps", "prs"])
def test_dates_read_in_order_in_right_to_left_languages(
    browsing: Browsing, demo: Demo, language: str
) -> None:
    page = browsing.page()
    sign_in(page, demo, "PK", "pk-observer")
    with page.expect_navigation():
        page.select_option("form.language-switch select", language)
    goto(page, "/cases")
    moment = page.locator("table bdi.moment").first
    # The date comes first, on the right; the time with its zone is one unbroken run
    # (not split by the bidirectional algorithm around the digits), to the date's left
    # or on the next line.
    date, clock, runs = moment.evaluate(
        """(element) => {
             const range = document.createRange();
             range.selectNodeContents(element.firstChild);
             const date = range.getBoundingClientRect();
             const time = element.querySelector("bdi");
             const clock = time.getBoundingClientRect();
             return [[date.left, date.right, date.bottom],
                     [clock.left, clock.right, clock.top],
                     new Set([...time.getClientRects()].map((r) => Math.round(r.top))).size];
           }"""
    )
    moment.scroll_into_view_if_needed()
    screenshot(page, f"rtl-dates-{language}", full_page=False)
    assert runs == 1  # one line
    assert clock[1] <= date[0] + 1 or clock[2] >= date[2] - 1, (date, clock)
    text = str(moment.text_content())
    # The zone is named as the reader's locale names it (CLDR's short zone name: "UTC"
    # in Urdu, "التوقيت العالمي" in Arabic since CLDR 47), never left out.
    assert utc_name(language) in text, text
    assert "2025" in text or "۲۰۲۵" in text or "٢٠٢٥" in text
    page.context.close()


def utc_name(language: str) -> str:
    """UTC as the language's CLDR data names it in a time of the ``long`` style."""
    locale = {"prs": "fa_AF"}.get(language, language)
    return format_time(datetime(2025, 1, 1, tzinfo=UTC), "z", tzinfo=UTC, locale=locale)


def phone_context(browsing: Browsing, demo: Demo) -> BrowserContext:
    context = browsing.context(viewport=PHONE)
    page = browsing.page(context)
    sign_in(page, demo, "AF", "af-officer")
    return context


def test_every_page_fits_a_phone(browsing: Browsing, demo: Demo) -> None:
    context = phone_context(browsing, demo)
    page = context.pages[0]
    too_wide = {}
    violations = {}
    for path in PAGES:
        goto(page, resolve(page, path))
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
        found = axe_violations(page)
        if found:
            violations[path] = found
    goto(page, "/")
    screenshot(page, "phone-dashboard")
    goto(page, resolve(page, "/cases/{first}"))
    screenshot(page, "phone-case")
    context.close()
    assert too_wide == {}
    assert violations == {}


def test_a_form_is_usable_with_the_keyboard_alone(browsing: Browsing, demo: Demo) -> None:
    page = browsing.page()
    page.goto("/signin")
    ready(page)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    focused_outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert focused_outline != "none"
    page.focus("select[name=member]")
    page.keyboard.press("End")
    page.keyboard.press("Home")
    for _ in range(10):
        if page.evaluate("() => document.activeElement.value") == "AF":
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.value") == "AF"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "delegate"
    page.keyboard.type("af-observer")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "password"
    page.keyboard.type(demo.password("AF", "af-observer"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ready(page)
    assert "/signin" not in page.url
    # The skip link takes the keyboard straight to the content.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'main'")
    page.context.close()


@pytest.mark.parametrize("path", [*PAGES, "/signin"])
def test_no_serious_accessibility_violation(officer: Page, path: str) -> None:
    goto(officer, resolve(officer, path))
    if path == "/map":
        officer.wait_for_selector("#map[data-ready='true']")
    assert axe_violations(officer) == []


def test_no_script_error_on_any_page(browsing: Browsing) -> None:
    """No script error, no refused resource, no Content-Security-Policy violation."""
    assert sorted(set(browsing.problems)) == []
