"""Due process in the browser, from both parties' side: what each delegation sees of the
same record. Each test saves screenshots (test-output/screenshots/due-process-*.png)."""

from __future__ import annotations

import re

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
