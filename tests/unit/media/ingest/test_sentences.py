"""Sentence splitting from token arrays against spaCy's own sentencizer."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from truce.media.ingest.articles import read_file
from truce.media.ingest.sentences import SentenceSplitter

ARTICLES = Path(__file__).resolve().parents[3] / "assets" / "articles"

TEXTS = [
    "Two soldiers were killed. Three others were wounded!",
    'ISPR said: "The attack was repulsed." Officials denied it... Later, calm returned?!',
    "No final stop here",
    "Mr. Dar met Gen. Munir on Oct. 12 . Talks (in Doha.) went on",
    "The U.S. said so. ... And then?",
    "Kabul 。 Islamabad ! ? Torkham — reopened.",
    "",
    "   ",
    ".",
    "?! !",
]


def _reference(nlp: Language, text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in nlp(text).sents]


def _pipeline(**config: object) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config=config)
    return nlp


def _article_paragraphs() -> list[str]:
    paragraphs: list[str] = []
    for path in sorted(ARTICLES.rglob("*")):
        if path.is_file() and not path.name.endswith(".json"):
            paragraphs.extend(p for p in read_file(path).text.split("\n") if p.strip())
    return paragraphs


@pytest.mark.parametrize("text", TEXTS)
def test_same_sentences_as_the_sentencizer(text: str) -> None:
    nlp = _pipeline()
    ((doc, sentences),) = SentenceSplitter(nlp).split([text])
    assert doc.text == text
    assert [(s.start, s.end) for s in sentences] == _reference(nlp, text)


def test_same_sentences_over_every_article_paragraph() -> None:
    nlp = _pipeline()
    paragraphs = _article_paragraphs()
    assert len(paragraphs) > 100
    found = [
        [(s.start, s.end) for s in sents] for _, sents in SentenceSplitter(nlp).split(paragraphs)
    ]
    assert found == [_reference(nlp, p) for p in paragraphs]


def test_custom_sentence_final_characters_are_honoured() -> None:
    nlp = _pipeline(punct_chars=[";"])
    text = "One; two. Three; four"
    ((_, sentences),) = SentenceSplitter(nlp).split([text])
    assert [s.text for s in sentences] == ["One;", "two. Three;", "four"]
    assert [(s.start, s.end) for s in sentences] == _reference(nlp, text)


def test_other_pipelines_run_as_they_are() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": ["|"]})
    nlp.add_pipe("sentencizer", name="second", config={"overwrite": True})
    text = "One | two. Three"
    ((_, sentences),) = SentenceSplitter(nlp).split([text])
    assert [(s.start, s.end) for s in sentences] == _reference(nlp, text)
    assert [s.text for s in sentences] == ["One | two.", "Three"]
