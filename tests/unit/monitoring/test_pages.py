"""Compliance, crossings, joint actions and search pages."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.mechanism import SCENARIO_DIR
from tests.unit.cases.test_pages import case_ids
from tests.unit.demo_pages import DELEGATES, PUBLIC_LODGE, SECRET_LODGE, SECRET_RESPONSE, Demo
from truce.scenario.rules import load_scenario


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_the_pages_render_for_every_role(browsers: dict[str, TestClient], who: str) -> None:
    for path in ("/compliance", "/crossings", "/crossings/torkham", "/joint-actions", "/search"):
        answer = browsers[who].get(path)
        assert answer.status_code == 200, path
        assert "<caption>" in answer.text or path == "/search"


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
            "&status=awaiting_response&status=under_investigation"
        )
        confirmed = f"/cases?violator={member}&violated={clause}"
        assert opened in links
        assert confirmed in links
        assert sorted(case_ids(browser.get(opened).text)) == sorted(cell["open_cases"])
        assert sorted(case_ids(browser.get(confirmed).text)) == sorted(cell["confirmed_cases"])


def test_compliance_counts_leave_out_what_a_party_may_not_see(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    link = "/cases?accused=AF&clause=C1&status=awaiting_response&status=under_investigation"
    assert demo.secret_case in case_ids(browsers["pk-head"].get(link).text)
    assert demo.secret_case not in case_ids(browsers["af-head"].get(link).text)

    def open_allegations(who: str) -> int:
        page = browsers[who].get("/compliance").text
        row = page.split("</abbr> Continuation of the ceasefire")[1].split("</tr>")[0]
        cells = row.split("<td")
        found = re.search(r"(\d+) open allegation", cells[2])  # AF's column
        assert found is not None
        return int(found.group(1))

    assert open_allegations("pk-head") == open_allegations("af-head") + 1


def test_crossings_with_their_history(browsers: dict[str, TestClient]) -> None:
    browser = browsers["af-officer"]
    listed = browser.get("/crossings").text
    assert 'href="/crossings/torkham"' in listed
    assert re.search(r"closed to trade for \d+ days so far", listed)
    page = browser.get("/crossings/torkham").text
    assert page.count("<time") >= 3
    assert re.search(r"closed to trade for \d+ days", page)
    assert browser.get("/crossings/nowhere").status_code == 404


def test_joint_actions_by_status(browsers: dict[str, TestClient]) -> None:
    browser = browsers["tr-head"]
    page = browser.get("/joint-actions").text
    assert "1 request for joint action" in page
    shown = re.search(r'class="status joint-(\w+)"', page)
    assert shown is not None
    status = shown.group(1)
    assert "1 request for joint action" in browser.get(f"/joint-actions?status={status}").text
    other = next(s for s in ("open", "answered", "overdue") if s != status)
    assert "0 requests for joint action" in browser.get(f"/joint-actions?status={other}").text
    assert browser.get("/joint-actions?status=lost").status_code == 400


def test_search_respects_the_audience(demo: Demo, browsers: dict[str, TestClient]) -> None:
    def found(who: str, q: str) -> list[int]:
        page = browsers[who].get("/search", params={"q": q}).text
        return [int(n) for n in re.findall(r'<h3><a href="/cases/(\d+)">', page)]

    assert found("af-head", PUBLIC_LODGE) == [demo.public_case]
    assert found("af-head", SECRET_LODGE) == []
    assert found("pk-observer", SECRET_LODGE) == [demo.secret_case]
    assert found("qa-head", SECRET_LODGE.lower()) == [demo.secret_case]
    assert found("pk-head", SECRET_RESPONSE) == []  # responses are not searched
    assert demo.public_case in found("tr-officer", "Chaman shelling")
    assert found("tr-officer", "Chaman nowhere-at-all") == []


def test_search_finds_words_of_the_gazetteer_and_the_type_label(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    """Words found only in the scenario (a province, an incident type's label) and not in
    the stored allegation still find it: the database's narrowing keeps such cases."""

    def found(q: str) -> list[int]:
        page = browsers["tr-officer"].get("/search", params={"q": q}).text
        return [int(n) for n in re.findall(r'<h3><a href="/cases/(\d+)">', page)]

    assert found(f"BALOCHISTAN artillery {PUBLIC_LODGE}") == [demo.public_case]
    assert found(f"Balochistan {SECRET_LODGE}") == []  # the secret case is at Torkham
    assert found(f"100%_ {PUBLIC_LODGE}") == []  # LIKE's wildcards are plain characters


def test_the_dashboard_names_penalties_by_the_schedule(browsers: dict[str, TestClient]) -> None:
    page = browsers["tr-head"].get("/").text
    steps = load_scenario(SCENARIO_DIR).penalties.steps
    assert any(f"<td>{html.escape(step.name)}</td>" in page for step in steps)
    assert not any(f"<td>{step.id}</td>" in page for step in steps)
