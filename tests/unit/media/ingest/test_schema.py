"""The extraction JSON: strict models that round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.unit.media.ingest.conftest import annotated_articles, load_expected
from truce.media.ingest.articles import read_file
from truce.media.ingest.extract import Extractor
from truce.media.ingest.schema import Extraction

PAIRS = annotated_articles()


@pytest.mark.parametrize(("article", "expected"), PAIRS, ids=[p[0].name for p in PAIRS])
def test_expectations_round_trip(article: Path, expected: Path) -> None:
    data = json.loads(expected.read_text("utf-8"))
    model = Extraction.model_validate(data)
    assert model.model_dump(mode="json") == data
    assert Extraction.model_validate_json(model.model_dump_json()) == model


def test_extraction_output_round_trips(extractor: Extractor) -> None:
    for article, _ in PAIRS:
        result = extractor.extract(read_file(article))
        again = Extraction.model_validate(json.loads(result.model_dump_json()))
        assert again == result


def test_unknown_keys_and_bad_values_are_refused() -> None:
    good = load_expected(PAIRS[0][1]).model_dump(mode="json")
    with pytest.raises(ValidationError):
        Extraction.model_validate({**good, "extra": 1})
    bad_stance = {
        **good,
        "claims": [{"speaker": "x", "member": None, "stance": "rant", "quote": "q"}],
    }
    with pytest.raises(ValidationError):
        Extraction.model_validate(bad_stance)
    bad_date = {**good, "article": {"title": None, "outlet": None, "published": "12/10/2025"}}
    with pytest.raises(ValidationError):
        Extraction.model_validate(bad_date)


def test_expected_types_belong_to_the_taxonomy(extractor: Extractor) -> None:
    for _, expected in PAIRS:
        for incident in load_expected(expected).incidents:
            assert incident.type in extractor.types
            if incident.place_id is not None:
                place = extractor.scenario.place(incident.place_id)
                assert place is not None
                assert (place.lat, place.lon, place.admin1) == (
                    incident.lat,
                    incident.lon,
                    incident.admin1,
                )
