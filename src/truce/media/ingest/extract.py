"""Extraction: candidate incidents and attributed claims from one article.

The pipeline is spaCy's blank English pipeline with a sentencizer (no model to
download), the scenario gazetteer as a ``PhraseMatcher`` (:mod:`.gazetteer`), and rules
over each sentence: incident triggers (:mod:`.lexicon`), dates (:mod:`.dates`), casualty
figures (:mod:`.casualties`) and speakers (:mod:`.speakers`).

How mentions become incidents
-----------------------------
- A sentence with a trigger opens a candidate. Several triggers in one sentence are one
  event unless a later trigger names a place of its own that is unrelated to the first
  (``The strikes came hours after a suicide car bombing ... in Mir Ali``).
- A candidate without a date of its own that follows an incident of a compatible type
  within two sentences continues it (fills its place, refines ``armed_clash`` to a
  more specific type). A candidate that matches an earlier incident of the article
  (compatible type, same or no date, related or no place) is that incident again: an
  event is reported once per article however often it is mentioned.
- A sentence with figures but no trigger adds its figures to the last incident.
- A candidate with neither a date, nor a place, nor a figure ("a series of deadly
  clashes") is background and is dropped.

Conflicting figures
-------------------
Figures are kept per claimant: the speaker of the sentence that gives them (``ISPR``,
``Zabihullah Mujahid``), or the article itself when unattributed. An event whose
figures come from two or more claimants becomes one record per claimant, each with its
own ``killed``/``injured``, ``claimed_by`` naming that claimant and ``disputed_by``
naming the others (and anyone the article reports denying it). Figures are never added
across claimants nor across sentences of one claimant (a repeated figure is not a new
death); within one sentence, figures of one category add up.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from truce.media.ingest import lexicon
from truce.media.ingest.articles import Article
from truce.media.ingest.casualties import find_figures, totals
from truce.media.ingest.dates import ANAPHORIC, DateMention, days_after, find_dates, years_in
from truce.media.ingest.gazetteer import Gazetteer, PlaceMention
from truce.media.ingest.schema import ArticleMeta, CandidateIncident, Casualties, Claim, Extraction
from truce.media.ingest.sentences import SentenceSplitter
from truce.media.ingest.speakers import Speaker, SpeakerResolver, clauses, speaker_phrase, stance_of
from truce.scenario.rules import Place, Scenario, load_scenario

MAX_CONTINUATION = 2
MAX_FIGURE_DISTANCE = 4
_INFINITIVE = re.compile(r"\bto\s+$", re.I)
# "ISLAMABAD, Oct 12 (Frontier Wire) -", "RAWALPINDI, 26 October 2025:", "DOHA:"
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\u2019-]+(?:[ /][A-Z][A-Z.'\u2019-]+)*)(?:,\s*[^:()\n]{0,30}?)?"
    r"(?:\s*\([^)]{0,40}\))?\s*(?::|\s[-\u2013\u2014])\s+"
)


@dataclass
class _Sentence:
    index: int
    text: str
    places: list[PlaceMention]
    dates: list[DateMention]
    speaker: Speaker | None
    claims: list[Claim]


@dataclass
class _Event:
    type: str
    date: dt.date | None
    precision: str
    place: Place | None
    first: int
    last: int
    own_anchor: bool
    sentences: list[int] = field(default_factory=list)
    figures: dict[str | None, tuple[dict[str, int], dict[str, int], list[int]]] = field(
        default_factory=dict
    )
    sources: list[str] = field(default_factory=list)

    def add_sentence(self, index: int) -> None:
        if index not in self.sentences:
            self.sentences.append(index)
        self.last = max(self.last, index)


def _compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    if a in lexicon.VIOLENT and b in lexicon.VIOLENT:
        return bool({a, b} & {lexicon.GENERIC, "armed_clash"})
    return False


def _refine(current: str, new: str) -> str:
    if current in {lexicon.GENERIC, "armed_clash"} and new not in {lexicon.GENERIC, "armed_clash"}:
        return new
    if current == lexicon.GENERIC:
        return new
    return current


class Extractor:
    """Extracts :class:`Extraction` objects for one scenario. Build once, reuse."""

    def __init__(self, scenario: Scenario, nlp: Language | None = None) -> None:
        self.scenario = scenario
        self.nlp = nlp or spacy.blank("en")
        if "sentencizer" not in self.nlp.pipe_names:
            self.nlp.add_pipe("sentencizer")
        self.gazetteer = Gazetteer(scenario, self.nlp)
        self.splitter = SentenceSplitter(self.nlp)
        self.types = set(scenario.incident_type_ids)

    # -- sentences -----------------------------------------------------------------
    def _sentences(
        self, article: Article, reference: dt.date | None
    ) -> tuple[list[_Sentence], SpeakerResolver]:
        resolver = SpeakerResolver()
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", article.text) if p.strip()]
        if paragraphs:
            paragraphs[0] = _DATELINE.sub("", paragraphs[0], count=1) or paragraphs[0]
        year_hint = None
        if reference is None:
            years = years_in(article.text)
            year_hint = years[-1] if years else None
        own = _own_speaker(article, resolver)
        result: list[_Sentence] = []
        for doc, sents in self.splitter.split(paragraphs):
            mentions = self.gazetteer.find(doc)
            for sent in sents:
                text = sent.text.strip()
                if not text:
                    continue
                places = [
                    PlaceMention(m.start - sent.start_char, m.end - sent.start_char, m.text,
                                 m.place, m.metonym)
                    for m in mentions
                    if sent.start_char <= m.start < sent.end_char
                ]  # fmt: skip
                dates = find_dates(text, reference, year_hint)
                speaker, claims = self._claims(text, resolver, own)
                result.append(_Sentence(len(result), text, places, dates, speaker, claims))
        return result, resolver

    def _claims(
        self, text: str, resolver: SpeakerResolver, own: Speaker | None
    ) -> tuple[Speaker | None, list[Claim]]:
        claims: list[Claim] = []
        first: Speaker | None = None
        current: Speaker | None = None
        for clause in clauses(text):
            phrase = speaker_phrase(clause)
            speaker = resolver.normalise(phrase) if phrase else None
            if speaker is None and current is not None and clause[:1].islower():
                speaker = current  # ", urging ...", "; adding ..." continue the speaker
            stance = stance_of(clause)
            if speaker is None and own is not None and stance != "assessment":
                speaker = own
            if speaker is None:
                continue
            current = speaker
            first = first or speaker
            if speaker.named and speaker.member in {None, "PK", "AF", "TR", "QA"}:
                claims.append(
                    Claim(
                        speaker=speaker.name,
                        member=speaker.member,
                        stance=stance,
                        quote=clause,
                    )
                )
        return first, claims

    # -- incidents -----------------------------------------------------------------
    def _triggers(self, sentence: _Sentence) -> list[tuple[str, int, int]]:
        taken: list[tuple[str, int, int]] = []
        text = sentence.text
        lower = text.lower() if text.isascii() else None
        for kind, pattern in lexicon.TRIGGERS:
            if kind != lexicon.GENERIC and kind not in self.types:
                continue
            if lower is not None and not any(w in lower for w in lexicon.TRIGGER_WORDS[kind]):
                continue
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(s < end and start < e for _, s, e in taken):
                    continue
                before = text[max(0, start - 45) : start]
                after = text[end : end + 30]
                if lexicon.HYPOTHETICAL.search(before) or re.search(
                    r"\b(?:no|any)\s+$", before, re.I
                ):
                    continue
                if re.match(r"\s+(?:(?:from|on)\s+\S+\s+)*(?:\S+\s+){0,4}will\s+cease", after):
                    continue
                taken.append((kind, start, end))
        if lexicon.CROSSING_CONTEXT.search(text):
            for kind, pattern in lexicon.BORDER_TRIGGERS:
                if kind not in self.types:
                    continue
                for match in pattern.finditer(text):
                    start, end = match.span()
                    before = text[max(0, start - 30) : start]
                    ongoing = lexicon.ONGOING_STATE.search(before) and not (
                        lexicon.SINCE_AFTER.match(text[end:])
                    )
                    if ongoing or _INFINITIVE.search(before):
                        continue
                    if lexicon.CONDITIONAL_AFTER.search(text[end:]):
                        continue
                    if any(s < end and start < e for _, s, e in taken):
                        continue
                    taken.append((kind, start, end))
        taken.sort(key=lambda t: t[1])
        return taken

    def _candidates(self, sentence: _Sentence) -> list[tuple[str, Place | None, bool]]:
        """(type, place, own place) for each event the sentence's triggers name."""
        triggers = self._triggers(sentence)
        places = [m for m in sentence.places if not m.metonym]
        out: list[tuple[str, Place | None, bool]] = []
        violent = [t for t in triggers if t[0] in lexicon.VIOLENT]
        border = [t for t in triggers if t[0] in lexicon.BORDER]
        for group, is_border in ((violent, False), (border, True)):
            current: list[tuple[str, Place | None, bool]] = []
            for n, (kind, start, _end) in enumerate(group):
                limit = group[n + 1][1] if n + 1 < len(group) else len(sentence.text)
                after = [m.place for m in places if start <= m.start < limit]
                before = [m.place for m in places if m.start < start]
                own = after[0] if after else None
                if is_border:
                    crossings = [p for p in after + before if p.kind == "crossing"]
                    own = crossings[0] if crossings else own
                place = own if own is not None else (before[0] if (n == 0 and before) else None)
                if current and not is_border:
                    prev_kind, prev_place, prev_own = current[-1]
                    if (
                        place is None
                        or own is None
                        or (prev_place is not None and self.gazetteer.related(prev_place, place))
                    ):
                        merged = prev_kind
                        if prev_kind == "airspace_violation" and kind != lexicon.GENERIC:
                            merged = kind
                        current[-1] = (_refine(merged, kind), prev_place or place, prev_own)
                        continue
                current.append((kind, place, own is not None or (n == 0 and bool(before))))
            out.extend(current)
        return out

    @staticmethod
    def _event_date(
        sentence: _Sentence,
        context: tuple[dt.date | None, str] | None,
        reference: dt.date | None = None,
    ) -> tuple[dt.date | None, str, bool]:
        """(date, precision, own): the sentence's date for an event in it.

        "came two days after a roadside bomb ..." counts back from the event before it
        in the article, or from the reference date when none is dated.
        """
        plain = [d for d in sentence.dates if not d.speech and d.date is not None]
        speech = [d for d in sentence.dates if d.speech and d.date is not None]
        anaphoric = ANAPHORIC.search(sentence.text)
        if anaphoric and re.match(r"the\s+same", anaphoric.group(0), re.I) and context:
            return context[0], context[1], True
        if plain:
            return plain[0].date, plain[0].precision, True
        after = days_after(sentence.text)
        if after is not None:
            base = context[0] if context and context[0] is not None else reference
            if base is not None:
                return base - dt.timedelta(days=after), "day", True
        if anaphoric and context and context[0] is not None:
            return context[0], context[1], True
        if speech:
            return speech[0].date, speech[0].precision, True
        return None, "unknown", False

    def _events(self, sentences: list[_Sentence], reference: dt.date | None) -> list[_Event]:
        events: list[_Event] = []
        last: _Event | None = None
        last_crossing: Place | None = None
        scene: _Sentence | None = None
        for sentence in sentences:
            context = (last.date, last.precision) if last is not None else None
            candidates = self._candidates(sentence)
            if scene is not None and any(kind != lexicon.GENERIC for kind, *_ in candidates):
                sentence = self._with_scene(sentence, scene)
                candidates = self._candidates(sentence)
            touched: list[_Event] = []
            for kind, place, own_place in candidates:
                if kind in lexicon.BORDER and place is None and last_crossing is not None:
                    place = last_crossing
                date, precision, own_date = self._event_date(sentence, context, reference)
                event = self._place_candidate(
                    events, last, sentence.index, kind, place, date, precision, own_date
                )
                if event is None:
                    anchored = own_date or own_place
                    if (
                        not own_date
                        and last is not None
                        and (sentence.index - last.last <= MAX_CONTINUATION + 1)
                        and own_place
                    ):
                        date, precision = last.date, last.precision
                    event = _Event(kind, date, precision, place, sentence.index,
                                   sentence.index, anchored)  # fmt: skip
                    events.append(event)
                event.add_sentence(sentence.index)
                touched.append(event)
                last = event
            scene = sentence if not candidates and (sentence.dates or sentence.places) else None
            for mention in sentence.places:
                if mention.place.kind == "crossing":
                    last_crossing = mention.place
            figures = find_figures(sentence.text)
            target = touched[-1] if touched else None
            if (
                target is None
                and figures
                and last is not None
                and sentence.index - last.last <= MAX_FIGURE_DISTANCE
            ):
                target = last
                target.add_sentence(sentence.index)
            if target is not None and figures:
                claimant = _claimant(sentence)
                sums = totals(figures)
                killed, injured, where = target.figures.setdefault(claimant, ({}, {}, []))
                for bucket, found in ((killed, sums["killed"]), (injured, sums["injured"])):
                    for category, value in found.items():
                        bucket.setdefault(category, value)
                where.append(sentence.index)
            for event in touched:
                if (
                    sentence.speaker is not None
                    and sentence.speaker.named
                    and sentence.speaker.name not in event.sources
                ):
                    event.sources.append(sentence.speaker.name)
        return [e for e in events if e.date is not None or e.place is not None or e.figures]

    def _with_scene(self, sentence: _Sentence, scene: _Sentence) -> _Sentence:
        """A sentence that lacks a date or place takes those of the scene-setting one before.

        ("On 18 October, security forces conducted an operation in Mir Ali. ... after an
        intense exchange of fire, seventeen khawarij were killed.")
        """
        dates = sentence.dates or [
            DateMention(0, 0, d.text, d.date, d.precision, d.speech) for d in scene.dates
        ]
        places = sentence.places or [
            PlaceMention(0, 0, m.text, m.place, m.metonym) for m in scene.places
        ]
        return _Sentence(sentence.index, sentence.text, places, dates, sentence.speaker,
                         sentence.claims)  # fmt: skip

    def _place_candidate(
        self,
        events: list[_Event],
        last: _Event | None,
        index: int,
        kind: str,
        place: Place | None,
        date: dt.date | None,
        precision: str,
        own_date: bool,
    ) -> _Event | None:
        """The existing event this mention belongs to (updated), or ``None``.

        A mention with neither date nor place of its own whose type is exactly that of an
        earlier event, and not that of the last one, refers back to the earlier event
        ("over the unprovoked firing" after a separate shelling).
        """
        if (
            last is not None
            and not own_date
            and place is None
            and kind not in {lexicon.GENERIC, last.type}
        ):
            for event in reversed(events):
                if event.type == kind:
                    return event
        if (
            last is not None
            and not own_date
            and index - last.last <= MAX_CONTINUATION
            and _compatible(last.type, kind)
            and (place is None or last.place is None or self.gazetteer.related(place, last.place))
        ):
            last.type = _refine(last.type, kind)
            if last.place is None:
                last.place = place
            return last
        for event in reversed(events):
            if not (
                event.type == kind
                or (lexicon.GENERIC in {event.type, kind} and _compatible(event.type, kind))
            ):
                continue
            if event.date is not None and date is not None and event.date != date:
                continue
            if date is None and index - event.last > MAX_CONTINUATION and place is None:
                continue
            if (place is None) != (event.place is None) and date is None:
                continue
            if place is not None and event.place is not None:
                if not self.gazetteer.related(place, event.place):
                    continue
            elif date is None or event.date is None:
                continue
            event.type = _refine(event.type, kind)
            event.place = event.place or place
            if event.date is None and date is not None:
                event.date, event.precision = date, precision
            return event
        return None

    # -- records -------------------------------------------------------------------
    def _records(self, events: list[_Event], sentences: list[_Sentence]) -> list[CandidateIncident]:
        records: list[CandidateIncident] = []
        for event in events:
            kind = "armed_clash" if event.type == lexicon.GENERIC else event.type
            if kind not in self.types:
                kind = "other" if "other" in self.types else next(iter(self.types))
            deniers = [
                c.speaker
                for i in range(event.first, event.last + 2)
                if i < len(sentences)
                for c in sentences[i].claims
                if c.stance == "denial"
            ]
            base = sorted(event.sentences)[:1]
            claimants = [c for c, (k, j, _) in event.figures.items() if k or j]
            groups: list[tuple[str | None, dict[str, int], dict[str, int], list[int]]] = []
            if len(claimants) >= 2:
                for name in claimants:
                    groups.append((name, *event.figures[name]))
            else:
                all_killed: dict[str, int] = {}
                all_injured: dict[str, int] = {}
                all_where: list[int] = []
                for k, j, w in event.figures.values():
                    all_killed.update({a: b for a, b in k.items() if a not in all_killed})
                    all_injured.update({a: b for a, b in j.items() if a not in all_injured})
                    all_where.extend(w)
                only = claimants[0] if claimants else None
                groups.append((only, all_killed, all_injured, all_where))
            for claimant, killed, injured, where in groups:
                evidence_ids = sorted(set(base + where))[:3]
                evidence = " ".join(sentences[i].text for i in evidence_ids)
                if claimant is not None:
                    claimed_by = [claimant]
                elif len(groups) == 1 and not killed and not injured:
                    claimed_by = list(event.sources)
                else:
                    claimed_by = []
                others = [c for c, *_ in groups if c is not None and c != claimant]
                disputed = [d for d in [*others, *deniers] if d not in claimed_by]
                records.append(
                    _record(event, kind, killed, injured, claimed_by,
                            list(dict.fromkeys(disputed)), evidence)
                )  # fmt: skip
        return records

    # -- public --------------------------------------------------------------------
    def extract(self, article: Article, *, published: dt.date | None = None) -> Extraction:
        """Candidate incidents and claims of one article (``published`` overrides its date)."""
        reference = published or article.published
        sentences, _ = self._sentences(article, reference)
        events = self._events(sentences, reference)
        incidents = self._records(events, sentences)
        claims = [c for s in sentences for c in s.claims]
        return Extraction(
            article=ArticleMeta(
                title=article.title,
                outlet=article.outlet,
                published=reference.isoformat() if reference else None,
            ),
            incidents=incidents,
            claims=claims,
        )


def _claimant(sentence: _Sentence) -> str | None:
    return sentence.speaker.name if sentence.speaker is not None else None


def _own_speaker(article: Article, resolver: SpeakerResolver) -> Speaker | None:
    """The speaker an outlet is (an ISPR press release speaks as ISPR)."""
    if not article.outlet:
        return None
    for name, member, pattern in lexicon.SPEAKERS:
        if pattern.search(article.outlet):
            return Speaker(name, member, True)
    return None


def _actors(text: str) -> list[str]:
    found = [
        (m.start(), name) for name, pattern in lexicon.ACTORS for m in [pattern.search(text)] if m
    ]
    return [name for _, name in sorted(found)]


def _record(
    event: _Event,
    kind: str,
    killed: dict[str, int],
    injured: dict[str, int],
    claimed_by: list[str],
    disputed_by: list[str],
    evidence: str,
) -> CandidateIncident:
    place = event.place
    country = place.country if place is not None and place.country in {"PK", "AF"} else None
    return CandidateIncident(
        date=event.date.isoformat() if event.date else None,
        date_precision=event.precision if event.date else "unknown",
        place=place.name if place else None,
        place_id=place.id if place else None,
        admin1=place.admin1 if place else None,
        country=country,
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        type=kind,
        actors=_actors(evidence),
        killed=Casualties(**killed),
        injured=Casualties(**injured),
        claimed_by=claimed_by,
        disputed_by=disputed_by,
        evidence=evidence,
    )


@lru_cache(maxsize=8)
def extractor_for(scenario_dir: str) -> Extractor:
    """A cached :class:`Extractor` for a scenario folder or file."""
    return Extractor(load_scenario(Path(scenario_dir)))


def extract(
    article: Article, scenario: Scenario | Extractor, *, published: dt.date | None = None
) -> Extraction:
    """Extract one article with a scenario (or a ready :class:`Extractor`)."""
    extractor = scenario if isinstance(scenario, Extractor) else Extractor(scenario)
    return extractor.extract(article, published=published)
