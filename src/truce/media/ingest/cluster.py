"""De-duplication across articles: candidate incidents of the same event, clustered
with the media concept's same-event rule (:class:`truce.media.rules.Clusterer`).

A cluster keeps every member as it came: each source and each figure stays side by
side (:attr:`Cluster.figures` lists ISPR's count beside Mujahid's); nothing is summed
or averaged across sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from truce.media.ingest.schema import CandidateIncident, Casualties
from truce.media.rules import Clusterer, types_compatible

__all__ = ["Cluster", "Figure", "Member", "cluster", "types_compatible"]


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


def cluster(rule: Clusterer, members: list[Member]) -> list[Cluster]:
    """Clusters of the candidates, single-link, in the order first seen."""
    clusters: list[Cluster] = []
    for member in members:
        joined = [
            c
            for c in clusters
            if any(rule.same_event(member.incident, m.incident) for m in c.members)
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
