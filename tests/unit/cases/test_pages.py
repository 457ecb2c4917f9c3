"""The case list, the case page, lodging and search, through the web application."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.demo_pages import (
    DELEGATES,
    PUBLIC_LODGE,
    SECRET_LODGE,
    SECRET_RESPONSE,
    Demo,
    data_block,
)

PARTIES = ("pk-head", "pk-officer", "pk-observer", "af-head", "af-officer")
MEDIATORS = ("tr-head", "tr-officer", "qa-head")


def case_ids(html: str) -> list[int]:
    """The case numbers a list page shows, in order."""
    return [int(found) for found in re.findall(r'<th scope="row"><a href="/cases/(\d+)">', html)]


def offered(html: str) -> set[str]:
    """The act kinds a case page offers: the open form and the other choices."""
    kinds = set(re.findall(r'<input type="hidden" name="kind" value="([a-z._]+)">', html))
    kinds |= set(re.findall(r'href="/cases/\d+\?act=([a-z._]+)#act-form"', html))
    return kinds


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_every_page_renders_for_every_role(
    demo: Demo, browsers: dict[str, TestClient], who: str
) -> None:
    browser = browsers[who]
    for path in ("/cases", "/cases/new", f"/cases/{demo.public_case}", "/cases?page=1"):
        answer = browser.get(path)
        assert answer.status_code in (200, 403), (path, answer.status_code)
        assert "<main" in answer.text


def test_a_page_without_a_session_sends_to_sign_in(demo: Demo) -> None:
    from truce.app import create_app

    anonymous = TestClient(create_app(demo.settings), follow_redirects=False)
    answer = anonymous.get("/cases?type=shelling")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin?next=")


@pytest.mark.parametrize("who", ["pk-head", "af-officer", "tr-head", "qa-head", "sec-clerk"])
def test_the_list_shows_what_the_api_lists(
    demo: Demo, browsers: dict[str, TestClient], who: str
) -> None:
    page = browsers[who].get("/cases?sort=-occurred")
    api = browsers[who].get("/api/v1/cases", headers={"Authorization": f"Bearer {demo.token(who)}"})
    assert page.status_code == api.status_code == 200
    assert case_ids(page.text) == [case["id"] for case in api.json()["cases"]]


def test_a_member_outside_the_audience_never_sees_the_case(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    for who in ("qa-head", "sec-clerk"):
        listed = browsers[who].get("/cases")
        assert demo.secret_case not in case_ids(listed.text)
        assert SECRET_LODGE not in listed.text
        assert browsers[who].get(f"/cases/{demo.secret_case}").status_code == 404
    for who in ("pk-officer", "af-head", "af-officer", "tr-head", "tr-officer"):
        assert demo.secret_case in case_ids(browsers[who].get("/cases").text)
        page = browsers[who].get(f"/cases/{demo.secret_case}")
        assert page.status_code == 200
        assert SECRET_LODGE in page.text


def test_a_withheld_body_stays_withheld_on_the_case_page(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    pakistan = browsers["pk-head"].get(f"/cases/{demo.public_case}")
    assert PUBLIC_LODGE in pakistan.text
    assert SECRET_RESPONSE not in pakistan.text
    assert "Restricted annex from Afghanistan" in pakistan.text
    assert "Its content is not shown to you" in pakistan.text
    for who in ("af-head", "tr-head"):
        assert SECRET_RESPONSE in browsers[who].get(f"/cases/{demo.public_case}").text


def test_the_thread_is_in_log_order_with_receipts(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    page = browsers["tr-head"].get(f"/cases/{demo.public_case}").text
    receipts = re.findall(r'data-receipt data-index="(\d+)" data-leaf-hash="([0-9a-f]{64})"', page)
    indices = [int(index) for index, _ in receipts]
    assert len(indices) == 3
    assert indices == sorted(indices)
    assert indices[0] == demo.public_case
    assert 'lang="ps"' in page  # the response is labelled with its language


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=shelling", {"shelling"}),
        ("type=air_or_drone_strike", {"air_or_drone_strike"}),
    ],
)
def test_the_type_filter(
    demo: Demo, browsers: dict[str, TestClient], query: str, expected: set[str]
) -> None:
    api = browsers["tr-head"].get(
        f"/api/v1/cases?{query}", headers={"Authorization": f"Bearer {demo.token('tr-head')}"}
    )
    page = browsers["tr-head"].get(f"/cases?{query}")
    assert case_ids(page.text) == [case["id"] for case in api.json()["cases"]]
    assert {case["type"] for case in api.json()["cases"]} == expected


def test_filters_combine_and_stay_in_the_links(demo: Demo, browsers: dict[str, TestClient]) -> None:
    browser = browsers["qa-head"]
    headers = {"Authorization": f"Bearer {demo.token('qa-head')}"}
    everything = browser.get("/api/v1/cases?limit=500", headers=headers).json()["cases"]
    page = browser.get("/cases?accused=PK&status=closed&status=penalised&clause=C4&from=2025-10-01")
    expected = [
        case["id"]
        for case in everything
        if case["accused"] == "PK"
        and case["status"] in ("closed", "penalised")
        and "C4" in case["clauses"]
        and case["occurred_at"] >= "2025-10-01"
    ]
    assert expected
    assert case_ids(page.text) == expected
    assert "/map?from=2025-10-01&amp;accused=PK&amp;clause=C4&amp;status=closed" in page.text


def test_a_bad_filter_is_named_and_ignored(browsers: dict[str, TestClient]) -> None:
    page = browsers["pk-head"].get("/cases?from=yesterday&status=lost")
    assert page.status_code == 200
    assert "was not understood" in page.text


def test_pages_of_the_list(demo: Demo, browsers: dict[str, TestClient]) -> None:
    from truce.cases import queries

    browser = browsers["tr-head"]
    everything = case_ids(browser.get("/cases").text)
    size = queries.PAGE_SIZE
    assert len(everything) < size  # the demo fits on one page
    oldest_first = case_ids(browser.get("/cases?sort=id").text)
    assert oldest_first == sorted(everything)
    assert case_ids(browser.get("/cases?page=2").text) == []


def test_the_lodge_form_follows_the_body_model(browsers: dict[str, TestClient]) -> None:
    form = browsers["pk-officer"].get("/cases/new")
    assert form.status_code == 200
    names = set(re.findall(r'name="([a-z_.]+)"', form.text))
    assert {
        "kind",
        "incident.type",
        "incident.occurred_at",
        "incident.time_precision",
        "incident.place.place_id",
        "incident.place.lat",
        "incident.place.lon",
        "incident.place.precision",
        "incident.actors",
        "incident.killed.civilians",
        "incident.injured.soldiers",
        "accused.member",
        "accused.group",
        "clauses",
        "narrative",
        "language",
        "audience",
    } <= names
    # A case.lodge names no files: photos are attached as evidence once it is recorded.
    assert "file" not in names
    assert 'enctype="multipart/form-data"' not in form.text
    assert '<option value="AF">' in form.text
    accused = form.text.split('name="accused.member"')[1].split("</select>")[0]
    assert '<option value="PK">' not in accused


@pytest.mark.parametrize("who", ["pk-observer", "tr-head", "sec-clerk"])
def test_only_a_party_head_or_officer_is_offered_lodging(
    browsers: dict[str, TestClient], who: str
) -> None:
    answer = browsers[who].get("/cases/new")
    assert answer.status_code == 403
    assert "data-act-form" not in answer.text
    assert 'href="/cases/new"' not in browsers[who].get("/cases").text


def test_forms_follow_the_workflow_and_the_role(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    case = demo.public_case  # AF has denied: the mediators may open the investigation
    assert offered(browsers["af-head"].get(f"/cases/{case}").text) == {"case.evidence"}
    assert offered(browsers["pk-head"].get(f"/cases/{case}").text) == {
        "case.evidence",
        "case.withdraw",
    }
    assert offered(browsers["pk-officer"].get(f"/cases/{case}").text) == {"case.evidence"}
    assert offered(browsers["tr-officer"].get(f"/cases/{case}").text) == {
        "case.evidence",
        "case.investigate",
    }
    assert offered(browsers["pk-observer"].get(f"/cases/{case}").text) == set()
    assert offered(browsers["sec-clerk"].get(f"/cases/{case}").text) == set()
    closed = browsers["tr-head"].get("/cases?status=closed").text
    for closed_case in case_ids(closed):
        assert offered(browsers["tr-head"].get(f"/cases/{closed_case}").text) == set()


def test_a_chosen_form_opens(demo: Demo, browsers: dict[str, TestClient]) -> None:
    page = browsers["pk-head"].get(f"/cases/{demo.public_case}?act=case.withdraw").text
    assert '<input type="hidden" name="kind" value="case.withdraw">' in page
    assert f'<input type="hidden" name="case" value="{demo.public_case}">' in page
    assert 'action="/web/acts/prepare"' in page
    assert 'data-error-for="note"' in page


def test_after_lodging_the_lodger_is_invited_to_attach_evidence(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    path = f"/cases/{demo.fresh_case}?act=case.evidence&lodged=1"
    page = browsers["pk-officer"].get(path).text
    assert "data-lodged" in page
    assert "Attach photos and documents" in page
    assert '<input type="hidden" name="kind" value="case.evidence">' in page
    assert 'enctype="multipart/form-data"' in page
    assert "data-lodged" not in browsers["pk-officer"].get(f"/cases/{demo.fresh_case}").text
    # Only the lodging member is told its allegation is recorded.
    assert "data-lodged" not in browsers["af-head"].get(path).text


def test_evidence_files_only_to_their_audience(demo: Demo, browsers: dict[str, TestClient]) -> None:
    preview = f'<img src="/evidence/{demo.photo}"'
    for who in ("pk-officer", "tr-head"):
        assert preview in browsers[who].get(f"/cases/{demo.public_case}").text
        answer = browsers[who].get(f"/evidence/{demo.photo}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/png"
        assert answer.headers["content-disposition"] == "inline"
        assert answer.content.startswith(b"\x89PNG")
    page = browsers["af-head"].get(f"/cases/{demo.public_case}").text
    assert preview not in page
    assert demo.photo not in page
    hidden = browsers["af-head"].get(f"/evidence/{demo.photo}")
    missing = browsers["af-head"].get("/evidence/" + "0" * 64)
    assert hidden.status_code == missing.status_code == 404  # one answer: not yours, or none
    assert hidden.text.replace(demo.photo, "#") == missing.text.replace("0" * 64, "#")


def _prepare(browser: TestClient, html: str, fields: dict[str, Any]) -> Any:
    """Post an act form's fields to the prepare endpoint, as the page's script does."""
    config = json.loads(data_block(html, "truce-config"))
    for name in fields:
        assert f'name="{name}"' in html, name
    return browser.post(
        "/web/acts/prepare",
        data={**fields, "key_id": config["keys"][0]},
        headers={"X-CSRF-Token": config["csrf"]},
    )


def test_the_offered_forms_prepare_valid_acts(demo: Demo, browsers: dict[str, TestClient]) -> None:
    case = demo.public_case
    mediator = browsers["tr-officer"]
    page = mediator.get(f"/cases/{case}?act=case.investigate").text
    prepared = _prepare(
        mediator,
        page,
        {"kind": "case.investigate", "case": str(case), "note": "Opened.", "language": "tr"},
    )
    assert prepared.status_code == 200, prepared.text
    assert prepared.json()["body"] == {"note": "Opened.", "language": "tr"}
    assert (
        prepared.json()["envelope"]["refs"][0]
        == re.findall(r'data-leaf-hash="([0-9a-f]{64})"', page)[0]
    )

    lodger = browsers["pk-officer"]
    form = lodger.get("/cases/new").text
    fields = {
        "kind": "case.lodge",
        "incident.type": "shelling",
        "incident.occurred_at": "2025-11-06T10:30",
        "incident.time_precision": "hour",
        "incident.place.place_id": "chaman",
        "incident.place.precision": "approximate",
        "incident.actors": "unidentified, border forces",
        "incident.killed.civilians": "2",
        "accused.member": "AF",
        "clauses": "C4",
        "narrative": "Shells struck homes.",
        "language": "ur",
        "audience": "mediators",
    }
    prepared = _prepare(lodger, form, fields)
    assert prepared.status_code == 200, prepared.text
    body = prepared.json()["body"]
    assert body["incident"]["killed"] == {"civilians": 2}
    assert body["incident"]["actors"] == ["unidentified", "border forces"]
    # Typed in Chaman's local time (Asia/Karachi, UTC+05:00), signed in UTC.
    assert body["incident"]["occurred_at"] == "2025-11-06T05:30:00Z"
    assert prepared.json()["envelope"]["audience"] == "mediators"
    missing = _prepare(lodger, form, {**fields, "narrative": ""})
    assert missing.status_code == 422
    assert "narrative" in missing.json()["errors"]


def test_the_accused_head_responds_or_counter_claims(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    browser = browsers["af-head"]
    page = browser.get(f"/cases/{demo.fresh_case}").text
    assert offered(page) == {"case.respond", "case.evidence"}
    assert '<input type="hidden" name="kind" value="case.respond">' in page
    # No position is chosen for the head: it must pick one, and is told it answers once.
    position = page.split('<select id="field-position"')[1].split("</select>")[0]
    assert '<option value="" disabled selected>Choose your position</option>' in position
    assert position.count(" selected") == 1
    assert "Your member answers once" in page
    assert offered(browsers["af-officer"].get(f"/cases/{demo.fresh_case}").text) == {
        "case.evidence"
    }
    base = {
        "kind": "case.respond",
        "case": str(demo.fresh_case),
        "statement": "No such shelling.",
        "language": "ps",
        "understood": "yes",
    }
    denied = _prepare(browser, page, {**base, "position": "deny"})
    assert denied.status_code == 200, denied.text
    assert "counter_case" not in denied.json()["body"]
    counter = {
        "counter_case.incident.type": "shelling",
        "counter_case.incident.occurred_at": "2025-11-06T10:00",
        "counter_case.incident.time_precision": "hour",
        "counter_case.incident.place.place_id": "chaman",
        "counter_case.incident.place.precision": "approximate",
        "counter_case.accused.member": "PK",
        "counter_case.clauses": "C1",
        "counter_case.narrative": "They fired first.",
        "counter_case.language": "ps",
    }
    claimed = _prepare(browser, page, {**base, "position": "counter_claim", **counter})
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["body"]["counter_case"]["accused"] == {"member": "PK"}
    mismatched = _prepare(browser, page, {**base, "position": "deny", **counter})
    assert mismatched.status_code == 422
    # A member answers once: the form asks the head to confirm it, and the server too.
    assert 'name="understood"' in page
    unconfirmed = {key: value for key, value in base.items() if key != "understood"}
    refused = browser.post(
        "/web/acts/prepare",
        data={
            **unconfirmed,
            "position": "deny",
            "key_id": json.loads(data_block(page, "truce-config"))["keys"][0],
        },
        headers={"X-CSRF-Token": json.loads(data_block(page, "truce-config"))["csrf"]},
    )
    assert refused.status_code == 422
    assert "cannot be undone" in refused.json()["errors"]["understood"]


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_the_search_page_renders_for_every_role(browsers: dict[str, TestClient], who: str) -> None:
    assert browsers[who].get("/search").status_code == 200


def test_search_respects_the_audience(demo: Demo, browsers: dict[str, TestClient]) -> None:
    def found(who: str, q: str) -> list[int]:
        page = browsers[who].get("/search", params={"q": q}).text
        return [int(n) for n in re.findall(r'<h3><a href="/cases/(\d+)">', page)]

    assert found("af-head", PUBLIC_LODGE) == [demo.public_case]
    assert found("qa-head", SECRET_LODGE) == []
    assert found("pk-observer", SECRET_LODGE) == [demo.secret_case]
    assert found("af-head", SECRET_LODGE.lower()) == [demo.secret_case]
    assert found("tr-officer", SECRET_LODGE.lower()) == [demo.secret_case]
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


def test_a_counter_claim_and_its_case_link_each_other_by_case_number(
    demo: Demo, browsers: dict[str, TestClient]
) -> None:
    browser = browsers["af-head"]
    cases = browser.get(
        "/api/v1/cases",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {demo.token('af-head')}"},
    ).json()["cases"]
    countered = [c for c in cases if c.get("counter_to")]
    assert countered, "the demo has a counter-claim"
    numbers = {c["id"]: c["number"] for c in cases}
    counter = countered[0]
    original = counter["counter_to"]
    page = browser.get(f"/cases/{counter['id']}").text
    assert f'<a href="/cases/{original}">Case {numbers[original]} ' in page
    page = browser.get(f"/cases/{original}").text
    assert f'<a href="/cases/{counter["id"]}">Case {numbers[counter["id"]]} ' in page
    assert f">#{counter['id']}<" not in page


def test_the_case_list_names_a_penalty_not_its_id(browsers: dict[str, TestClient]) -> None:
    page = browsers["af-head"].get("/cases", params={"status": "closed"}).text
    assert " · Formal notice</td>" in page
    assert "formal-notice</td>" not in page
