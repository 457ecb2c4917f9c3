"""The media concept's rules: when two candidate incidents are one event, and who may
attach press reports to a case.

Two candidates (from different articles, or from one article's per-claimant records)
are one event when

- their dates are within a day of each other (a candidate without a date joins only
  one without a date either, or one with the same place);
- their places are the same or related in the gazetteer: one inside the other, sharing
  a district (``parent``) or, failing that, the same ``admin1``; or facing each other
  across a crossing (Chaman and Spin Boldak); a candidate without a place is related to
  any place;
- their types are compatible: equal, or both violent with one of them a generic armed
  clash or an attack on a post (an ``armed_clash`` ~ ``attack_on_post`` ~ ``shelling``
  ...), but never a violent type with a border closure or reopening.

The media projection clusters each logged candidate with these rules, in log order;
:mod:`truce.media.ingest.cluster` groups a reading's candidates with the same rules
before anything is logged. Pure code: no database, no NLP.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from truce.ledger.envelope import Audience, audience_includes
from truce.scenario.rules import Place, Scenario

VIOLENT = {
    "armed_clash", "attack_on_post", "air_or_drone_strike", "shelling", "infiltration",
    "explosion", "airspace_violation",
}  # fmt: skip
BROAD = {"armed_clash", "attack_on_post"}


class Candidate(Protocol):
    """What the same-event rule reads of a candidate incident."""

    @property
    def date(self) -> str | None: ...
    @property
    def place_id(self) -> str | None: ...
    @property
    def type(self) -> str: ...


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

    def same_event(self, a: Candidate, b: Candidate) -> bool:
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


def readers(scenario: Scenario, author: str, audience: Audience) -> set[str]:
    """The members that may read a body ``author``'s member addressed to ``audience``."""
    return {
        member.code
        for member in scenario.members
        if audience_includes(audience, author, member.code, member.kind == "mediator")
    }
