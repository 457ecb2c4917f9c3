"""Extraction against the hand-annotated articles, and its rules on small texts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.unit.media.ingest.conftest import annotated_articles, load_expected
from truce.media.ingest.articles import Article, read_file
from truce.media.ingest.extract import Extractor
from truce.media.ingest.scoring import Score, score_article

PAIRS = annotated_articles()


def test_there_are_enough_annotated_articles() -> None:
    names = [article.name for article, _ in PAIRS]
    assert len(names) >= 14
    assert sum(name.endswith(".html") for name in names) >= 3
    assert sum(not load_expected(e).incidents for _, e in PAIRS) >= 3


@pytest.mark.parametrize(("article", "expected"), PAIRS, ids=[p[0].name for p in PAIRS])
def test_incidents_and_killed_counts(extractor: Extractor, article: Path, expected: Path) -> None:
    found = extractor.extract(read_file(article))
    want = load_expected(expected)
    assert found.article == want.article
    score = score_article(found, want, article.name)
    assert score.incidents_matched == score.incidents_expected == score.incidents_found, (
        score.misses
    )
    assert score.killed_exact == score.incidents_matched, score.misses
    for incident in found.incidents:
        if incident.place_id is not None:
            assert incident.lat is not None or extractor.scenario.place(incident.place_id)


def test_claims_by_speaker_and_stance(extractor: Extractor) -> None:
    total = Score()
    for article, expected in PAIRS:
        total.add(score_article(extractor.extract(read_file(article)), load_expected(expected)))
    precision, recall, f1 = total.claim_prf
    assert f1 >= 0.7, (precision, recall)


def _extract(extractor: Extractor, text: str, published: str = "2025-10-12") -> object:
    article = Article(text=text, outlet="Test Wire", published=dt.date.fromisoformat(published))
    return extractor.extract(article)


def test_conflicting_figures_stay_apart(extractor: Extractor) -> None:
    result = extractor.extract(
        Article(
            text=(
                "Afghan forces attacked Pakistani border posts in Bajaur late on Saturday. "
                "The ISPR said 23 soldiers were killed. "
                "Zabihullah Mujahid said 58 Pakistani soldiers were killed."
            ),
            published=dt.date(2025, 10, 12),
        )
    )
    records = result.incidents
    assert [(r.type, r.date, r.place_id) for r in records] == [
        ("attack_on_post", "2025-10-11", "bajaur"),
        ("attack_on_post", "2025-10-11", "bajaur"),
    ]
    assert [(r.claimed_by, r.killed.soldiers) for r in records] == [
        (["ISPR"], 23),
        (["Zabihullah Mujahid"], 58),
    ]
    assert records[0].disputed_by == ["Zabihullah Mujahid"]


def test_one_event_is_reported_once(extractor: Extractor) -> None:
    result = extractor.extract(
        Article(
            text=(
                "Heavy shelling hit Parachinar on Monday, killing three civilians.\n\n"
                "Residents said the shelling went on for hours.\n\n"
                "Officials said Monday's shelling of Parachinar damaged a school."
            ),
            published=dt.date(2025, 10, 15),
        )
    )
    assert len(result.incidents) == 1
    assert result.incidents[0].killed.civilians == 3
    assert result.incidents[0].date == "2025-10-13"
    assert (result.incidents[0].admin1, result.incidents[0].country) == ("Khyber Pakhtunkhwa", "PK")


def test_speakers_members_and_actors(extractor: Extractor) -> None:
    result = extractor.extract(
        Article(
            text=(
                "Fitna al-Khawarij militants tried to cross the border near Spinwam on Friday, "
                "the ISPR said. Five khawarij were killed. "
                "Afghan government spokesman Zabihullah Mujahid denied the claim."
            ),
            published=dt.date(2025, 10, 25),
        )
    )
    (incident,) = result.incidents
    assert incident.type == "infiltration"
    assert "TTP" in incident.actors
    assert incident.killed.militants == 5
    assert {(c.speaker, c.member, c.stance) for c in result.claims} == {
        ("ISPR", "PK", "assessment"),
        ("Zabihullah Mujahid", "AF", "denial"),
    }


def test_published_override_and_vague_counts(extractor: Extractor) -> None:
    article = Article(text="Clashes erupted at Torkham on Sunday and killed dozens of soldiers.")
    assert extractor.extract(article).incidents[0].date is None
    result = extractor.extract(article, published=dt.date(2025, 10, 14))
    assert result.article.published == "2025-10-14"
    (incident,) = result.incidents
    assert (incident.date, incident.killed.soldiers) == ("2025-10-12", None)


def test_talks_coverage_has_no_incident(extractor: Extractor) -> None:
    result = extractor.extract(
        Article(
            text=(
                "Delegations met in Istanbul on Monday. Khawaja Asif warned that failure "
                "could lead to open war. If any attack comes from Afghan soil, Pakistan "
                "will respond, he said."
            ),
            published=dt.date(2025, 10, 28),
        )
    )
    assert result.incidents == []
    assert ("Khawaja Asif", "warning") in {(c.speaker, c.stance) for c in result.claims}


def _one(extractor: Extractor, text: str, published: str) -> Any:
    found = extractor.extract(Article(text=text, published=dt.date.fromisoformat(published)))
    return found


def test_counts_after_qualifiers_pronouns_and_others(extractor: Extractor) -> None:
    (one,) = _one(
        extractor,
        "Forces exchanged fire near Ghulam Khan on Friday and one Pakistani border guard "
        "was martyred.",
        "2025-11-09",
    ).incidents
    assert (one.date, one.place_id, one.killed.soldiers) == ("2025-11-07", "ghulam-khan", 1)
    (them,) = _one(
        extractor,
        "Infiltrators crossed from Kunar province into Bajaur on Sunday, and troops killed "
        "nine of them.",
        "2025-11-04",
    ).incidents
    assert (them.place_id, them.killed.militants, them.killed.soldiers) == ("bajaur", 9, None)
    (family,) = _one(
        extractor,
        "A drone struck a house in Gurbuz on Monday, killing two civilians; three other "
        "members of the family were wounded.",
        "2025-11-04",
    ).incidents
    assert (family.type, family.injured.civilians) == ("air_or_drone_strike", 3)


def test_days_after_states_and_conditions(extractor: Extractor) -> None:
    (bomb,) = _one(
        extractor,
        "The talks opened three days after a roadside bomb killed two soldiers near Wana.",
        "2025-11-20",
    ).incidents
    assert (bomb.type, bomb.date) == ("explosion", "2025-11-17")
    states = _one(
        extractor,
        "Torkham has been closed to trade for two weeks. The reopening of the crossing "
        "depended on talks, Tahir Andrabi said.",
        "2025-11-20",
    )
    assert states.incidents == []
    assert ("Tahir Andrabi", "demand") in {(c.speaker, c.stance) for c in states.claims}
    (dated,) = _one(extractor, "Chaman has been shut since Sunday.", "2025-11-20").incidents
    assert (dated.type, dated.date) == ("border_closure", "2025-11-16")


def test_a_quote_is_spoken_by_whoever_follows_it(extractor: Extractor) -> None:
    claims = _one(
        extractor,
        '"Pakistan expects Kabul to act against the khawarij," the ISPR said, and '
        "demanded guarantees.",
        "2025-11-20",
    ).claims
    assert {(c.speaker, c.stance) for c in claims} == {("ISPR", "demand")}
