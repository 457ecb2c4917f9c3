"""Plausible facts: an allegation's incident falls within the period the mechanism
hears and not after the allegation itself, from either party's side."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.cases.test_rules import SCENARIO, T0, actor
from truce.cases.rules import lodge
from truce.errors import RefusedActError


def body(accused: str, occurred_at: str) -> dict[str, object]:
    return {
        "accused": {"member": accused},
        "clauses": ["C4"],
        "incident": {
            "type": "shelling",
            "occurred_at": occurred_at,
            "time_precision": "hour",
            "place": {"place_id": "torkham", "precision": "approximate"},
        },
    }


@pytest.mark.parametrize(("lodger", "accused"), [("PK", "AF"), ("AF", "PK")])
@pytest.mark.parametrize(
    ("occurred_at", "message"),
    [
        ("1900-01-01T00:00:00Z", "before 2025-10-01, when the period this mechanism hears"),
        ("2025-09-30T23:59:59Z", "before 2025-10-01"),
        ("2099-01-01T00:00:00Z", "later than the allegation itself"),
        ((T0 + timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ"), "later than the allegation"),
    ],
)
def test_an_implausible_incident_time_is_refused(
    lodger: str, accused: str, occurred_at: str, message: str
) -> None:
    with pytest.raises(RefusedActError, match=message) as caught:
        lodge(SCENARIO, "c", actor(lodger), body(accused, occurred_at))
    assert caught.value.field == "body.incident.occurred_at"


@pytest.mark.parametrize(
    "occurred_at",
    ["2025-10-01T00:00:00Z", "2025-10-09T17:20:00Z", T0.strftime("%Y-%m-%dT%H:%M:%SZ")],
)
def test_a_plausible_incident_time_is_admitted(occurred_at: str) -> None:
    assert lodge(SCENARIO, "c", actor("PK"), body("AF", occurred_at)).accused == "AF"
