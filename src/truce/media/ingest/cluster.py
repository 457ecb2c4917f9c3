"""De-duplication across articles: candidate incidents of the same event, clustered.

Two candidates (from different articles, or from one article's per-claimant records)
belong to the same event when

- their dates are within a day of each other (a candidate without a date joins only
  a cluster whose candidates have none either, or one with the same place);
- their places are the same or related in the gazetteer: one inside the other, sharing
  a district (``parent``) or, failing that, the same ``admin1``; or facing each other
  across a crossing (Chaman and Spin Boldak); a candidate without a place is related to
  any place;
- their types are compatible: equal, or both violent with one of them a generic armed
  clash or an attack on a post (an ``armed_clash`` ~ ``attack_on_post`` ~ ``shelling``
  ...), but never a violent type with a border closure or reopening.

A cluster keeps every member as it came: each source and each figure stays side by
side (:attr:`Cluster.figures` lists ISPR's count beside Mujahid's); nothing is summed
or averaged across sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from truce.media.ingest.schema import CandidateIncident, Casualties
from truce.scenario.rules import Place, Scenario

VIOLENT = {
    "armed_clash", "attack_on_post", "air_or_drone_strike", "shelling", "infiltration",
    "explosion", "airspace_violation",
}  # fmt: skip
BROAD = {"armed_clash", "attack_on_post"}


@dataclass(frozen=True)
class Member:
    """One candidate incident and the article it came from."""

    article: str
    incident: CandidateIncident


@dataclass(frozen=True)
class Figure:
    """One source's figures for the event."""

    article: str
    claimed_by: tuple[str, ...]
    killed: Casualties
    injured: Casualties


@dataclass
class Cluster:
    """The candidates that describe one event, every source kept."""

    members: list[Member] = field(default_factory=list)

    @property
    def types(self) -> list[str]:
        """The types the members give, most frequent first."""
        counts: dict[str, int] = {}
        for member in self.members:
            counts[member.incident.type] = counts.get(member.incident.type, 0) + 1
        return sorted(counts, key=lambda t: (-counts[t], t))

    @property
    def dates(self) -> list[str]:
        """The distinct dates the members give, in order."""
        return sorted({m.incident.date for m in self.members if m.incident.date})

    @property
    def places(self) -> list[str]:
        """The distinct place ids the members give."""
        return sorted({m.incident.place_id for m in self.members if m.incident.place_id})

    @property
    def sources(self) -> list[str]:
        """Every claimant named by a member, and every article, without repeats."""
        found: list[str] = []
        for member in self.members:
            for name in [*member.incident.claimed_by, member.article]:
                if name not in found:
                    found.append(name)
        return found

    @property
    def figures(self) -> list[Figure]:
        """Each member's figures, side by side (members without figures left out)."""
        return [
            Figure(m.article, tuple(m.incident.claimed_by), m.incident.killed, m.incident.injured)
            for m in self.members
            if not (m.incident.killed.is_empty() and m.incident.injured.is_empty())
        ]

    @property
    def conflicting(self) -> bool:
        """True when two members give different figures for the same category."""
        for kind in ("killed", "injured"):
            for category in ("soldiers", "civilians", "militants", "unspecified"):
                values = {
                    getattr(getattr(f, kind), category)
                    for f in self.figures
                    if getattr(getattr(f, kind), category) is not None
                }
                if len(values) > 1:
                    return True
        return False


def types_compatible(a: str, b: str) -> bool:
    """Equal, or both violent with one of them a broad type (armed clash, attack on post)."""
    if a == b:
        return True
    return a in VIOLENT and b in VIOLENT and bool({a, b} & BROAD)


class Clusterer:
    """Groups candidate incidents by event, for one scenario's gazetteer."""

    def __init__(self, scenario: Scenario) -> None:
        self.places = {p.id: p for p in scenario.places}

    def _chain(self, place: Place) -> list[str]:
        ids = [place.id]
        current = place
        while current.parent and current.parent in self.places and current.parent not in ids:
            current = self.places[current.parent]
            ids.append(current.id)
        return ids

    def _district(self, place: Place) -> str:
        for node in self._chain(place):
            if self.places[node].kind == "district":
                return node
        return place.id

    def places_related(self, a: str | None, b: str | None) -> bool:
        """Same place, one inside the other, same district, or facing across a crossing."""
        if a is None or b is None:
            return True
        if a == b:
            return True
        first, second = self.places.get(a), self.places.get(b)
        if first is None or second is None:
            return False
        chain_a, chain_b = self._chain(first), self._chain(second)
        if a in chain_b or b in chain_a:
            return True
        if self._district(first) == self._district(second):
            return True
        for x_chain, y_chain in ((chain_a, chain_b), (chain_b, chain_a)):
            for node in x_chain:
                opposite = self.places[node].opposite
                if opposite and opposite in y_chain:
                    return True
        kinds = {first.kind, second.kind}
        return bool(kinds & {"province"}) and first.admin1 == second.admin1

    @staticmethod
    def dates_close(a: str | None, b: str | None) -> bool:
        """Within a day; two unknown dates are close."""
        if a is None or b is None:
            return a is None and b is None
        return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days) <= 1

    def same_event(self, a: CandidateIncident, b: CandidateIncident) -> bool:
        """Whether two candidates describe the same event."""
        if not types_compatible(a.type, b.type):
            return False
        if not self.places_related(a.place_id, b.place_id):
            return False
        if a.date is None or b.date is None:
            both_placed = a.place_id is not None and b.place_id is not None
            return (a.date is None and b.date is None) or (
                both_placed and self.places_related(a.place_id, b.place_id)
            )
        return self.dates_close(a.date, b.date)

    def cluster(self, members: list[Member]) -> list[Cluster]:
        """Clusters of the candidates, single-link, in the order first seen."""
        clusters: list[Cluster] = []
        for member in members:
            joined = [
                c
                for c in clusters
                if any(self.same_event(member.incident, m.incident) for m in c.members)
            ]
            if not joined:
                clusters.append(Cluster([member]))
                continue
            target = joined[0]
            target.members.append(member)
            for other in joined[1:]:
                target.members.extend(other.members)
                clusters.remove(other)
        return clusters
