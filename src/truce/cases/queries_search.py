"""Case search: the visible cases whose title, narrative, place or actors hold every
word of a query; and the titles the search (and every page) gives a case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    union_all,
)

from truce.log.audience import Reader, visible
from truce.scenario.rules import Scenario
from truce.storage.models import Act, Body, CaseRecord
from truce.storage.schema import SEARCH_TABLE


def lodged_text(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The allegation in a case's opening body: a lodge, or a counter-claim's ``counter_case``."""
    counter = body.get("counter_case")
    return counter if isinstance(counter, Mapping) else body


def _text_match(connection: Connection, word: str) -> Select[Any]:
    """SQL: the ids of the cases whose stored words (``cases.search_text``, casefolded)
    contain ``word`` (casefolded) as a substring, through the text index of migration 0009.

    SQLite's trigram index answers a phrase of three characters or more (FTS5 folds the
    case of both sides, so it may return a few more, never fewer); a shorter word is
    looked for in the column, row by row. PostgreSQL's ``LIKE`` is exact on the
    casefolded text, and its trigram index serves it.
    """
    if connection.dialect.name == "postgresql":
        return select(CaseRecord.id).where(CaseRecord.search_text.contains(word, autoescape=True))
    if len(word) >= 3:
        index = table(SEARCH_TABLE, column("rowid"))
        phrase = '"' + word.replace('"', '""') + '"'
        return select(index.c.rowid).where(literal_column(SEARCH_TABLE).match(phrase))
    return select(CaseRecord.id).where(func.instr(CaseRecord.search_text, word) > 0)


@dataclass(frozen=True, slots=True)
class _Word:
    """A searched word as SQL: ``candidates`` selects the ids of a set of cases holding
    every case whose search text holds the word (through the indexes), ``holds`` says
    the same of one row (for a walk over the cases). Both may take a few more, which
    the Python check drops; neither leaves one out."""

    candidates: CompoundSelect[Any] | Select[Any]
    holds: ColumnElement[bool]


def _word(connection: Connection, scenario: Scenario, word: str) -> _Word:
    """The SQL of ``word`` (casefolded, without a comma).

    The text is the title (type label, place name or coordinates), the place's aliases
    and province, and the allegation's narrative, actors and accused group. The last are
    the case's ``search_text``, found through the text index; the scenario's words are
    matched here, and name the types and places whose cases hold them. Every case's type
    and place come from the scenario (``truce.cases.rules.lodge`` refuses others), so
    a case without a place is the one titled by its coordinates.
    """
    labels, _names = titles(scenario)
    types = [kind for kind, label in labels.items() if word in f"{kind} {label}".casefold()]
    places = [
        place.id
        for place in scenario.places
        if word in " ".join([place.name, *place.aliases, place.admin1 or ""]).casefold()
    ]
    position = func.strpos if connection.dialect.name == "postgresql" else func.instr
    holding = [_text_match(connection, word)]
    holds = [position(CaseRecord.search_text, word) > 0]
    if types:
        holding.append(select(CaseRecord.id).where(CaseRecord.type.in_(types)))
        holds.append(CaseRecord.type.in_(types))
    if places:
        holding.append(select(CaseRecord.id).where(CaseRecord.place_id.in_(places)))
        holds.append(CaseRecord.place_id.in_(places))
    if set(word) <= set("0123456789.-"):
        holding.append(select(CaseRecord.id).where(CaseRecord.place_id.is_(None)))
        holds.append(CaseRecord.place_id.is_(None))
    return _Word(union_all(*holding) if len(holding) > 1 else holding[0], or_(*holds))


#: Above this many candidates for its rarest word, a search walks the cases newest first
#: instead: every word is then common (in one case of ``cases / SPARSE`` at least), and
#: the walk tends to meet ``limit`` matches soon, where sorting every candidate would
#: cost more.
SPARSE = 2_000
#: What the search reads of a case before it knows it matches: no JSON to decode.
_SEARCHED = (
    CaseRecord.id,
    CaseRecord.type,
    CaseRecord.place_id,
    CaseRecord.lat,
    CaseRecord.lon,
    CaseRecord.search_text,
)


def search_cases(
    connection: Connection,
    reader: Reader,
    scenario: Scenario,
    q: str,
    limit: int = 100,
    *,
    sparse: int = SPARSE,
) -> list[tuple[Any, Mapping[str, Any]]]:
    """Visible cases whose title, narrative, place or actors contain every word of ``q``.

    Case-insensitive (both sides casefolded); newest incident first, at most ``limit``;
    each with its allegation's body. The database counts, up to ``sparse``, the
    candidates of each word (:class:`_Word`); if the rarest has no more, only its
    candidates are read, newest first; else the visible cases are walked newest first by
    the index on ``occurred_at``, each word a condition on the row. Either way each row
    is checked here against every word, reading stops once ``limit`` are found, and only
    those are read whole.
    """
    words = [word.casefold() for word in q.split() if word]
    if not words:
        return []
    # A word with a comma may span a title's "label, place", which no column holds; each
    # piece of it between commas is still in the text, so the pieces narrow the search.
    pieces = {piece for word in words for piece in word.split(",") if piece}
    sql = [_word(connection, scenario, piece) for piece in sorted(pieces)]
    query = select(*_SEARCHED).where(visible(reader))
    narrowest: _Word | None = None
    fewest = sparse + 1
    for word in sql:
        number = connection.execute(
            select(func.count()).select_from(word.candidates.limit(sparse + 1).subquery())
        ).scalar_one()
        if number < fewest:
            narrowest, fewest = word, number
    if fewest == 0:
        return []  # a word no case holds
    if narrowest is not None:
        query = query.where(CaseRecord.id.in_(narrowest.candidates))
    else:
        query = query.where(*(word.holds for word in sql))
    result = connection.execution_options(yield_per=limit).execute(
        query.order_by(CaseRecord.occurred_at.desc(), CaseRecord.id.desc())
    )
    matching: list[int] = []
    try:
        for row in result:
            if all(word in _haystack(scenario, row) for word in words):
                matching.append(row.id)
                if len(matching) >= limit:
                    break
    finally:
        result.close()
    if not matching:
        return []
    rows = connection.execute(
        select(CaseRecord, Body.content)
        .join(Act, Act.idx == CaseRecord.id)
        .join(Body, Body.digest == Act.body_digest)
        .where(CaseRecord.id.in_(matching))
        .order_by(CaseRecord.occurred_at.desc(), CaseRecord.id.desc())
    ).all()
    return [
        (row, lodged_text(json.loads(bytes(row.content))))
        for row in rows
        if reader.sees(row.audience, row.lodged_by)
    ]


def _haystack(scenario: Scenario, row: Any) -> str:
    """What a search looks in, casefolded: the case's title, its stored words (narrative,
    actors, accused group: :func:`truce.cases.search.search_text`), and its
    place's names."""
    place = scenario.place(row.place_id) if row.place_id else None
    return " ".join(
        [
            case_title(scenario, row).casefold(),
            row.search_text,
            place.name.casefold() if place else "",
            " ".join(place.aliases).casefold() if place else "",
            (place.admin1 or "").casefold() if place else "",
        ]
    )


# -- presentation ----------------------------------------------------------------------


_NAMES: dict[int, tuple[Scenario, dict[str, str], dict[str, str]]] = {}


def titles(scenario: Scenario) -> tuple[dict[str, str], dict[str, str]]:
    """Incident type labels and place names by id (kept per scenario object)."""
    found = _NAMES.get(id(scenario))
    if found is None or found[0] is not scenario:
        found = (
            scenario,
            {t.id: t.label for t in scenario.incident_types},
            {p.id: p.shown_name for p in scenario.places},
        )
        _NAMES[id(scenario)] = found
    return found[1], found[2]


def case_title(scenario: Scenario, row: Any) -> str:
    """A case's title: its incident type's label and where (the scenario's words)."""
    labels, places = titles(scenario)
    label = labels.get(row.type, row.type)
    place = places.get(row.place_id) if row.place_id else None
    if place is not None:
        return f"{label}, {place}"
    if row.lat is not None and row.lon is not None:
        return f"{label}, {row.lat:.3f} {row.lon:.3f}"
    return str(label)
