"""Casualty figures in a sentence: who (category), how many, killed or injured.

A figure is a count (:mod:`truce.media.ingest.numbers`) followed within a few words by a
category noun (``soldiers``, ``civilians``, ``khawarij`` ...) and tied to a verb of
killing or wounding before it (``killing 12 civilians``) or after it (``five soldiers
were killed``, ``29 wounded``). A count without a noun (``and 30 wounded``) or with
``others`` takes the category of the figure before it. Figures of one category in one
sentence add up (a claimant's dead on both sides); a breakdown (``five civilians, four
women and a man``) counts only when the sentence gives no civilian total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from truce.media.ingest.dates import MONTHS
from truce.media.ingest.numbers import parse_count

Kind = Literal["killed", "injured"]
_WORD = re.compile(r"\d{1,3}(?:,\d{3})+|[\w\u2019'-]+|[^\w\s]")
CATEGORY_WORDS = {
    "soldiers": "soldiers", "soldier": "soldiers", "troops": "soldiers", "troopers": "soldiers",
    "personnel": "soldiers", "servicemen": "soldiers", "guards": "soldiers",
    "policemen": "soldiers", "jawans": "soldiers",
    "civilians": "civilians", "civilian": "civilians", "villagers": "civilians",
    "villager": "civilians", "guard": "soldiers", "policeman": "soldiers",
    "trooper": "soldiers", "fighter": "militants", "attacker": "militants",
    "person": "unspecified",
    "militants": "militants", "militant": "militants", "terrorists": "militants",
    "terrorist": "militants", "fighters": "militants", "khawarij": "militants",
    "khwarij": "militants", "kharijis": "militants", "insurgents": "militants",
    "attackers": "militants", "infiltrators": "militants", "taliban": "militants",
    "people": "unspecified", "persons": "unspecified", "others": "same",
}  # fmt: skip
PARTS = {"women", "woman", "children", "child", "men", "man", "boys", "boy", "girls", "girl"}
SINGULAR = {
    "woman", "man", "child", "boy", "girl", "soldier", "civilian", "militant", "terrorist",
    "guard", "policeman", "trooper", "fighter", "attacker", "villager", "person",
}  # fmt: skip
# words that may stand between "one" and its noun: "one Pakistani soldier", "a border guard"
QUALIFIERS = {
    "pakistani", "afghan", "taliban", "border", "security", "local", "young", "other",
    "frontier", "corps", "police", "militia", "senior", "junior", "tribal", "female", "male",
}  # fmt: skip
BLOCKERS = {
    "groups", "group", "positions", "posts", "hours", "days", "weeks", "months", "years",
    "times", "points", "locations", "districts", "trucks", "containers", "km", "kilometres",
    "kilometers", "million", "billion", "dollars", "members", "rounds", "shells", "homes",
    "houses", "cricketers", "players", "kilometre", "metres", "percent", "per", "hour",
}  # fmt: skip
KILLED = {
    "killed", "dead", "died", "killing", "martyred", "neutralised", "neutralized",
    "eliminated", "perished", "slain", "kills",
}  # fmt: skip
KILLED_PHRASES = (("sent", "to", "hell"), ("embraced", "shahadat"), ("lost", "their", "lives"))
INJURED = {"wounded", "injured", "hurt", "wounding", "injuring", "injuries"}
VERB_BEFORE = {"killing": "killed", "killed": "killed", "kills": "killed",
               "wounding": "injured", "injuring": "injured", "wounded": "injured",
               "injured": "injured"}  # fmt: skip
_STOP = {".", ";", "?", "!", "while", "whereas", "but"}
_MONTH_WORDS = {m[:3] for m in MONTHS}


@dataclass(frozen=True)
class Figure:
    """One figure: ``value`` people of ``category`` killed or injured."""

    kind: Kind
    category: str
    value: int


def _is_date_number(words: list[str], i: int, length: int) -> bool:
    word = words[i]
    if re.fullmatch(r"(19|20)\d\d", word):
        return True
    following = words[i + length].lower().rstrip(".")[:3] if i + length < len(words) else ""
    previous = words[i - 1].lower().rstrip(".")[:3] if i > 0 else ""
    if word.isdigit() and (following in _MONTH_WORDS or previous in _MONTH_WORDS):
        return True
    return i + length < len(words) and words[i + length] in {"/", ":"}


def _singular_follows(words: list[str], start: int) -> bool:
    """Whether a singular noun follows, perhaps after qualifiers ("one Pakistani soldier")."""
    for k in range(start, min(start + 3, len(words))):
        token = words[k].lower()
        if token in SINGULAR:
            return True
        if token not in QUALIFIERS:
            return False
    return False


def _category_at(words: list[str], k: int) -> bool:
    return k < len(words) and (words[k].lower() in CATEGORY_WORDS or words[k].lower() in PARTS)


def _referent(words: list[str], before: int) -> str | None:
    """The category "them" stands for: the nearest earlier group that is not the killers.

    ("the attackers had crossed ..., and troops killed seven of them": militants.)
    """
    for k in range(before - 1, -1, -1):
        token = words[k].lower()
        category = CATEGORY_WORDS.get(token)
        if category is None or category in {"same", "unspecified"}:
            continue
        following = words[k + 1].lower() if k + 1 < len(words) else ""
        if following in KILLED or following in INJURED:
            continue  # "troops killed ...": the subject of the killing
        return category
    return None


def _verb_at(words: list[str], k: int) -> Kind | None:
    word = words[k].lower()
    if word in KILLED:
        return "killed"
    if word in INJURED:
        return "injured"
    for phrase in KILLED_PHRASES:
        if tuple(w.lower() for w in words[k : k + len(phrase)]) == phrase:
            return "killed"
    return None


def find_figures(text: str) -> list[Figure]:
    """Every casualty figure of a sentence, in order."""
    words = _WORD.findall(text)
    raw: list[tuple[Kind, str, int]] = []
    last_category = "unspecified"
    last_before: Kind | None = None
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word in {"a", "an", "one"} and not _singular_follows(words, i + 1):
            i += 1
            continue
        count = parse_count(words, i)
        if count is None or count.value is None or _is_date_number(words, i, count.length):
            i += count.length if count is not None else 1
            continue
        j = i + count.length
        category: str | None = None
        end = j
        for k in range(j, min(j + 5, len(words))):
            token = words[k].lower()
            if k == j and words[k].lower() == "other" and not _category_at(words, k + 1):
                category, end = "same", k + 1  # "four other members of the family"
                break
            if k == j and words[k : k + 2] == ["of", "them"]:
                category, end = _referent(words, i) or "same", k + 2  # "seven of them"
                break
            if token in BLOCKERS or token in _STOP or token in {",", "“", "”", '"'}:
                break
            if token in CATEGORY_WORDS or token in PARTS:
                category = "part" if token in PARTS else CATEGORY_WORDS[token]
                end = k + 1
                break
            if parse_count(words, k) is not None and words[k].lower() not in {"a", "an"}:
                break
        kind: Kind | None = None
        before = words[i - 1].lower() if i > 0 else ""
        if before in VERB_BEFORE:
            kind = VERB_BEFORE[before]  # type: ignore[assignment]
        elif before == "and" and last_before is not None:
            kind = last_before
        if category is None and kind is not None:
            category = "same"  # "killing four civilians and injuring eleven"
        if category is None:
            if j < len(words) and (
                _verb_at(words, j) or words[j].lower() in {"had", "have", "were", "was", "are"}
            ):
                category = "same"
            else:
                i = j
                continue
        if kind is None:
            for k in range(end, min(end + 10, len(words))):
                if words[k].lower() in _STOP:
                    break
                kind = _verb_at(words, k)
                if kind is not None:
                    break
            last_before = None
        else:
            last_before = kind
        if kind is None:
            i = end
            continue
        if category == "same":
            category = last_category
        last_category = category if category != "part" else "part"
        raw.append((kind, category, count.value))
        i = end
    figures: list[Figure] = []
    for kind, category, value in raw:
        if category == "part":
            if any(k == kind and c == "civilians" for k, c, _ in raw):
                continue
            category = "civilians"
        figures.append(Figure(kind, category, value))
    return figures


def totals(figures: list[Figure]) -> dict[Kind, dict[str, int]]:
    """Figures added up per kind and category."""
    result: dict[Kind, dict[str, int]] = {"killed": {}, "injured": {}}
    for figure in figures:
        bucket = result[figure.kind]
        bucket[figure.category] = bucket.get(figure.category, 0) + figure.value
    return result
