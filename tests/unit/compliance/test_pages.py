"""The compliance page: the clause x member matrix, held to the API's figures."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.unit.cases.test_pages import case_ids
from tests.unit.demo_pages import DELEGATES, Demo


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_the_page_renders_for_every_role(browsers: dict[str, TestClient], who: str) -> None:
    answer = browsers[who].get("/compliance")
    assert answer.status_code == 200
    assert "<caption>" in answer.text


def _cell_links(page: str) -> list[str]:
    return [html.unescape(link) for link in re.findall(r'href="(/cases\?[^"]+)"', page)]


@pytest.mark.parametrize("who", ["pk-head", "af-officer", "tr-head"])
def test_each_cell_links_to_the_cases_behind_it(
    demo: Demo, browsers: dict[str, TestClient], who: str
) -> None:
    browser = browsers[who]
    matrix = browser.get(
        "/api/v1/compliance", headers={"Authorization": f"Bearer {demo.token(who)}"}
    ).json()
    page = browser.get("/compliance").text
    shown = [int(n) for n in re.findall(r"(\d+) open allegations?<", page)]
    assert shown == [cell["open_allegations"] for cell in matrix["cells"]]
    shown = [int(n) for n in re.findall(r"(\d+) confirmed violations?<", page)]
    assert shown == [cell["confirmed_violations"] for cell in matrix["cells"]]
    standings = re.findall(r'<td class="standing-(\w+)">', page)
    assert standings == [cell["standing"] for cell in matrix["cells"]]
    links = set(_cell_links(page))
    for cell in matrix["cells"]:
        clause, member = cell["clause"], cell["member"]
        opened = (
            f"/cases?accused={member}&clause={clause}"
            "&status=awaiting_response&status=under_investigation&common=1"
        )
        confirmed = f"/cases?violator={member}&violated={clause}&common=1"
        assert opened in links
        assert confirmed in links
        assert sorted(case_ids(browser.get(opened).text)) == sorted(cell["open_cases"])
        assert sorted(case_ids(browser.get(confirmed).text)) == sorted(cell["confirmed_cases"])


def test_every_member_counts_the_common_record_only(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    link = "/cases?accused=AF&clause=C1&status=awaiting_response&status=under_investigation"
    assert demo.secret_case in case_ids(browsers["pk-head"].get(link).text)
    assert demo.secret_case in case_ids(browsers["af-head"].get(link).text)
    assert demo.secret_case not in case_ids(browsers["qa-head"].get(link).text)

    def open_allegations(who: str) -> int:
        page = browsers[who].get("/compliance").text
        row = page.split("</abbr> Continuation of the ceasefire")[1].split("</tr>")[0]
        cells = row.split("<td")
        found = re.search(r"(\d+) open allegation", cells[2])  # AF's column
        assert found is not None
        return int(found.group(1))

    # The restricted case is in the lists of those it is addressed to, but no member's
    # matrix counts it: every member is measured on the same record, and those who may
    # read it are told it is left out.
    counts = {who: open_allegations(who) for who in ("pk-head", "af-head", "qa-head", "sec-clerk")}
    assert len(set(counts.values())) == 1, counts
    common = link + "&common=1"
    assert demo.secret_case not in case_ids(browsers["pk-head"].get(common).text)
    for who in ("pk-head", "af-head"):
        page = browsers[who].get("/compliance").text
        left_out = page.split('id="not-counted"')[1]
        assert f'href="/cases/{demo.secret_case}"' in left_out
    assert 'id="not-counted"' not in browsers["qa-head"].get("/compliance").text
