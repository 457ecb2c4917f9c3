"""Neutral wording on the case pages: a harboured group is never shown as the state's
name, and who accuses whom is said in words that each language orders itself."""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient

from tests.mechanism import SCENARIO_DIR
from tests.unit.demo_pages import Demo, data_block
from truce.app import create_app

#: The word for "harbouring alleged" in each language, and the names of the parties.
HARBOURING = {
    "en": "harbouring alleged: TTP",
    "ar": "ادعاء الإيواء: TTP",
    "ur": "پناہ دینے کا الزام: TTP",
    "ps": "د پناه ورکولو تور: TTP",
}
NAMES = {
    "en": ("Pakistan", "Afghanistan"),
    "ar": ("باكستان", "أفغانستان"),
    "ur": ("پاکستان", "افغانستان"),
    "ps": ("پاکستان", "افغانستان"),
}
#: "lodged by PK against AF" as each language says it, with the names in their roles.
LODGED_AGAINST = {
    "en": "lodged by {lodger} against {accused}",
    "ar": "مقدَّمة من {lodger} ضد {accused}",
    "ur": "{lodger} کی جانب سے {accused} کے خلاف",
    "ps": "د {lodger} له خوا د {accused} پر ضد",
}
#: Who reads in which language (a delegate of each side, and a mediator).
READERS = {"en": "tr-officer", "ar": "qa-head", "ur": "pk-officer", "ps": "af-officer"}


def text_of(page: str) -> str:
    """A page's visible words, tags dropped and entities read, spaces folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def readers(demo: Demo) -> dict[str, TestClient]:
    """One signed-in client per language of :data:`READERS`, speaking it."""
    found = {}
    for language, who in READERS.items():
        client = demo.browser(who)
        config = json.loads(data_block(client.get("/").text, "truce-config"))
        client.post("/language", data={"language": language, "csrf": config["csrf"]})
        found[language] = client
    return found


def harbouring_cases(demo: Demo) -> list[dict[str, object]]:
    """The cases (visible to every member) that name a group the accused is said to
    harbour, as the API lists them."""
    listed = TestClient(create_app(demo.settings)).get(
        "/api/v1/cases", params={"limit": 500},
        headers={"Authorization": f"Bearer {demo.token('tr-officer')}"},
    ).json()["cases"]  # fmt: skip
    return [case for case in listed if case["accused_group"]]


@pytest.mark.parametrize("language", sorted(READERS))
def test_a_harboured_group_is_never_shown_as_the_states_name(
    demo: Demo, readers: dict[str, TestClient], language: str
) -> None:
    cases = harbouring_cases(demo)
    assert cases, "the demo names a harboured group"
    accused = NAMES[language][1]
    for case in cases:
        page = text_of(readers[language].get(f"/cases/{case['id']}").text)
        assert f"{accused} · {HARBOURING[language]}" in page
        assert "(TTP)" not in page
    listed = text_of(readers[language].get("/cases").text)
    assert f"{accused} · {HARBOURING[language]}" in listed
    assert "(TTP)" not in listed


@pytest.mark.parametrize("language", sorted(READERS))
def test_search_names_the_lodger_and_the_accused_in_their_roles(
    demo: Demo, readers: dict[str, TestClient], language: str
) -> None:
    page = readers[language].get("/search", params={"q": "Publicallegation"}).text
    assert "→" not in page
    assert "←" not in page
    pakistan, afghanistan = NAMES[language]
    # The public case is lodged by Pakistan against Afghanistan: never the other way.
    said = LODGED_AGAINST[language]
    assert said.format(lodger=pakistan, accused=afghanistan) in text_of(page)
    assert said.format(lodger=afghanistan, accused=pakistan) not in text_of(page)


@pytest.mark.parametrize("language", ["ar", "ur"])
def test_a_case_lodged_by_afghanistan_reads_the_other_way(
    demo: Demo, readers: dict[str, TestClient], language: str
) -> None:
    client = readers[language]
    acts = json.loads((SCENARIO_DIR / "demo" / "acts.json").read_text(encoding="utf-8"))["acts"]
    narrative = next(
        step["body"]["narrative"]
        for step in acts
        if step["kind"] == "case.lodge" and step["body"]["accused"]["member"] == "PK"
    )
    words = " ".join(narrative.split()[:4])
    page = text_of(client.get("/search", params={"q": words}).text)
    pakistan, afghanistan = NAMES[language]
    assert LODGED_AGAINST[language].format(lodger=afghanistan, accused=pakistan) in page


@pytest.mark.parametrize("language", ["en", "ar", "ps"])
def test_the_dashboard_says_who_accuses_whom_in_words(
    readers: dict[str, TestClient], language: str
) -> None:
    page = readers[language].get("/").text
    assert "→" not in page
    assert "←" not in page
    said = LODGED_AGAINST[language]
    assert re.search(
        re.escape(said).replace(r"\{lodger\}", "(PK|AF)").replace(r"\{accused\}", "(PK|AF)"),
        text_of(page),
    )


def test_the_joint_actions_page_says_from_whom_to_whom(readers: dict[str, TestClient]) -> None:
    page = readers["ar"].get("/joint-actions").text
    assert "→" not in page
    assert "←" not in page
    assert re.search(r"من (باكستان|أفغانستان) إلى (باكستان|أفغانستان)", text_of(page))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_map_carries_the_note_on_boundaries_and_words_for_direction(
    readers: dict[str, TestClient], language: str
) -> None:
    page = readers[language].get("/map").text
    note = re.search(r'<p class="map-note" id="map-boundary-note">([^<]+)</p>', page)
    assert note is not None
    if language == "en":
        assert "imply no position" in note.group(1)
    else:
        assert "لا تعني الحدود" in html.unescape(note.group(1))
    labels = json.loads(data_block(page, "map-data"))["labels"]
    assert labels["lodged_against"] == LODGED_AGAINST[language].format(
        lodger="%(lodger)s", accused="%(accused)s"
    )


@pytest.mark.parametrize("language", ["en", "ar", "ur"])
def test_a_clause_shows_its_agreed_text_and_each_reading_attributed(
    readers: dict[str, TestClient], language: str
) -> None:
    page = readers[language].get("/compliance").text
    words = text_of(page)
    pakistan, afghanistan = NAMES[language]
    reading_of = {"en": "Reading of {}:", "ar": "قراءة {}:", "ur": "{} کی تشریح:"}[language]
    c2 = text_of(page.split('id="clause-C2"')[1].split('id="clause-C3"')[0])
    assert "neither party supports groups that attack the other." in c2
    assert "The Afghan side stated" not in words
    assert reading_of.format(afghanistan) in c2
    assert reading_of.format(pakistan) in c2
    c3 = text_of(page.split('id="clause-C3"')[1].split('id="clause-C4"')[0])
    assert "Each party respects the other's territory." in c3
    assert "this mechanism's reading" not in words
    assert re.search(r'<li class="reading" data-by="SEC">', page)


def test_a_case_at_a_crossing_names_both_its_sides(
    demo: Demo, readers: dict[str, TestClient]
) -> None:
    # The restricted case of the fixture is at Torkham, which both sides call so.
    page = text_of(readers["en"].get(f"/cases/{demo.secret_case}").text)
    assert "Torkham (PK) / Torkham (AF)" in page
