"""Shared fixtures of the media-monitoring tests: the scenario, one extractor, the assets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from truce.media.ingest.extract import Extractor
from truce.media.ingest.schema import Extraction
from truce.scenario.rules import Scenario

ROOT = Path(__file__).resolve().parents[4]
ASSETS = ROOT / "tests" / "assets" / "articles"
SCENARIO_DIR = ROOT / "scenarios" / "istanbul-2025"


def annotated_articles() -> list[tuple[Path, Path]]:
    """(article, expectation) pairs in the assets folder."""
    pairs = []
    for expected in sorted(ASSETS.glob("*.expected.json")):
        stem = expected.name.removesuffix(".expected.json")
        articles = [p for p in ASSETS.glob(f"{stem}.*") if not p.name.endswith(".json")]
        assert len(articles) == 1, expected
        pairs.append((articles[0], expected))
    return pairs


def load_expected(path: Path) -> Extraction:
    """An expectation file as the schema."""
    return Extraction.model_validate(json.loads(path.read_text("utf-8")))


@pytest.fixture(scope="session")
def extractor(scenario: Scenario) -> Extractor:
    return Extractor(scenario)
