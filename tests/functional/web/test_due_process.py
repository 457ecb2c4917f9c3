"""Due process in the browser, from both parties' side: what each delegation sees of the
same record. Each test saves screenshots (test-output/screenshots/due-process-*.png)."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page

from tests.functional.web.browser import Browsing, goto, screenshot, sign_in
from tests.functional.web.conftest import Demo


def _table(page: Page) -> list[tuple[str, list[int]]]:
    """The compliance table as figures: each cell's standing and the numbers in it."""
    cells = page.locator("table.compliance td").all()
    return [
        (
            str(cell.get_attribute("class")),
            [int(n) for n in re.findall(r"\d+", str(cell.text_content()))],
        )
        for cell in cells
    ]


def test_both_parties_are_shown_the_same_compliance_table(browsing: Browsing, demo: Demo) -> None:
    demo.truce(
        "lodge", "--server", demo.base_url,
        "--key", str(demo.keys_dir / "pk-officer.key"),
        "--accused", "AF", "--type", "shelling", "--at", "2025-11-06T10:30:00Z",
        "--clause", "C4", "--place", "chaman", "--killed", "civilians=1",
        "--narrative", "Mortar rounds fell on a village; addressed to AF and the mediators.",
        "--audience", "AF,TR,QA",
    )  # fmt: skip
    tables = {}
    for member, delegate, language in (("PK", "pk-officer", "ur"), ("AF", "af-officer", "ps")):
        page = browsing.page()
        sign_in(page, demo, member, delegate, language=language)
        goto(page, "/compliance")
        tables[member] = _table(page)
        left_out = page.locator("#not-counted")
        assert left_out.count() == 1, member
        assert left_out.locator("a[href^='/cases/']").count() == 1
        left_out.scroll_into_view_if_needed()
        screenshot(page, f"due-process-compliance-{member.lower()}")
        page.context.close()
    assert tables["PK"] == tables["AF"]
    assert tables["PK"], "the table has no cells"


def _kinds(page: Page) -> list[str]:
    """The thread's acts in log order, by kind (``case-lapse``, ``case-extend`` ...)."""
    classes = page.eval_on_selector_all("li.act", "all => all.map(e => e.className)")
    return [
        next(c.removeprefix("act-") for c in str(name).split() if c.startswith("act-case-"))
        for name in classes
    ]


def _case_ids(demo: Demo) -> dict[int, int]:
    """The demo's case numbers and the log index of each."""
    response = httpx.get(
        f"{demo.base_url}/api/v1/cases",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {demo.token('PK', 'pk-officer')}"},
    )
    assert response.status_code == 200, response.text
    return {case["number"]: case["id"] for case in response.json()["cases"]}


def test_each_party_reads_how_the_demos_cases_ended(browsing: Browsing, demo: Demo) -> None:
    ids = _case_ids(demo)
    pages = {}
    for member, delegate, language in (("PK", "pk-officer", "ur"), ("AF", "af-officer", "ps")):
        page = browsing.page()
        sign_in(page, demo, member, delegate, language=language)
        pages[member] = page
    # Case 9: confirmed against AF, appealed within the window, upheld, then the penalty.
    for member, page in pages.items():
        goto(page, f"/cases/{ids[9]}")
        kinds = _kinds(page)
        assert kinds.index("case-appeal") < kinds.index("case-penalty"), kinds
        assert kinds.count("case-rule") == 2, kinds
        screenshot(page, f"due-process-appeal-{member.lower()}")
    # Case 6: two split rounds, then referred to the principals.
    goto(pages["PK"], f"/cases/{ids[6]}")
    kinds = _kinds(pages["PK"])
    assert "case-new_round" in kinds, kinds
    assert kinds[-1] == "case-refer", kinds
    assert pages["PK"].locator(".status-referred").count() == 1
    screenshot(pages["PK"], "due-process-referred-pk")
    # Case 8: AF's response deadline lapsed, a mediator gave leave, AF answered in time.
    goto(pages["AF"], f"/cases/{ids[8]}")
    kinds = _kinds(pages["AF"])
    lapse, leave = kinds.index("case-lapse"), kinds.index("case-extend")
    assert lapse < leave, kinds
    assert "case-respond" in kinds[leave:], kinds  # the case was lodged by PK's response
    screenshot(pages["AF"], "due-process-late-filing-af")
    # Case 3: not substantiated, closed once the appeal window had closed.
    goto(pages["PK"], f"/cases/{ids[3]}")
    assert pages["PK"].locator(".status-closed").count() == 1
    screenshot(pages["PK"], "due-process-not-substantiated-pk")
    # The case list says where each open case stands, in the reader's words.
    goto(pages["AF"], "/cases")
    screenshot(pages["AF"], "due-process-case-list-af")
    for page in pages.values():
        page.context.close()
