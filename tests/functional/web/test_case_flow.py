"""A whole case played in the browser, every act signed there (issue 5, "Done when").

Each delegate signs in on a browser profile of its own, so each has its own device key:
heads register theirs with their key files (the CLI), officers' keys are approved by
their head on the dashboard, in the head's browser. Then a Pakistani officer lodges
with a photo, the Afghan head denies, both mediators find and rule, both parties waive
their appeal, the penalty follows, and the dashboard's rulings and compliance cell change.
The same again for a case lodged by Afghanistan, and a party is refused a body
addressed to the mediators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page

from tests.functional.web.browser import Browsing, screenshot
from tests.functional.web.conftest import SCENARIO_DIR, Demo
from tests.functional.web.delegations import (
    Delegate,
    photo_with_exif,
    register_head,
    register_officer,
)

KINDS_PLAYED = {
    "case-lodge": 1,
    "case-evidence": 1,
    "case-respond": 1,
    "case-finding": 2,
    "case-rule": 1,
    "case-waive_appeal": 2,
    "case-penalty": 1,
}


@dataclass
class Team:
    """Every delegate the cases need, each in its own browser with a registered key."""

    pk_head: Delegate
    pk_officer: Delegate
    af_head: Delegate
    af_officer: Delegate
    qa_head: Delegate
    tr_head: Delegate


@pytest.fixture(scope="module")
def team(browsing: Browsing, demo: Demo) -> Iterator[Team]:
    pk_head = register_head(browsing, demo, "PK")
    af_head = register_head(browsing, demo, "AF")
    team = Team(
        pk_head=pk_head,
        pk_officer=register_officer(browsing, demo, pk_head, "pk-officer"),
        af_head=af_head,
        af_officer=register_officer(browsing, demo, af_head, "af-officer"),
        qa_head=register_head(browsing, demo, "QA"),
        tr_head=register_head(browsing, demo, "TR"),
    )
    yield team
    assert browsing.escaped == []


def compliance_cell(page: Page, clause: str, member: str) -> str:
    """The dashboard's compliance cell of ``clause`` and ``member``."""
    table = page.locator("table.compliance")
    heads = [text.strip() for text in table.locator("thead th").all_text_contents()]
    column = heads.index(member)
    row = table.locator("tbody tr").filter(has=page.locator(f"th:has-text('{clause}')")).first
    return str(row.locator("th, td").nth(column).text_content()).strip()


def lodge(officer: Delegate, accused: str) -> tuple[int, str]:
    """Lodge an allegation through the form; the new case's id and the clause alleged."""
    officer.open("/cases/new")
    page = officer.page
    form = page.locator("form[data-act-form]")
    page.select_option("select[name='incident.type']", index=1)
    occurred = datetime.now(UTC) - timedelta(days=1)
    page.fill("input[name='incident.occurred_at']", occurred.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("select[name='incident.place.place_id']", index=1)
    page.fill("input[name='incident.killed.civilians']", "2")
    page.select_option("select[name='accused.member']", accused)
    clause = str(page.locator("select[name='clauses'] option").first.get_attribute("value"))
    page.select_option("select[name='clauses']", [clause])
    page.fill("textarea[name='narrative']", f"Shelling across the line; {accused} is accused.")
    assert form.count() == 1
    assert form.locator("input[type=file]").count() == 0
    officer.sign()
    match = re.search(r"/cases/(\d+)\?act=case\.evidence", page.url)
    assert match, page.url
    # The lodger lands on the new case with the evidence form open and a note.
    assert page.locator("[data-lodged]").is_visible()
    assert page.locator("form#act-form input[name=kind]").get_attribute("value") == "case.evidence"
    return int(match.group(1)), clause


def add_photo(delegate: Delegate, case: int, photo: bytes, reopen: bool = True) -> None:
    """The photo goes on the record as evidence, with its description."""
    if reopen:
        delegate.open(f"/cases/{case}?act=case.evidence")
    form = delegate.page.locator("form#act-form")
    form.locator("input[name='file']").set_input_files(
        {"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    form.locator("textarea[name='description']").fill("The crater, an hour after the shelling.")
    delegate.sign("form#act-form")


def act(delegate: Delegate, case: int, kind: str, fields: dict[str, str | list[str]]) -> None:
    """Open the case page's form for ``kind``, fill it, sign it in the browser."""
    delegate.open(f"/cases/{case}?act={kind}")
    page = delegate.page
    form = page.locator("form#act-form")
    assert form.locator("input[name=kind]").get_attribute("value") == kind
    for name, value in fields.items():
        field = form.locator(f"[name='{name}']").first
        tag = field.evaluate("(el) => el.tagName")
        if tag == "SELECT":
            field.select_option(value)
        else:
            field.fill(str(value))
    delegate.sign("form#act-form")
    assert f"/cases/{case}" in page.url


def receipts_verified(page: Page) -> list[str]:
    """The text of every receipt on the page, each checked by receipt.js."""
    receipts = page.locator("[data-receipt]")
    texts = receipts.all_text_contents()
    states = [receipts.nth(i).get_attribute("data-state") for i in range(receipts.count())]
    assert states, "the page shows no receipt"
    assert all(state == "ok" for state in states), texts
    return texts


def play_case(team: Team, lodger: Delegate, accused_head: Delegate) -> int:
    """Lodge, deny, investigate, two concurring findings, the ruling and the penalty."""
    case, clause = lodge(lodger, accused_head.member)
    act(accused_head, case, "case.respond", {"position": "deny", "statement": "We deny it."})
    act(team.qa_head, case, "case.investigate", {"note": "Opening an investigation."})
    finding: dict[str, str | list[str]] = {
        "outcome": "violation_confirmed",
        "violator": accused_head.member,
        "clauses": [clause],
        "reasons": "Craters and witness statements agree.",
    }
    act(team.qa_head, case, "case.finding", finding)
    act(team.tr_head, case, "case.finding", finding)
    act(team.tr_head, case, "case.rule", finding)
    lodger_head = team.pk_head if lodger.member == "PK" else team.af_head
    for head in (accused_head, lodger_head):
        act(head, case, "case.waive_appeal", {"note": "We do not appeal."})
    act(team.qa_head, case, "case.penalty", {})
    return case


def test_a_case_lodged_by_pakistan_is_played_in_the_browser(team: Team, demo: Demo) -> None:
    dashboard = team.pk_head
    taken = datetime.now(UTC) - timedelta(days=1, hours=-1)
    photo = photo_with_exif(taken, 34.02, 71.58)

    case, clause = lodge(team.pk_officer, "AF")
    add_photo(team.pk_officer, case, photo, reopen=False)
    page = team.pk_officer.page
    image = page.locator("img[src^='/evidence/']").first
    assert image.evaluate("(img) => img.complete && img.naturalWidth") == 64
    assert page.locator("text=Taken (camera)").count() == 1
    receipts_verified(page)

    dashboard.open("/")
    before = compliance_cell(dashboard.page, clause, "AF")

    act(team.af_head, case, "case.respond", {"position": "deny", "statement": "We deny it."})
    act(team.qa_head, case, "case.investigate", {"note": "Opening an investigation."})
    finding: dict[str, str | list[str]] = {
        "outcome": "violation_confirmed",
        "violator": "AF",
        "clauses": [clause],
        "reasons": "Craters and witness statements agree.",
    }
    act(team.qa_head, case, "case.finding", finding)
    act(team.tr_head, case, "case.finding", finding)
    act(team.tr_head, case, "case.rule", finding)
    # No penalty before the appeal is over, unless both parties waive it.
    for head in (team.af_head, team.pk_head):
        act(head, case, "case.waive_appeal", {"note": "We do not appeal."})
    act(team.qa_head, case, "case.penalty", {})

    # Every member's witness cosigns the newest checkpoint (truce witness).
    for member in ("pk", "af", "tr", "qa"):
        demo.truce(
            "witness",
            "--server",
            demo.base_url,
            "--key",
            str(demo.keys_dir / f"{member}-witness.key"),
            "--state",
            str(demo.workdir / f"witness-{member}"),
            "--scenario",
            str(SCENARIO_DIR),
        )

    team.pk_officer.open(f"/cases/{case}")
    page = team.pk_officer.page
    assert page.locator(".status-penalised").count() == 1
    for kind, count in KINDS_PLAYED.items():
        assert page.locator(f"li.act-{kind}").count() == count, kind
    texts = receipts_verified(page)
    assert all(text.endswith("witnessed by 4 of 4.") for text in texts), texts
    screenshot(page, "case-page")

    dashboard.open("/")
    after = compliance_cell(dashboard.page, clause, "AF")
    assert after != before, (before, after)
    assert after.startswith("Violated")
    rulings = dashboard.page.locator("table.rulings")
    row = rulings.locator("tr").filter(has=dashboard.page.locator(f"a[href='/cases/{case}']"))
    assert row.count() == 1
    assert "—" not in str(row.locator("td").nth(3).text_content())
    screenshot(dashboard.page, "dashboard")

    # The server agrees with what the pages show: the case is penalised in the API.
    token = demo.token("PK", "root")
    record = httpx.get(
        f"{demo.base_url}/api/v1/cases/{case}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert record["case"]["status"] == "penalised"


def test_a_case_lodged_by_afghanistan_is_played_in_the_browser(team: Team) -> None:
    case = play_case(team, team.af_officer, team.pk_head)
    team.af_head.open(f"/cases/{case}")
    assert team.af_head.page.locator(".status-penalised").count() == 1
    receipts_verified(team.af_head.page)
    team.af_head.open("/")
    rulings = team.af_head.page.locator("table.rulings")
    assert rulings.locator(f"a[href='/cases/{case}']").count() == 1


def test_a_party_is_refused_a_body_for_the_mediators(team: Team) -> None:
    case, _clause = lodge(team.pk_officer, "AF")
    team.qa_head.open(f"/cases/{case}?act=case.evidence")
    form = team.qa_head.page.locator("form#act-form")
    form.locator("input[name='file']").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"Mediators' site notes.\n"}
    )
    form.locator("textarea[name='description']").fill("Site notes for the mediators.")
    form.locator("select[name='audience']").select_option("mediators")
    team.qa_head.sign("form#act-form")

    evidence = "li.act-case-evidence"
    team.tr_head.open(f"/cases/{case}")
    assert "Site notes for the mediators." in str(team.tr_head.page.text_content(evidence))
    for party in (team.af_head, team.pk_officer):
        party.open(f"/cases/{case}")
        item = party.page.locator(evidence)
        assert item.locator(".withheld").count() == 1
        assert "Site notes" not in str(item.text_content())
        # The receipt is still checked: the act is in the log, only its body is withheld.
        assert item.locator("[data-receipt]").get_attribute("data-state") == "ok"


def test_field_errors_show_beside_their_fields(team: Team) -> None:
    """The server's messages appear next to the fields, announced and focused."""
    officer = team.pk_officer
    officer.open("/cases/new")
    page = officer.page
    page.fill("textarea[name='narrative']", "")
    page.fill("input[name='incident.killed.civilians']", "-3")
    page.locator("form[data-act-form] button[type=submit]").click()
    page.wait_for_selector("[data-error-for='narrative']:not([hidden])")
    field = page.locator("textarea[name='narrative']")
    assert field.get_attribute("aria-invalid") == "true"
    message = page.locator("[data-error-for='narrative']")
    assert str(message.get_attribute("id")) in str(field.get_attribute("aria-describedby"))
    assert str(message.text_content()).strip()
    civilians = page.locator("input[name='incident.killed.civilians']")
    assert civilians.get_attribute("aria-invalid") == "true"
    # Focus goes to the first field in error, in the form's order.
    invalid = page.locator("form[data-act-form] [aria-invalid='true']")
    first = invalid.first.get_attribute("name")
    assert page.evaluate("() => document.activeElement.name") == first
    problem = page.locator("form[data-act-form] [data-form-error]")
    assert problem.is_visible()
    # Corrected, the message goes away when the form is sent again.
    page.fill("input[name='incident.killed.civilians']", "1")
    page.locator("form[data-act-form] button[type=submit]").click()
    page.wait_for_selector(
        "[data-error-for='incident.killed.civilians']", state="hidden", timeout=30_000
    )
    assert civilians.get_attribute("aria-invalid") is None


def test_an_act_is_signed_with_the_keyboard_alone(team: Team) -> None:
    """Tab to the field, type, tab to the button, press Enter: the act is recorded."""
    case, _clause = lodge(team.pk_officer, "AF")
    head = team.pk_head
    head.open(f"/cases/{case}?act=case.withdraw")
    page = head.page

    def tab_to(selector: str) -> None:
        for _ in range(300):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("form#act-form textarea[name=note]")
    page.keyboard.type("Withdrawn: the incident was on our side of the line.")
    tab_to("form#act-form input[name=understood]")  # a withdrawal cannot be undone
    page.keyboard.press("Space")
    assert page.locator("form#act-form input[name=understood]").is_checked()
    tab_to("form#act-form button[type=submit]")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    before = page.url
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != before)
    head.open(f"/cases/{case}")
    assert page.locator(".status-withdrawn").count() == 1
    assert page.locator("li.act-case-withdraw").count() == 1
