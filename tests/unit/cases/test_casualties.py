"""Casualty figures are counted in the scenario's categories and harms, from either side."""

from __future__ import annotations

import pytest

from tests.unit.cases.test_incident_time import body
from tests.unit.cases.test_rules import SCENARIO, actor
from truce.acts.bodies import LodgeBody
from truce.cases.rules import lodge
from truce.errors import RefusedActError
from truce.scenario.facts import DEFAULT_CASUALTIES

#: A mechanism that counts neither police and levies nor the missing.
NARROW = SCENARIO.model_copy(
    update={
        "casualties": DEFAULT_CASUALTIES.model_copy(
            update={
                "categories": [c for c in DEFAULT_CASUALTIES.categories if c.id != "police_levies"],
                "harms": [h for h in DEFAULT_CASUALTIES.harms if h.id != "missing"],
            }
        )
    }
)
PARTIES = [("PK", "AF"), ("AF", "PK")]


def with_figures(accused: str, **figures: dict[str, int]) -> dict[str, object]:
    lodged = body(accused, "2025-11-06T09:00:00Z")
    lodged["incident"] = {**lodged["incident"], **figures}  # type: ignore[dict-item]
    return lodged


@pytest.mark.parametrize(("lodger", "accused"), PARTIES)
def test_police_levies_unspecified_and_the_missing_are_counted(lodger: str, accused: str) -> None:
    figures = with_figures(
        accused,
        killed={"police_levies": 4, "unspecified": 1, "militants": 9},
        missing={"police_levies": 2},
    )
    LodgeBody.model_validate({**figures, "narrative": "x", "language": "en"})
    assert lodge(SCENARIO, "c", actor(lodger), figures).lodged_by == lodger


@pytest.mark.parametrize(("lodger", "accused"), PARTIES)
@pytest.mark.parametrize(
    ("figures", "field", "message"),
    [
        (
            {"killed": {"police_levies": 4}},
            "body.incident.killed.police_levies",
            "'police_levies' is not a casualty category",
        ),
        ({"missing": {"civilians": 2}}, "body.incident.missing", "does not count people missing"),
    ],
)
def test_a_figure_the_scenario_does_not_count_is_refused_naming_its_field(
    lodger: str, accused: str, figures: dict[str, dict[str, int]], field: str, message: str
) -> None:
    with pytest.raises(RefusedActError, match=message) as caught:
        lodge(NARROW, "c", actor(lodger), with_figures(accused, **figures))
    assert caught.value.field == field


def test_an_allegation_in_the_first_bodys_shape_still_reads() -> None:
    """Acts lodged before the lists (soldiers, civilians, militants; killed, injured)."""
    old = with_figures("AF", killed={"soldiers": 2, "militants": 3}, injured={"civilians": 1})
    assert (
        LodgeBody.model_validate({**old, "narrative": "x", "language": "en"}).incident.missing
        is None
    )
    assert lodge(NARROW, "c", actor("PK"), old).accused == "AF"
