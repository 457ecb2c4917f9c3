"""Media services: item bodies from articles, places within places, case drafts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from truce.acts.bodies import LodgeBody, MediaItemBody
from truce.media.ingest.articles import Article
from truce.media.ingest.extract import Extractor
from truce.media.service import case_draft, item_body, places_within
from truce.scenario.rules import Scenario, load_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[3] / "scenarios" / "istanbul-2025"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO_DIR)


def figure(item: int, date: str | None, place_id: str | None, who: str, **killed: int) -> Any:
    return {
        "item": item,
        "date": date,
        "date_precision": "day",
        "place_id": place_id,
        "lat": None,
        "lon": None,
        "country": "AF",
        "type": "shelling",
        "actors": ["Pakistan Army"],
        "killed": {"soldiers": None, "civilians": None} | killed,
        "injured": {},
        "claimed_by": [who],
        "outlet": f"Outlet {item}",
    }


def view(*figures: Any) -> dict[str, Any]:
    items = sorted({f["item"] for f in figures})
    return {
        "id": 42000,
        "types": ["shelling"],
        "figures": list(figures),
        "items": [
            {"id": i, "outlet": f"Outlet {i}", "title": None, "published": "2025-11-07"}
            for i in items
        ],
    }


def test_an_article_becomes_a_valid_item_body(scenario: Scenario) -> None:
    article = Article(
        text="Shells fired from Pakistan hit Spin Boldak on Sunday, killing five civilians.",
        title="Shelling in Spin Boldak",
        outlet="Test Wire",
        published=dt.date(2025, 11, 10),
        language="en",
    )
    body = item_body(article, Extractor(scenario).extract(article))
    parsed = MediaItemBody.model_validate(body)
    assert parsed.content_hash == article.key
    assert parsed.incidents[0].date == "2025-11-09"
    assert "url" not in body  # unknown fields are left out, not null


@pytest.mark.parametrize(
    ("found", "kept"),
    [
        ("https://example.org/news/1", "https://example.org/news/1"),
        ("javascript:alert(1)", None),
        ("/news/1", None),
    ],
)
def test_an_article_keeps_only_a_web_link(scenario: Scenario, found: str, kept: str | None) -> None:
    """An article's own link (``og:url``) that a media.item could not admit is left out."""
    article = Article(text="Talks resumed in Istanbul.", url=found, language="en")
    body = item_body(article, Extractor(scenario).extract(article))
    assert body.get("url") == kept
    MediaItemBody.model_validate(body)


def test_places_within_a_district(scenario: Scenario) -> None:
    assert places_within(scenario, "spin-boldak-district") == [
        "spin-boldak",
        "spin-boldak-district",
    ]
    assert "angoor-adda" in places_within(scenario, "khyber-pakhtunkhwa")
    assert places_within(scenario, "nowhere") == ["nowhere"]


def test_a_draft_takes_the_lowest_figure_and_names_every_source(scenario: Scenario) -> None:
    draft = case_draft(
        view(
            figure(1, "2025-11-06", "spin-boldak", "district hospital", civilians=5),
            figure(2, "2025-11-06", "spin-boldak", "Zabihullah Mujahid", civilians=6),
            figure(3, "2025-11-07", "chaman-spin-boldak", "ISPR"),
        ),
        scenario,
    )
    body = draft["body"]
    assert body["incident"]["occurred_at"] == "2025-11-06T00:00:00Z"
    assert body["incident"]["place"] == {"place_id": "spin-boldak", "precision": "approximate"}
    assert body["incident"]["killed"] == {"civilians": 5}
    assert body["accused"] == {"member": "PK"}  # the event is in AF
    assert "Zabihullah Mujahid: 6 civilians killed." in body["narrative"]
    assert draft["missing"] == ["clauses"]
    LodgeBody.model_validate(body | {"clauses": ["C4"]})


def test_a_draft_without_date_or_place_says_what_is_missing(scenario: Scenario) -> None:
    draft = case_draft(view(figure(1, None, None, "residents") | {"country": None}), scenario)
    assert draft["body"]["incident"]["occurred_at"] == "2025-11-07T00:00:00Z"
    assert draft["body"]["incident"]["time_precision"] == "week"
    assert draft["missing"] == [
        "incident.occurred_at",
        "incident.place",
        "accused.member",
        "clauses",
    ]
