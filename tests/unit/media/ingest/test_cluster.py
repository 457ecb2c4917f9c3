"""Clustering candidate incidents across articles, every source kept."""

from __future__ import annotations

from tests.unit.media.ingest.conftest import ASSETS, load_expected
from truce.media.ingest.cluster import Member, cluster
from truce.media.ingest.schema import CandidateIncident, Casualties
from truce.media.rules import Clusterer
from truce.scenario.rules import Scenario


def _incident(scenario: Scenario, type_: str, date: str | None, place_id: str | None,
              **killed: int) -> CandidateIncident:  # fmt: skip
    place = scenario.place(place_id) if place_id else None
    return CandidateIncident(
        date=date,
        date_precision="day" if date else "unknown",
        place=place.name if place else None,
        place_id=place_id,
        admin1=place.admin1 if place else None,
        country=place.country if place else None,  # type: ignore[arg-type]
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        type=type_,
        actors=[],
        killed=Casualties(**killed),
        injured=Casualties(),
        claimed_by=[],
        disputed_by=[],
        evidence="",
    )


def test_one_event_across_articles_keeps_every_figure(scenario: Scenario) -> None:
    clusterer = Clusterer(scenario)
    a, b = "attack_on_post", "armed_clash"
    members = [
        Member("a", _incident(scenario, a, "2025-10-11", "angoor-adda", soldiers=23)),
        Member("b", _incident(scenario, b, "2025-10-12", "south-waziristan", soldiers=58)),
        Member("c", _incident(scenario, "armed_clash", "2025-11-06", "chaman-spin-boldak")),
        Member("d", _incident(scenario, "shelling", "2025-11-06", "spin-boldak", civilians=5)),
        Member("e", _incident(scenario, "border_closure", "2025-11-06", "chaman-spin-boldak")),
        Member("f", _incident(scenario, "armed_clash", "2025-11-09", "chaman")),
        Member("g", _incident(scenario, "explosion", None, "kabul")),
        Member("h", _incident(scenario, "explosion", None, "kandahar")),
    ]  # fmt: skip
    clusters = cluster(clusterer, members)
    groups = sorted(sorted(m.article for m in c.members) for c in clusters)
    assert groups == [["a", "b"], ["c", "d"], ["e"], ["f"], ["g"], ["h"]]
    border = next(c for c in clusters if {m.article for m in c.members} == {"a", "b"})
    assert [f.killed.soldiers for f in border.figures] == [23, 58]
    assert border.conflicting
    assert border.dates == ["2025-10-11", "2025-10-12"]


def test_annotated_articles_cluster_by_event(scenario: Scenario) -> None:
    members = []
    for name in ("wire-2025-11-06-spin-boldak-firing", "afghan-outlet-2025-11-08-mujahid-presser"):
        for incident in load_expected(ASSETS / f"{name}.expected.json").incidents:
            members.append(Member(name, incident))
    clusters = cluster(Clusterer(scenario), members)
    clash = next(c for c in clusters if "armed_clash" in c.types)
    assert {m.article for m in clash.members} == {
        "wire-2025-11-06-spin-boldak-firing",
        "afghan-outlet-2025-11-08-mujahid-presser",
    }
    assert sorted(f.killed.civilians or 0 for f in clash.figures) == [5, 6]
