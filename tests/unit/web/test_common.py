"""Every page shows the scenario's labels (members, clauses, incident types, penalty
steps, places, truces) in the viewer's language, in its HTML and in the data blocks the
map and the timeline draw from; act contents stay as they were written."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.mechanism import SCENARIO_DIR
from tests.unit.demo_pages import PUBLIC_LODGE, Demo, data_block
from truce.scenario.labels import ScenarioTranslations, labels
from truce.scenario.rules import load_scenario
from truce.web.common import place_options

PAGES = (
    "/",
    "/cases",
    "/cases/{case}",
    "/cases/new",
    "/map",
    "/timeline",
    "/compliance",
    "/crossings",
    "/crossings/torkham",
    "/joint-actions",
    "/search?q=shelling",
    "/log",
    "/media",
)
SCENARIO = load_scenario(SCENARIO_DIR)
URDU = ScenarioTranslations.load(SCENARIO_DIR).gettext("ur")
#: Labels whose Urdu differs from the English (all of them, as the catalogue is complete).
TRANSLATED = {label.text for label in labels(SCENARIO) if URDU(label.text) != label.text}


class _Texts(HTMLParser):
    """The page's text nodes and ``title`` attributes, scripts and act contents left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        nested = bool(self._skip) and tag == self._skip[-1]
        if nested or tag == "script" or "act-text-body" in (found.get("class") or ""):
            self._skip.append(tag)
        if found.get("title"):
            self.texts.append(str(found["title"]))

    def handle_endtag(self, tag: str) -> None:
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


@pytest.fixture(scope="module")
def urdu(demo: Demo) -> TestClient:
    """Pakistan's officer, who reads the application in Urdu."""
    client = demo.browser("pk-officer")
    config = json.loads(data_block(client.get("/").text, "truce-config"))
    chosen = client.post("/language", data={"language": "ur", "csrf": config["csrf"]})
    assert chosen.status_code == 303
    return client


@pytest.fixture(scope="module")
def english(demo: Demo) -> TestClient:
    return demo.browser("tr-officer")


def page(client: TestClient, path: str, demo: Demo) -> str:
    answer = client.get(path.format(case=demo.public_case), headers={"accept": "text/html"})
    assert answer.status_code == 200, (path, answer.text[:300])
    return answer.text


@pytest.mark.parametrize("path", PAGES)
def test_no_page_shows_a_label_in_english_to_an_urdu_reader(
    urdu: TestClient, demo: Demo, path: str
) -> None:
    html = page(urdu, path, demo)
    assert 'lang="ur"' in html
    english = [text for text in texts(html) if text in TRANSLATED]
    assert english == []


def test_the_dashboard_names_the_member_and_crossings_in_urdu(
    urdu: TestClient, english: TestClient, demo: Demo
) -> None:
    html = page(urdu, "/", demo)
    assert "پاکستان" in html
    assert ">طورخم (PK) / طورخم (AF)</a>" in html
    assert ">Torkham (PK) / Torkham (AF)</a>" not in html
    assert URDU(SCENARIO.mechanism.name) in html
    turkish_officer = page(english, "/", demo)
    assert "Türkiye" in turkish_officer
    assert ">Torkham (PK) / Torkham (AF)</a>" in turkish_officer
    assert SCENARIO.mechanism.name in turkish_officer


def test_the_case_list_and_its_filters_are_in_urdu(
    urdu: TestClient, english: TestClient, demo: Demo
) -> None:
    shelling = "Shelling or artillery fire"
    clause = f"C1 {SCENARIO.clause('C1').title}"  # type: ignore[union-attr]
    html = page(urdu, "/cases?type=shelling", demo)
    shown = texts(html)
    assert URDU(shelling) in shown
    assert f"C1 {URDU('Continuation of the ceasefire')}" in shown
    assert URDU("Afghanistan") in shown
    assert any(URDU(shelling) in text and URDU("Chaman") in text for text in shown)
    listed = texts(page(english, "/cases?type=shelling", demo))
    assert shelling in listed
    assert clause in listed
    assert any(text.startswith(f"{shelling}, Chaman") for text in listed)


def test_the_case_page_translates_the_scenario_but_not_the_narrative(
    urdu: TestClient, demo: Demo
) -> None:
    html = page(urdu, f"/cases/{demo.public_case}", demo)
    assert URDU("Shelling or artillery fire") in html
    assert f'title="{URDU("No targeting of security forces, civilians or installations")}"' in html
    assert PUBLIC_LODGE in html


def test_the_map_data_is_in_the_viewers_language(
    urdu: TestClient, english: TestClient, demo: Demo
) -> None:
    def block(client: TestClient) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(data_block(page(client, "/map", demo), "map-data"))
        return data

    urdu_map, english_map = block(urdu), block(english)
    names = {c["place_id"]: c["name"] for c in urdu_map["crossings"]}
    assert names["torkham"] == "طورخم (PK) / طورخم (AF)"
    assert names["chaman-spin-boldak"] == f"{URDU('Chaman')} (PK) / {URDU('Spin Boldak')} (AF)"
    assert "Chaman" not in names["chaman-spin-boldak"]
    assert {p["name"] for p in urdu_map["places"]} >= {"کابل", "جلال آباد"}
    assert urdu_map["labels"]["types"]["armed_clash"] == URDU("Armed clash")
    titles = {i["case_id"]: i["title"] for i in urdu_map["incidents"]}
    assert titles[demo.public_case] == f"{URDU('Shelling or artillery fire')}, {URDU('Chaman')}"
    assert {c["place_id"]: c["name"] for c in english_map["crossings"]}[
        "torkham"
    ] == "Torkham (PK) / Torkham (AF)"
    assert english_map["labels"]["types"]["armed_clash"] == "Armed clash"
    fetched = urdu.get("/map/data").json()
    assert {c["place_id"]: c["name"] for c in fetched["crossings"]}[
        "torkham"
    ] == "طورخم (PK) / طورخم (AF)"


def test_the_timeline_marks_the_truces_in_the_viewers_language(
    urdu: TestClient, english: TestClient, demo: Demo
) -> None:
    markers = json.loads(data_block(page(urdu, "/timeline", demo), "timeline-data"))["markers"]
    assert [m["label"] for m in markers] == [URDU(event.label) for event in SCENARIO.events]
    assert markers[1]["label"] == "دوحہ: فوری جنگ بندی پر اتفاق"
    english_markers = json.loads(data_block(page(english, "/timeline", demo), "timeline-data"))
    assert [m["label"] for m in english_markers["markers"]] == [e.label for e in SCENARIO.events]


def test_the_compliance_matrix_and_the_log_are_in_urdu(urdu: TestClient, demo: Demo) -> None:
    matrix = texts(page(urdu, "/compliance", demo))
    for clause in SCENARIO.clauses:
        assert URDU(clause.title) in matrix
    log = page(urdu, "/log", demo)
    assert f"{URDU('Qatar')} (QA)" in log


def test_the_sign_in_page_names_members_in_the_visitors_language(demo: Demo) -> None:
    visitor = TestClient(demo.browser("pk-observer").app)
    arabic = visitor.get("/signin", headers={"accept-language": "ar"}).text
    assert "باكستان (PK)" in arabic
    assert "Pakistan (PK)" in visitor.get("/signin", headers={"accept-language": "en"}).text


@pytest.mark.parametrize("language", ["en", "ur", "ps", "prs", "tr", "ar"])
def test_no_two_places_read_the_same_in_a_form(language: str) -> None:
    scenario = load_scenario(SCENARIO_DIR)
    options = place_options(scenario, language)
    assert len(options) == len(scenario.places)
    labels_ = [label for _, label in options]
    assert len(set(labels_)) == len(labels_), sorted(labels_)
    by_id = dict(options)
    assert by_id["barmal"] != by_id["barmal-district"]
    assert by_id["barmal"].startswith("Barmal (Paktika), ")
    if language == "en":
        assert (by_id["barmal"], by_id["barmal-district"]) == (
            "Barmal (Paktika), a town",
            "Barmal (Paktika), a district",
        )
