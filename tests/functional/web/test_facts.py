"""Facts as a delegate types and reads them in the browser, from both parties' side: the
time is typed in the local time of the place chosen, with that zone named beside the
field, and signed in UTC; the figures are the lodger's claim, attackers apart from
victims; a photo's camera time without a zone is shown as a camera clock."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.functional.web.browser import screenshot
from tests.functional.web.delegations import Delegate, photo_with_exif
from tests.functional.web.test_case_flow import Team, add_photo, team

__all__ = ["team"]

#: (lodger, accused, its member's zone hint, the place, its zone hint, the UTC time signed
#: for 09:30 typed there)
SIDES = [
    ("pk_officer", "AF", "Time in Asia/Karachi (UTC+05:00)", "kabul",
     "Time in Asia/Kabul (UTC+04:30)", "2025-11-06T05:00:00Z"),
    ("af_officer", "PK", "Time in Asia/Kabul (UTC+04:30)", "torkham",
     "Time in Asia/Karachi (UTC+05:00)", "2025-11-06T04:30:00Z"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "accused", "own", "place", "there", "signed"), SIDES)
def test_a_time_is_typed_in_the_places_zone_and_the_photo_keeps_its_camera_clock(
    team: Team, who: str, accused: str, own: str, place: str, there: str, signed: str
) -> None:
    officer: Delegate = getattr(team, who)
    officer.open("/cases/new")
    page = officer.page
    hint = page.locator("#field-incident-occurred_at-hint")
    assert hint.text_content() == own
    page.select_option("select[name='incident.place.place_id']", place)
    assert hint.text_content() == there
    page.select_option("select[name='incident.place.place_id']", "")
    assert hint.text_content() == own
    page.select_option("select[name='incident.place.place_id']", place)
    page.select_option("select[name='incident.type']", "attack_on_post")
    page.fill("input[name='incident.occurred_at']", "2025-11-06T09:30")
    page.fill("input[name='incident.killed.police_levies']", "4")
    page.fill("input[name='incident.killed.militants']", "19")
    page.fill("input[name='incident.missing.civilians']", "2")
    page.select_option("select[name='accused.member']", accused)
    page.select_option("select[name='clauses']", ["C4"])
    page.fill("textarea[name='narrative']", "A post was attacked before dawn.")
    page.locator("fieldset:has(#field-incident-occurred_at)").evaluate(
        "(set) => set.scrollIntoView({block: 'start'})"
    )
    screenshot(page, f"lodge-local-time-{who[:2]}", full_page=False)
    officer.sign()
    match = re.search(r"/cases/(\d+)\?act=case\.evidence", page.url)
    assert match, page.url
    case = int(match.group(1))

    facts = page.locator("dl.facts:has(dd[data-harm])").first
    assert facts.locator("time").first.get_attribute("datetime") == signed
    killed = facts.locator("dd[data-harm='killed']")
    assert killed.locator(".victims").text_content() == "Victims — Police and levies: 4"
    assert killed.locator(".attackers").text_content() == "Attackers — Militants or attackers: 19"
    assert facts.locator("dd[data-harm='missing']").text_content() == "Victims — Civilians: 2"

    add_photo(officer, case, photo_with_exif(datetime(2025, 11, 6, 9, 45), 34.1, 71.1), False)
    camera = page.locator("[data-camera-time]").first
    assert " ".join(str(camera.text_content()).split()) == (
        "2025-11-06 09:45 (camera clock, no time zone)"
    )
    camera.scroll_into_view_if_needed()
    screenshot(page, f"camera-clock-{who[:2]}", full_page=False)

    officer.open("/cases")
    row = page.locator(f"tr:has(a[href='/cases/{case}'])")
    cell = row.locator("td.killed")
    assert cell.locator(".victims").text_content() == "victims: 4"
    assert cell.locator(".attackers").text_content() == "attackers: 19"
