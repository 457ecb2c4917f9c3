"""Neutral by construction, in the browser: each delegation reads its own language, the
map's boundary takes no position, and who accuses whom reads right in every script."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.functional.web.browser import Browsing, goto, ready, screenshot, sign_in
from tests.functional.web.conftest import Demo


@pytest.mark.parametrize(
    ("member", "delegate", "language"),
    [("AF", "af-officer", "ps"), ("PK", "pk-officer", "ur"), ("QA", "qa-officer", "ar")],
)
def test_a_delegate_reads_its_members_first_language_after_sign_in(
    browsing: Browsing, demo: Demo, member: str, delegate: str, language: str
) -> None:
    page = browsing.page()
    sign_in(page, demo, member, delegate, language=None)
    assert page.get_attribute("html", "lang") == language
    assert page.get_attribute("html", "dir") == "rtl"
    screenshot(page, f"neutral-signed-in-{language}", full_page=False)
    page.context.close()


def test_the_reader_may_choose_english_before_signing_in(browsing: Browsing, demo: Demo) -> None:
    page = browsing.page()
    sign_in(page, demo, "AF", "af-observer", language="en")
    assert page.get_attribute("html", "lang") == "en"
    goto(page, "/cases")
    assert page.get_attribute("html", "lang") == "en"
    page.context.close()


def test_the_map_draws_the_boundary_dashed_and_says_it_takes_no_position(
    browsing: Browsing, demo: Demo
) -> None:
    page = browsing.page()
    sign_in(page, demo, "QA", "qa-observer", language=None)
    goto(page, "/map")
    page.wait_for_selector("#map[data-ready='true']")
    dashes = page.eval_on_selector(
        "path.border-pk-af", "(path) => getComputedStyle(path).strokeDasharray"
    )
    assert dashes not in ("", "none"), dashes
    note = page.locator("#map-boundary-note")
    assert note.is_visible()
    assert "لا تعني الحدود" in str(note.text_content())
    credits = str(page.text_content(".leaflet-control-attribution"))
    assert str(note.text_content()).strip() in credits
    screenshot(page, "neutral-map-ar")
    page.emulate_media(media="print")
    assert note.is_visible()  # a printed map carries the note
    screenshot(page, "neutral-map-ar-print")
    page.context.close()


def test_who_accuses_whom_reads_in_words_in_urdu(browsing: Browsing, demo: Demo) -> None:
    page = browsing.page()
    sign_in(page, demo, "PK", "pk-observer", language=None)
    goto(page, "/search?q=Kurram")
    results = page.locator("ol.results p.result-facts").all_text_contents()
    assert results
    for line in results:
        assert "→" not in line
        assert "←" not in line
        assert " کی جانب سے " in line
        assert " کے خلاف" in line
    screenshot(page, "neutral-search-ur")
    goto(page, "/compliance")
    ready(page)
    readings = page.locator("#clause-C2 + dd .reading").all_text_contents()
    assert any("افغانستان کی تشریح:" in reading for reading in readings), readings
    assert any("پاکستان کی تشریح:" in reading for reading in readings), readings
    page.locator("#clauses").scroll_into_view_if_needed()
    screenshot(page, "neutral-clause-readings-ur", full_page=False)
    page.context.close()


def test_a_crossing_the_parties_report_differently_is_shown_as_a_dispute(
    browsing: Browsing, demo: Demo
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    body = demo.workdir / "spin-boldak-open.json"
    body.write_text(
        json.dumps({
            "crossing": "chaman-spin-boldak", "trade": "open", "people": "open",
            "stranded_trucks": 0, "reason": "Open on the Afghan side.",
            "effective_at": (now - timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        }),
        encoding="utf-8",
    )  # fmt: skip
    demo.truce(
        "act", "crossing.status", "--body", str(body), "--server", demo.base_url,
        "--key", str(demo.keys_dir / "af-officer.key"),
    )  # fmt: skip
    for member, delegate in (("PK", "pk-observer"), ("AF", "af-observer")):
        page = browsing.page()
        sign_in(page, demo, member, delegate)
        goto(page, "/crossings")
        row = page.locator("tr", has=page.locator("a[href='/crossings/chaman-spin-boldak']"))
        text = " ".join(str(row.text_content()).split())
        assert "Chaman (PK) / Spin Boldak (AF)" in text
        assert "Disputed: PK reports closed; AF reports open" in text
        assert "open to trade for" not in text  # no one side's run as the crossing's
        screenshot(page, f"neutral-crossings-dispute-{member.lower()}", full_page=False)
        page.context.close()
