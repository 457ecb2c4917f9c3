"""Numbers as news copy writes them: ``23``, ``1,200``, ``twenty-three``, ``a dozen``.

:func:`parse_count` reads a count at the start of a list of words and tells how many
words it took. Phrases that bound a figure (``more than 200``, ``at least six``,
``between sixty and seventy``, ``15 to 20``) give their lower figure; vague amounts
(``dozens``, ``scores``, ``hundreds``) give ``None`` and are reported as vague, so that
extraction leaves the category unspecified instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {
    "zero": 0, "no": 0, "one": 1, "a": 1, "an": 1, "single": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000}
GROUPS = {"dozen": 12, "score": 20}
VAGUE = {"dozens", "scores", "hundreds", "thousands", "several", "many", "some", "few", "numerous"}
BOUNDS = (
    ("more", "than"),
    ("over",),
    ("at", "least"),
    ("up", "to"),
    ("nearly",),
    ("almost",),
    ("around",),
    ("about",),
    ("some",),
    ("roughly",),
    ("approximately",),
    ("as", "many", "as"),
    ("a", "total", "of"),
)
_DIGITS = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+$")


@dataclass(frozen=True)
class Count:
    """A count read from words: ``value`` is ``None`` when the amount is vague."""

    value: int | None
    length: int

    @property
    def vague(self) -> bool:
        """True for ``dozens`` and its kind."""
        return self.value is None


def _word_number(words: list[str], start: int) -> tuple[int, int] | None:
    """A number written in words from ``start``: (value, words taken)."""
    total = 0
    current = 0
    i = start
    seen = False
    while i < len(words):
        word = words[i].lower()
        parts = word.split("-") if "-" in word else [word]
        if all(p in UNITS or p in TENS for p in parts) and not (
            word in {"a", "an", "no", "single"} and seen
        ):
            if word in {"a", "an", "no", "single"} and i + 1 < len(words):
                following = words[i + 1].lower()
                if following in SCALES or following in GROUPS:
                    current += 1
                    seen = True
                    i += 1
                    continue
            current += sum(UNITS.get(p, 0) + TENS.get(p, 0) for p in parts)
            seen = True
            i += 1
        elif seen and word in SCALES:
            current = max(current, 1) * SCALES[word]
            if SCALES[word] >= 1000:
                total += current
                current = 0
            i += 1
        elif seen and word in GROUPS:
            current = max(current, 1) * GROUPS[word]
            i += 1
        elif seen and word == "and" and i + 1 < len(words) and words[i + 1].lower() in UNITS:
            i += 1
        else:
            break
    if not seen:
        return None
    return total + current, i - start


def _single(words: list[str], start: int) -> tuple[int, int] | None:
    if start >= len(words):
        return None
    word = words[start]
    if _DIGITS.match(word):
        value = int(word.replace(",", ""))
        if start + 1 < len(words) and words[start + 1].lower() in SCALES:
            return value * SCALES[words[start + 1].lower()], 2
        return value, 1
    return _word_number(words, start)


_STARTS = set(UNITS) | set(TENS) | VAGUE | {b[0] for b in BOUNDS} | {"between"}


def parse_count(words: list[str], start: int = 0) -> Count | None:
    """The count that begins at ``words[start]``, or ``None`` if no count begins there."""
    i = start
    if i >= len(words):
        return None
    first_word = words[i]
    if not first_word[:1].isdigit() and first_word.lower().split("-")[0] not in _STARTS:
        return None
    for bound in BOUNDS:
        if [w.lower() for w in words[i : i + len(bound)]] == list(bound):
            following = _single(words, i + len(bound))
            if following is not None:
                return Count(following[0], len(bound) + following[1])
    if i < len(words) and words[i].lower() == "between":
        first = _single(words, i + 1)
        if first is not None:
            j = i + 1 + first[1]
            if j < len(words) and words[j].lower() == "and":
                second = _single(words, j + 1)
                if second is not None:
                    return Count(first[0], j + 1 + second[1] - start)
    if i < len(words) and words[i].lower() in VAGUE:
        length = 1
        if i + 1 < len(words) and words[i + 1].lower() == "of":
            length = 2
        return Count(None, length)
    first = _single(words, i)
    if first is None:
        return None
    j = i + first[1]
    # a range "15 to 20" / "15-20" gives its lower figure
    if j + 1 < len(words) and words[j].lower() in {"to", "or"}:
        second = _single(words, j + 1)
        if second is not None and second[0] > first[0]:
            return Count(first[0], j + 1 + second[1] - start)
    return Count(first[0], first[1])


def parse_number_text(text: str) -> int | None:
    """A whole phrase as a number (``"twenty-three"`` → 23), or ``None``."""
    words = text.replace(",", " ,").split() if not _DIGITS.match(text.strip()) else [text.strip()]
    count = parse_count(words)
    if count is None or count.length != len(words):
        return None
    return count.value
