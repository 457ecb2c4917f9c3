"""The scenario's gazetteer as a matcher: names and aliases in text → places.

Names are matched case-sensitively (``Dir`` the town, not "dir"), with hyphen and
en-dash variants (``Khyber-Pakhtunkhwa``, ``Chaman-Spin Boldak``). A name shared by
several places (``Kandahar`` the city and the province) is resolved by the word that
follows it (``province``, ``district``/``districts``, ``crossing``/``border``) and
otherwise by preferring the most specific kind: a town or village, then a crossing, a
district and a province.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from truce.scenario.rules import Place, Scenario

KIND_ORDER = {"town": 0, "village": 0, "crossing": 1, "district": 2, "province": 3}
# Descriptions that stand for a gazetteer name (matched like an alias of that name).
DESCRIPTIONS = {"Afghan capital": "Kabul", "capital Kabul": "Kabul"}
# A place name followed by one of these is the government speaking ("Kabul said").
_METONYM_NEXT = {
    "said", "says", "would", "will", "has", "had", "is", "was", "accused", "blamed",
    "denied", "denies", "insists", "insisted", "must", "wants", "take", "takes", "should",
    "to", "'s", "\u2019s",
}  # fmt: skip
_METONYM_PREV = {
    "government", "regime", "administration", "urging", "urged", "told", "power", "rulers",
    "authorities", "leadership", "by", "with",
}  # fmt: skip
# verbs after a capital that acts as its government ("demanded that Kabul investigate")
_METONYM_VERBS = {
    "investigate", "act", "acts", "acted", "did", "does", "could", "can", "agreed",
    "rejected", "refused", "responded", "demanded", "demands", "expects", "wanted", "needs",
}  # fmt: skip
_PREPOSITIONS = {"in", "at", "of", "from", "near", "around"}
_PLACE_WORDS = {"District", "Districts", "Province", "Agency", "Valley", "Crossing", "Border",
                "Gate", "Sector", "Pass", "Road", "Square"}  # fmt: skip


@dataclass(frozen=True)
class PlaceMention:
    """A gazetteer place named in a text, by character offsets."""

    start: int
    end: int
    text: str
    place: Place
    metonym: bool


def _variants(name: str) -> set[str]:
    forms = {name}
    if " " in name:
        forms.add(name.replace(" ", "-"))
    for dash in ("\u2013", "\u2014", "-"):
        if dash in name:
            for other in ("-", "\u2013", " - ", " "):
                forms.add(name.replace(dash, other))
    return forms


class Gazetteer:
    """Finds and resolves the scenario's places in sentences."""

    def __init__(self, scenario: Scenario, nlp: Language) -> None:
        self.places = {p.id: p for p in scenario.places}
        self._by_name: dict[str, list[Place]] = {}
        for place in scenario.places:
            for name in [place.name, *place.aliases]:
                for form in _variants(name):
                    self._by_name.setdefault(form.lower(), []).append(place)
        for description, name in DESCRIPTIONS.items():
            if name.lower() in self._by_name:
                self._by_name[description.lower()] = self._by_name[name.lower()]
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for key in self._by_name:
            original = self._original_forms(key)
            self.matcher.add(key, [nlp.make_doc(form) for form in original])

    def _original_forms(self, key: str) -> list[str]:
        forms: set[str] = set()
        for place in self._by_name[key]:
            for name in [place.name, *place.aliases, *DESCRIPTIONS]:
                forms.update(f for f in _variants(name) if f.lower() == key)
        return sorted(forms) or [key]

    def find(self, doc: Doc) -> list[PlaceMention]:
        """The places named in ``doc``, longest match first at each position, in order."""
        spans = []
        for match_id, start, end in self.matcher(doc):
            spans.append((start, end, doc.vocab.strings[match_id]))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        found: list[PlaceMention] = []
        last_end = -1
        for start, end, key in spans:
            if start < last_end:
                continue
            last_end = end
            following = [t.lower_ for t in doc[end : end + 3]]
            previous = doc[start - 1].lower_ if start > 0 else ""
            place = self.resolve(key, following)
            metonym = (
                (
                    bool(following)
                    and following[0] in _METONYM_NEXT
                    and previous not in _PREPOSITIONS
                )
                or (bool(following) and following[0] in _METONYM_VERBS)
                or (
                    previous == "from"  # where attackers or fire came from, not where it happened
                )
                or (
                    previous in _METONYM_PREV
                    or (previous == "in" and start > 1 and doc[start - 2].lower_ in _METONYM_PREV)
                )
            )
            if end < len(doc) and doc[end].is_title and doc[end].text not in _PLACE_WORDS:
                metonym = True  # part of a longer proper name: "Kabul Observer"
            span = doc[start:end]
            found.append(PlaceMention(span.start_char, span.end_char, span.text, place, metonym))
        return found

    def resolve(self, key: str, following: Iterable[str] = ()) -> Place:
        """The place a name stands for, given the words that follow it."""
        candidates = self._by_name[key.lower()]
        words = list(following)
        wanted: str | None = None
        nearby = words[:3]
        if words and words[0] in {"province", "provinces"}:
            wanted = "province"
        elif any(w in {"district", "districts", "agency"} for w in nearby):
            wanted = "district"
        elif words and words[0] in {"crossing", "border", "gate"}:
            wanted = "crossing"
        if wanted == "crossing":
            crossing = self._crossing_named(key)
            if crossing is not None:
                return crossing
        if wanted is not None:
            for place in candidates:
                if place.kind == wanted:
                    return place
        return min(candidates, key=lambda p: KIND_ORDER.get(p.kind, 9))

    def _crossing_named(self, key: str) -> Place | None:
        edge = r"[\s\u2013\u2014-]"
        pattern = re.compile(rf"(^|{edge}){re.escape(key)}($|{edge})", re.IGNORECASE)
        for place in self.places.values():
            if place.kind == "crossing" and any(
                pattern.search(name) for name in [place.name, *place.aliases]
            ):
                return place
        return None

    def related(self, a: Place, b: Place) -> bool:
        """Same place, one inside the other, siblings, or facing across a crossing."""
        if a.id == b.id:
            return True
        chain_a, chain_b = self.chain(a), self.chain(b)
        if a.id in chain_b or b.id in chain_a:
            return True
        if a.parent and a.parent == b.parent and a.kind != "province":
            return True
        for x, y in ((a, b), (b, a)):
            for node in self.chain(x):
                place = self.places.get(node)
                if place is not None and place.opposite and place.opposite in self.chain(y):
                    return True
        return False

    def chain(self, place: Place) -> list[str]:
        """The place's id followed by its ancestors' ids."""
        ids = [place.id]
        seen = {place.id}
        current = place
        while current.parent and current.parent not in seen and current.parent in self.places:
            current = self.places[current.parent]
            ids.append(current.id)
            seen.add(current.id)
        return ids

    def district_of(self, place: Place) -> str:
        """The id of the district (or province, or the place itself) that holds ``place``."""
        for node in self.chain(place):
            found = self.places[node]
            if found.kind in {"district", "province"}:
                return node
        return place.id
