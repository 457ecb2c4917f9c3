"""Who says what: the speaker of a clause and the stance of what is said.

A clause's speaker is the noun phrase before its reporting verb (``Taliban spokesman
Zabihullah Mujahid said``, ``“...,” the ISPR said``) or after ``according to``. The
phrase is normalised to a canonical name (:data:`truce.media.ingest.lexicon.SPEAKERS`: ISPR and
"the military" → ``ISPR`` with member PK, a surname → the full name the article gave
earlier, a pronoun or ``the ministry`` → the speaker it refers back to). A titled person
the lexicon does not know (``Commerce Minister Jam Kamal Khan``) keeps the name the
article gives; a named institution (``the Sarhad Chamber of Commerce``) keeps its name;
anonymous speakers (``a security official``, ``residents``) are kept only as the
source of figures, never as speakers of claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from truce.media.ingest.lexicon import (
    ANONYMOUS,
    MEDIA,
    NATIONALITY,
    REPORTING_VERBS,
    SPEAKERS,
    STANCE_RULES,
    STANCE_WORDS,
    TITLES,
)
from truce.media.ingest.schema import Stance

_VERB = re.compile(rf"\b(?:{REPORTING_VERBS}|issued|telling|stating|saying)\b")
_ACCORDING = re.compile(r"\baccording\s+to\s+([^,.;“”\"]+)", re.I)
_CLAUSE_SPLIT = re.compile(
    r",\s+(?=(?:adding|saying|urging|insisting|stating|telling)\b)|"
    r"\s+and\s+(?=(?:said|added|urged|warned|demanded|called|vowed|pledged|accused|blamed|"
    r"rejected|denied|condemned)\b)|;\s+|"
    r",\s+(?=an?\s+(?:charge|claim|accusation|allegation|version)\b)"
)
_ALLOWED_LOWER = set(TITLES) | {
    "of", "and", "for", "deputy", "foreign", "interior", "defence", "defense", "information",
    "commerce", "government", "media", "wing", "military", "army", "ministry", "office",
    "delegation", "side", "officials", "spokesman", "spokesperson", "affairs", "national",
    "security", "prime", "federal", "provincial", "interim", "acting", "senior", "hospital",
    "district", "local", "customs", "border", "residents", "police",
}  # fmt: skip
_SKIP_BEFORE_VERB = {
    "has", "have", "had", "also", "long", "repeatedly", "again", "later", "earlier",
    "meanwhile", "then", "previously", "reportedly", "only", "once", "publicly", "has long",
    "himself", "herself", "separately", "further", "too", ",",
}  # fmt: skip
_STOP_UPPER = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "On", "In",
    "Later", "Earlier", "Meanwhile", "But", "And", "However", "Yesterday", "Today",
}  # fmt: skip
_ADVERBS = {"meanwhile", "however", "also", "too", "then", "instead", "separately", "later"}
_PREPOSITIONS = {"in", "at", "from", "near", "of"}
_PRONOUNS = {"he", "she", "it", "they", "we", "i"}
_INSTITUTION = re.compile(
    r"\b(?:Ministry|Office|Board|Chamber|Committee|Council|Commission|Army|Authority|"
    r"Department|Directorate|Federation|Association|Union)\b"
)
_GOVERNMENT_BODY = re.compile(r"\b(?:Ministry|Office|Army|Directorate|Department)\b")
_NAME = re.compile(
    r"^(?:[A-Z][\w\u2019'.-]+|al-[A-Z][\w-]+|bin|ul)(?:\s+(?:[A-Z][\w\u2019'.-]+|al-[A-Z][\w-]+))+$"
)


@dataclass(frozen=True)
class Speaker:
    """A normalised speaker: ``name``; ``member``; ``named`` when fit to speak a claim."""

    name: str
    member: str | None
    named: bool


@dataclass
class SpeakerResolver:
    """Resolves speaker phrases within one article, remembering who has spoken."""

    surnames: dict[str, Speaker] = field(default_factory=dict)
    history: list[Speaker] = field(default_factory=list)

    def normalise(self, phrase: str) -> Speaker | None:
        """The speaker a phrase names, or ``None`` if it names nobody."""
        phrase = phrase.strip(" ,.;:“”\"'\u2019")
        if not phrase or MEDIA.fullmatch(phrase) or MEDIA.search(phrase.split()[-1]):
            return None
        lower = phrase.lower()
        if lower in _PRONOUNS:
            return self._previous(person=lower in {"he", "she"})
        if lower.startswith("the ") and len(phrase.split()) == 2:
            head = lower.split()[1]
            if head in {"statement", "ministry", "office", "official", "spokesman", "delegate"}:
                found = self._previous(head=head)
                if found is not None:
                    return found
        for name, member, pattern in SPEAKERS:
            if pattern.search(phrase):
                return self._remember(Speaker(name, member, True), name)
        if phrase in self.surnames:
            return self._remember(self.surnames[phrase], None)
        member = _member(phrase)
        words = phrase.split()
        title_at = max((i for i, w in enumerate(words) if w.lower() in TITLES), default=-1)
        name_part = " ".join(words[title_at + 1 :])
        if title_at >= 0 and _NAME.match(name_part) and not ANONYMOUS.search(phrase):
            return self._remember(Speaker(name_part, member, True), name_part)
        if _NAME.match(phrase) and len(words) <= 3 and not _INSTITUTION.search(phrase):
            return self._remember(Speaker(phrase, member, True), phrase)
        if _INSTITUTION.search(phrase) and not ANONYMOUS.search(phrase):
            name = re.sub(r"^(?:the|The)\s+", "", phrase)
            body_member = member if _GOVERNMENT_BODY.search(phrase) else None
            return self._remember(Speaker(name, body_member, True), None)
        generic = re.sub(r"^(?:a|an|the|one|some|another)\s+", "", phrase, flags=re.I)
        return self._remember(Speaker(generic, member, False), None)

    def _remember(self, speaker: Speaker, full_name: str | None) -> Speaker:
        if full_name and " " in full_name:
            self.surnames.setdefault(full_name.split()[-1], speaker)
        self.history.append(speaker)
        return speaker

    def _previous(self, *, person: bool = False, head: str | None = None) -> Speaker | None:
        for speaker in reversed(self.history):
            if head is not None:
                if head in speaker.name.lower() or (
                    head in {"statement", "ministry", "office"}
                    and _INSTITUTION.search(speaker.name)
                ):
                    return speaker
                if head in {"statement"} and speaker.named:
                    return speaker
                continue
            if person and (" " not in speaker.name or _INSTITUTION.search(speaker.name)):
                continue
            return speaker
        return None


def _member(phrase: str) -> str | None:
    for code, pattern in NATIONALITY:
        if pattern.search(phrase):
            return code
    return None


def clauses(sentence: str) -> list[str]:
    """A sentence cut where a second statement begins (``, adding that``, ``; ``)."""
    parts = [p.strip() for p in _CLAUSE_SPLIT.split(sentence)]
    return [p for p in parts if p]


def speaker_phrase(clause: str) -> str | None:
    """The raw noun phrase that speaks in a clause, or ``None``."""
    according = _ACCORDING.search(clause)
    if according:
        return according.group(1).strip()
    opening = clause.lstrip()[:1]
    closing = max(clause.rfind("\u201d"), clause.rfind('"')) if opening in {'"', "\u201c"} else -1
    if closing > 0:  # '"Pakistan expects ...," the ISPR said': the speaker follows the quote
        for match in _VERB.finditer(clause, closing):
            phrase = _phrase_before(clause[: match.start()])
            if phrase:
                return phrase
    for match in _VERB.finditer(clause):
        phrase = _phrase_before(clause[: match.start()])
        if phrase:
            return phrase
    return None


def _phrase_before(text: str) -> str | None:
    text = text.rstrip()
    for quote in ("”", '"'):
        if quote in text:
            text = text[text.rindex(quote) + 1 :]
    words = text.replace(",", " , ").split()
    while words and words[-1].lower() in _SKIP_BEFORE_VERB:
        words.pop()
    segments = " ".join(words).split(" , ")
    segments = [s.strip(" ,") for s in segments if s.strip(" ,")]
    while segments:
        segment = segments[-1]
        first = segment.split()[0] if segment.split() else ""
        starts_apposition = first.lower() in {"a", "an"} and any(
            w.lower() in TITLES for w in segment.split()
        )
        participle = (first.lower().endswith("ing") and first[:1].islower()) or first.lower() in {
            "who",
            "which",
            "whose",
            "whom",
        }
        adverb = len(segment.split()) == 1 and (
            segment.lower().endswith("ly") or segment.lower() in _ADVERBS
        )
        numeric = not any(ch.isalpha() for ch in segment)
        if numeric and len(segments) > 1:
            segments.pop()
            continue
        previous_is_name = len(segments) > 1 and segments[-2].split()[-1][:1].isupper()
        if starts_apposition and not previous_is_name:
            break
        if (starts_apposition or participle or adverb) and len(segments) > 1:
            segments.pop()
            continue
        break
    if not segments:
        return None
    kept: list[str] = []
    for word in reversed(segments[-1].split()):
        bare = word.strip('“”"(')
        if not bare:
            break
        if bare in _PREPOSITIONS and kept and kept[-1][:1].isupper():
            kept.append(bare)  # "residents in Spin Boldak": a place qualifies a speaker
            continue
        if bare in _STOP_UPPER:
            break
        if bare.lower() in {"the", "a", "an", "one", "some", "another"}:
            kept.append(bare)
            break
        if (
            bare[:1].isupper()
            or bare.lower() in _ALLOWED_LOWER
            or bare.startswith("al-")
            or bare.lower() in _PRONOUNS
            or bare.lower() in {"residents", "police", "officials", "official", "sources"}
        ):
            kept.append(bare)
            if bare.lower() in _PRONOUNS:
                break
            continue
        break
    if not kept:
        return None
    return " ".join(reversed(kept))


def stance_of(text: str) -> Stance:
    """The stance a statement takes; ``assessment`` when nothing more specific is said."""
    lower = text.lower() if text.isascii() else None
    for stance, pattern in STANCE_RULES:
        if lower is not None and not any(word in lower for word in STANCE_WORDS[stance]):
            continue
        if pattern.search(text):
            return stance  # type: ignore[return-value]
    return "assessment"
