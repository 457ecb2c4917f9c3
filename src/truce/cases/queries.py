"""Case queries for the pages: filters, audience, sorting and paging done in SQL.

The JSON API (:mod:`truce.cases.api`) reads every case row and checks each one's
audience in Python; the pages list, map and chart up to every incident of a busy
mechanism, so here the same rule (:func:`truce.ledger.envelope.audience_includes`) is
written as a SQL condition on the stored audience, and only one page of rows is read.
The stored audience is JSON: ``"all"``, ``"mediators"`` or a list of member codes such
as ``["AF", "TR", "QA"]``; member codes are capital letters only, so the quoted code
``"AF"`` occurs in the JSON text exactly when the list names that member. Every row
read is checked again with :func:`audience_includes` before it is shown.

The filters are the query parameters that the case list, the map and the timeline share
(``docs/web.md``): ``from``, ``to``, ``type``, ``member``, ``accused``, ``status``,
``clause``, ``bbox``, and the compliance matrix's ``violator`` and ``violated``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    String,
    and_,
    cast,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    union_all,
)

from truce.accounts.service import Identity
from truce.cases import rules as cases
from truce.compliance.rules import ruled_clauses
from truce.errors import InputError
from truce.ledger.envelope import audience_includes, stored_audience
from truce.scenario.rules import Scenario
from truce.storage.models import Act, Body, CaseCount, CaseRecord, Member
from truce.storage.schema import SEARCH_TABLE

#: The statuses a case can have, in workflow order.
STATUSES: tuple[str, ...] = (
    "awaiting_response",
    "under_investigation",
    "ruled",
    "penalised",
    "closed",
    "withdrawn",
)
#: Sort orders of the case list: the query value and its columns.
SORTS: dict[str, tuple[Any, ...]] = {
    "-occurred": (CaseRecord.occurred_at.desc(), CaseRecord.id.desc()),
    "occurred": (CaseRecord.occurred_at.asc(), CaseRecord.id.asc()),
    "-lodged": (CaseRecord.lodged_at.desc(), CaseRecord.id.desc()),
    "lodged": (CaseRecord.lodged_at.asc(), CaseRecord.id.asc()),
    "-id": (CaseRecord.id.desc(),),
    "id": (CaseRecord.id.asc(),),
}
PAGE_SIZE = 50
#: Counting stops here: "more than 1,000" is as useful as the exact figure, and a
#: count that stops early costs a fraction of one over the whole table.
COUNT_CAP = 1_000


@dataclass(frozen=True, slots=True)
class Filters:
    """The shared filters, as given in the URL (empty means no filter)."""

    date_from: date | None = None
    date_to: date | None = None
    type: str | None = None
    member: str | None = None
    accused: str | None = None
    status: tuple[str, ...] = ()
    clause: str | None = None
    violator: str | None = None
    violated: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    def query(self, **extra: Any) -> str:
        """These filters (and ``extra``) as a URL query string, empty values left out."""
        pairs: list[tuple[str, str]] = []
        single = {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "type": self.type,
            "member": self.member,
            "accused": self.accused,
            "clause": self.clause,
            "violator": self.violator,
            "violated": self.violated,
            "bbox": ",".join(f"{v:g}" for v in self.bbox) if self.bbox else None,
        }
        for name, value in single.items():
            if value:
                pairs.append((name, value))
        pairs.extend(("status", status) for status in self.status)
        pairs.extend((name, str(value)) for name, value in extra.items() if value)
        return urlencode(pairs)

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return self != Filters()


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise InputError(f"{name} is a date such as 2025-10-30", field=name) from exc


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise InputError("bbox is west,south,east,north in degrees", field="bbox") from exc
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InputError("bbox must have west <= east and south <= north", field="bbox")
    return west, south, east, north


def _code(value: str | None, name: str) -> str | None:
    if not value:
        return None
    if not (value.isascii() and value.isalnum() and len(value) <= 16):
        raise InputError(f"{name} is a code such as PK or C1", field=name)
    return value


def parse_filters(params: Mapping[str, Any], getlist: Sequence[str] = ()) -> Filters:
    """Filters from query parameters; ``getlist`` holds every ``status`` given.

    Unknown statuses and malformed values are refused with the parameter named.
    """
    statuses = tuple(s for s in getlist if s)
    for status in statuses:
        if status not in STATUSES:
            raise InputError(
                f"status {status!r} is not one of {', '.join(STATUSES)}", field="status"
            )
    kind = params.get("type") or None
    if kind is not None and not (kind.replace("_", "").isalpha() and len(kind) <= 64):
        raise InputError("type is an incident type id such as armed_clash", field="type")
    return Filters(
        date_from=_date(params.get("from"), "from"),
        date_to=_date(params.get("to"), "to"),
        type=kind,
        member=_code(params.get("member"), "member"),
        accused=_code(params.get("accused"), "accused"),
        status=statuses,
        clause=_code(params.get("clause"), "clause"),
        violator=_code(params.get("violator"), "violator"),
        violated=_code(params.get("violated"), "violated"),
        bbox=_bbox(params.get("bbox")),
    )


# -- audience ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads: the member and whether it is a mediator (audience ``mediators``)."""

    member: str
    mediator: bool

    def sees(self, audience: Any, author: str) -> bool:
        """:func:`audience_includes` for a stored audience."""
        return audience_includes(stored_audience(audience), author, self.member, self.mediator)


def reader_of(connection: Connection, identity: Identity) -> Reader:
    """The reader for ``identity``, with its member's kind from the projection."""
    kind = connection.execute(select(Member.kind).where(Member.code == identity.member)).scalar()
    return Reader(identity.member, kind == "mediator")


def visible(reader: Reader, audience: Any = CaseRecord.audience, author: Any = None) -> Any:
    """SQL: the row's audience includes ``reader`` (see the module's docstring)."""
    author = CaseRecord.lodged_by if author is None else author
    text = cast(audience, String)
    return or_(
        author == reader.member,
        text == json.dumps("all"),
        text == json.dumps("mediators") if reader.mediator else false(),
        text.contains(json.dumps(reader.member), autoescape=True),
    )


# -- filtering --------------------------------------------------------------------------


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """SQL conditions for every filter but ``violated`` (which needs the ruling)."""
    found: list[ColumnElement[bool]] = []
    if filters.date_from:
        found.append(CaseRecord.occurred_at >= _start(filters.date_from))
    if filters.date_to:
        found.append(CaseRecord.occurred_at < _start(filters.date_to + timedelta(days=1)))
    if filters.type:
        found.append(CaseRecord.type == filters.type)
    if filters.member:
        found.append(
            or_(CaseRecord.lodged_by == filters.member, CaseRecord.accused == filters.member)
        )
    if filters.accused:
        found.append(CaseRecord.accused == filters.accused)
    if filters.status:
        found.append(CaseRecord.status.in_(filters.status))
    if filters.clause:
        found.append(
            cast(CaseRecord.clauses, String).contains(json.dumps(filters.clause), autoescape=True)
        )
    if filters.violator:
        found.append(CaseRecord.violator == filters.violator)
    if filters.violated:
        found.append(CaseRecord.outcome == "violation_confirmed")
    if filters.bbox:
        west, south, east, north = filters.bbox
        found.append(and_(CaseRecord.lon >= west, CaseRecord.lon <= east))
        found.append(and_(CaseRecord.lat >= south, CaseRecord.lat <= north))
    return found


def _where(query: Select[Any], reader: Reader, filters: Filters) -> Select[Any]:
    return query.where(visible(reader), *conditions(filters))


def _keep(row: Any, reader: Reader, filters: Filters) -> bool:
    """The Python check every row passes before it is shown."""
    if not reader.sees(row.audience, row.lodged_by):
        return False
    if filters.clause and filters.clause not in row.clauses:
        return False
    return not filters.violated or filters.violated in ruled_clauses(row.state)


def count(connection: Connection, query: Select[Any]) -> tuple[int, bool]:
    """How many rows ``query`` gives, up to :data:`COUNT_CAP`; and whether there are more."""
    found: int = connection.execute(
        select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery())
    ).scalar_one()
    return min(found, COUNT_CAP), found > COUNT_CAP


@dataclass(frozen=True, slots=True)
class CasePage:
    """One page of the case list; ``more`` when the count stopped at :data:`COUNT_CAP`."""

    total: int
    page: int
    pages: int
    rows: list[Any] = field(default_factory=list)
    more: bool = False


def list_cases(
    connection: Connection,
    reader: Reader,
    filters: Filters,
    *,
    sort: str = "-occurred",
    page: int = 1,
    size: int | None = None,
) -> CasePage:
    """The visible cases matching ``filters``, sorted, one page of ``size`` (or
    :data:`PAGE_SIZE`)."""
    size = size or PAGE_SIZE
    order = SORTS.get(sort)
    if order is None:
        raise InputError(f"sort is one of {', '.join(SORTS)}", field="sort")
    if page < 1:
        raise InputError("page counts from 1", field="page")
    if filters.violated:  # the ruled clauses live in the state: filter in Python
        rows = [
            row
            for row in connection.execute(
                _where(select(CaseRecord), reader, filters).order_by(*order)
            ).all()
            if _keep(row, reader, filters)
        ]
        total, more = len(rows), False
        rows = rows[(page - 1) * size : page * size]
    else:
        total, more = count(connection, _where(select(CaseRecord.id), reader, filters))
        window = connection.execute(
            _where(select(CaseRecord), reader, filters)
            .order_by(*order)
            .limit(size)
            .offset((page - 1) * size)
        ).all()
        rows = [row for row in window if _keep(row, reader, filters)]
    pages = max(1, -(-total // size))
    return CasePage(total=total, page=page, pages=pages, rows=rows, more=more)


#: What a map or a timeline reads of a case: no JSON column, nothing to decode.
MAP_COLUMNS: tuple[Any, ...] = (
    CaseRecord.id,
    CaseRecord.type,
    CaseRecord.status,
    CaseRecord.lodged_by,
    CaseRecord.accused,
    CaseRecord.occurred_at,
    CaseRecord.lodged_at,
    CaseRecord.lat,
    CaseRecord.lon,
    CaseRecord.precision,
    CaseRecord.place_id,
)


def _newest(
    connection: Connection, reader: Reader, filters: Filters, limit: int, *extra: Any
) -> tuple[int, list[Any]]:
    narrowed = replace(filters, violated=None)
    total, _more = count(connection, _where(select(CaseRecord.id), reader, narrowed).where(*extra))
    rows = connection.execute(
        _where(select(*MAP_COLUMNS), reader, narrowed)
        .where(*extra)
        .order_by(CaseRecord.occurred_at.desc(), CaseRecord.id.desc())
        .limit(limit)
    ).all()
    return total, list(rows)


def located_cases(
    connection: Connection, reader: Reader, filters: Filters, limit: int
) -> tuple[int, list[Any]]:
    """How many visible cases match and have a position (up to :data:`COUNT_CAP`), and the
    newest ``limit`` of them.

    Only the columns a map needs are read, and the audience is the SQL condition alone
    (:func:`visible`, which the tests hold to the API's rule): thousands of rows are
    read here, and decoding each one's audience again would cost more than the query.
    """
    located = and_(CaseRecord.lat.is_not(None), CaseRecord.lon.is_not(None))
    return _newest(connection, reader, filters, limit, located)


def dated_cases(
    connection: Connection, reader: Reader, filters: Filters, limit: int
) -> tuple[int, list[Any]]:
    """How many visible cases match (up to :data:`COUNT_CAP`), and the newest ``limit`` of
    them (for a timeline)."""
    return _newest(connection, reader, filters, limit)


def rfc3339(moment: datetime) -> str:
    """A stored time as RFC 3339 UTC to the second, quickly (thousands per page)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def open_allegations(connection: Connection, reader: Reader) -> dict[tuple[str, str], int]:
    """Per (clause, accused member): the visible open cases that allege the clause.

    Counted from ``case_counts`` (cases by status, accused, author, audience and list of
    clauses, kept by the case projection), so that a mechanism with many open cases is
    not read row by row.
    """
    rows = connection.execute(
        select(CaseCount.accused, CaseCount.clauses, func.sum(CaseCount.cases))
        .where(
            visible(reader, CaseCount.audience, CaseCount.lodged_by),
            CaseCount.status.in_(sorted(cases.OPEN)),
        )
        .group_by(CaseCount.accused, CaseCount.clauses)
    ).all()
    found: dict[tuple[str, str], int] = {}
    for accused, alleged, number in rows:
        for clause in set(json.loads(alleged)):
            found[(clause, accused)] = found.get((clause, accused), 0) + int(number)
    return found


def confirmed_violations(connection: Connection, reader: Reader) -> list[Any]:
    """The visible cases whose ruling confirmed a violation (with their whole rows)."""
    return [
        row
        for row in connection.execute(
            select(CaseRecord).where(visible(reader), CaseRecord.outcome == "violation_confirmed")
        ).all()
        if reader.sees(row.audience, row.lodged_by)
    ]


# -- search -----------------------------------------------------------------------------


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
            {p.id: p.name for p in scenario.places},
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


def aware(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite gives naive datetimes back)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def state_of(row: Any) -> cases.Case:
    """The workflow state kept on a case row."""
    return cases.from_json(row.state)


def case_leaf(connection: Connection, case_id: int) -> str | None:
    """The leaf hash of the act that lodged case ``case_id``; None if there is no such case."""
    leaf: str | None = connection.execute(
        select(CaseRecord.leaf_hash).where(CaseRecord.id == case_id)
    ).scalar()
    return leaf


def case_of_leaf(connection: Connection, leaf_hash: str) -> int | None:
    """The number of the case lodged by the act of ``leaf_hash``; None if it lodged none."""
    case_id: int | None = connection.execute(
        select(CaseRecord.id).where(CaseRecord.leaf_hash == leaf_hash)
    ).scalar()
    return case_id
