"""A fresh demo, walked page by page for each role (issue 16, point 5): no page shows
"null", "None", "undefined" or "NaN" (in its text once the scripts have run, or in a
title or label a screen reader reads), no list offers the same entry twice, and the
press page has clusters, from the reports ``truce init --demo`` stores.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.functional.web.browser import Browsing, goto, screenshot, sign_in
from tests.functional.web.conftest import Demo

#: Each role of both parties, a mediator's and the secretariat (member, delegate).
ROLES = (
    ("PK", "root"),
    ("PK", "pk-officer"),
    ("AF", "root"),
    ("AF", "af-officer"),
    ("TR", "root"),
    ("QA", "qa-officer"),
    ("SEC", "sec-clerk"),
)
PAGES = (
    "/",
    "/cases",
    "/cases/new",
    "/map",
    "/timeline",
    "/compliance",
    "/crossings",
    "/joint-actions",
    "/media",
    "/log",
    "/search",
    "/keys/enrol",
)
MISSING = re.compile(r"\b(null|None|undefined|NaN)\b")

#: Every label a page shows or names, once its scripts have run.
_SHOWN = """() => {
  const text = [document.body.innerText];
  for (const element of document.querySelectorAll("[title], [aria-label], [alt]")) {
    for (const name of ["title", "aria-label", "alt"]) {
      const value = element.getAttribute(name);
      if (value) text.push(value);
    }
  }
  return text.join("\\n");
}"""
#: Each list's entries: a select's options by their group, a datalist's.
_LISTS = """() => Array.from(document.querySelectorAll("select, datalist")).map((list) => ({
  name: list.name || list.id,
  entries: Array.from(list.querySelectorAll("option")).map((option) =>
    `${option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : ""}|${
      option.textContent.trim()}`),
}))"""


@pytest.mark.parametrize(("member", "delegate"), ROLES)
def test_no_page_of_the_demo_shows_a_missing_value_or_a_list_entry_twice(
    browsing: Browsing, demo: Demo, member: str, delegate: str
) -> None:
    page = browsing.page()
    sign_in(page, demo, member, delegate)
    found: list[str] = []
    for path in PAGES:
        if path == "/cases/new" and member in ("TR", "QA", "SEC"):
            continue  # only a party lodges
        goto(page, path)
        shown = page.evaluate(_SHOWN)
        for match in MISSING.finditer(shown):
            context = shown[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
            found.append(f"{path}: {context!r}")
        for listed in page.evaluate(_LISTS):
            twice = [entry for entry, n in Counter(listed["entries"]).items() if n > 1 and entry]
            if twice:
                found.append(f"{path}: {listed['name']} lists twice {twice}")
    assert found == [], f"{member}/{delegate}:\n" + "\n".join(found)
    page.context.close()


def test_the_demos_press_page_has_clusters_from_the_seed_reports(
    browsing: Browsing, demo: Demo
) -> None:
    page = browsing.page()
    sign_in(page, demo, "PK", "pk-officer")
    goto(page, "/media")
    screenshot(page, "demo-press-page")
    text = page.inner_text("main")
    assert "Infiltration, 2025-10-26" in text  # from the seed report of the talks' third day
    assert page.locator("main a[href^='/media/clusters/']").count() >= 2
    page.context.close()
