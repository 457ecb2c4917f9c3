"""The media concept's rules: the same-event rule and who may read a press report."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from truce.media.rules import Clusterer, readers, types_compatible
from truce.scenario.rules import Scenario


@dataclass(frozen=True)
class Seen:
    date: str | None
    place_id: str | None
    type: str


def test_types() -> None:
    assert types_compatible("armed_clash", "attack_on_post")
    assert types_compatible("shelling", "armed_clash")
    assert not types_compatible("shelling", "explosion")
    assert not types_compatible("armed_clash", "border_closure")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (Seen("2025-11-06", "chaman-spin-boldak", "armed_clash"),
         Seen("2025-11-07", "spin-boldak", "shelling"), True),  # across the crossing, a day apart
        (Seen("2025-11-06", "spin-boldak", "shelling"),
         Seen("2025-11-08", "spin-boldak", "shelling"), False),  # two days apart
        (Seen("2025-11-06", "spin-boldak", "shelling"),
         Seen("2025-11-06", "spin-boldak", "border_closure"), False),  # not the same kind
        (Seen(None, "kabul", "explosion"), Seen(None, "kandahar", "explosion"), False),
        (Seen(None, None, "explosion"), Seen(None, None, "explosion"), True),
    ],
)  # fmt: skip
def test_same_event(scenario: Scenario, a: Seen, b: Seen, same: bool) -> None:
    rule = Clusterer(scenario)
    assert rule.same_event(a, b) is same
    assert rule.same_event(b, a) is same


def test_readers_of_a_restricted_report(scenario: Scenario) -> None:
    everyone = {member.code for member in scenario.members}
    assert readers(scenario, "PK", "all") == everyone
    assert readers(scenario, "PK", ("PK",)) == {"PK"}
    assert "AF" not in readers(scenario, "PK", "mediators")
