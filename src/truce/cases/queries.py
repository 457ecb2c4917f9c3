"""The read side of cases: every list, count and map the API and the pages read.

Each function takes a connection and the :class:`~truce.log.audience.Reader` (the
viewer's member, whether it is a mediator, its delegate's role) and reads only what the
reader may see, with the one audience rule as a SQL condition
(:func:`~truce.log.audience.visible`); every row read is checked again with
:meth:`~truce.log.audience.Reader.sees` before it is shown. Filters, sorting and
paging are done in SQL, so that a busy mechanism's pages read one page of rows.
One case's thread, the inbox and the dashboard's tasks are in
:mod:`truce.cases.queries_case`; search in :mod:`truce.cases.queries_search`.

The filters are the query parameters that the case list, the map and the timeline share
(``docs/web.md``): ``from``, ``to``, ``type``, ``member``, ``accused``, ``status``,
``clause``, ``bbox``, and the compliance matrix's ``violator`` and ``violated``; the
JSON API adds ``since``, ``until`` (moments) and ``sector`` (a province).
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
    Connection,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)

from truce.cases import rules as cases
from truce.cases import stored
from truce.cases.queries_search import case_title, lodged_text, search_cases, titles
from truce.compliance.rules import ruled_clauses
from truce.errors import InputError
from truce.log.audience import Everyone, Reader, everyone, is_mediator, reader_of, visible
from truce.storage.models import CaseCount, CaseRecord

__all__ = [
    "COUNT_CAP",
    "PAGE_SIZE",
    "SORTS",
    "STATUSES",
    "CasePage",
    "Filters",
    "Reader",
    "Standing",
    "case_title",
    "cases_page",
    "confirmed_violations",
    "dated_cases",
    "is_mediator",
    "list_cases",
    "located_cases",
    "lodged_text",
    "open_allegations",
    "parse_bbox",
    "parse_filters",
    "reader_of",
    "rfc3339",
    "search_cases",
    "standing",
    "state_of",
    "titles",
    "visible",
]

#: The statuses a case can have, in workflow order.
STATUSES: tuple[str, ...] = cases.STATUSES
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
    since: datetime | None = None
    until: datetime | None = None
    sector: str | None = None
    #: Only the common record: cases every member may read (what the compliance
    #: matrix counts).
    common: bool = False

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
        if self.common:
            pairs.append(("common", "1"))
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


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees, checked; None for no text."""
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
        bbox=parse_bbox(params.get("bbox")),
        common=_flag(params.get("common"), "common"),
    )


def _flag(value: str | None, name: str) -> bool:
    if value in (None, "", "0"):
        return False
    if value == "1":
        return True
    raise InputError(f"{name} is 1 or 0", field=name)


# -- filtering --------------------------------------------------------------------------


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _given(moment: datetime) -> datetime:
    """A time a reader gave (a query parameter): one written without a zone is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
    if filters.since:
        found.append(CaseRecord.occurred_at >= _given(filters.since))
    if filters.until:
        found.append(CaseRecord.occurred_at < _given(filters.until))
    if filters.sector:
        found.append(CaseRecord.admin1 == filters.sector)
    if filters.violator:
        found.append(CaseRecord.violator == filters.violator)
    if filters.violated:
        found.append(CaseRecord.outcome == "violation_confirmed")
    if filters.bbox:
        west, south, east, north = filters.bbox
        found.append(and_(CaseRecord.lon >= west, CaseRecord.lon <= east))
        found.append(and_(CaseRecord.lat >= south, CaseRecord.lat <= north))
    return found


def _scope(connection: Connection, reader: Reader, filters: Filters) -> Reader | Everyone:
    """Who the list reads as: the reader, or every member for the common record (which
    the reader, a member, may always read)."""
    return everyone(connection) if filters.common else reader


def _where(query: Select[Any], reader: Reader | Everyone, filters: Filters) -> Select[Any]:
    return query.where(visible(reader), *conditions(filters))


def _keep(row: Any, reader: Reader | Everyone, filters: Filters) -> bool:
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
    scope = _scope(connection, reader, filters)
    order = SORTS.get(sort)
    if order is None:
        raise InputError(f"sort is one of {', '.join(SORTS)}", field="sort")
    if page < 1:
        raise InputError("page counts from 1", field="page")
    if filters.violated:  # the ruled clauses live in the state: filter in Python
        rows = [
            row
            for row in connection.execute(
                _where(select(CaseRecord), scope, filters).order_by(*order)
            ).all()
            if _keep(row, scope, filters)
        ]
        total, more = len(rows), False
        rows = rows[(page - 1) * size : page * size]
    else:
        total, more = count(connection, _where(select(CaseRecord.id), scope, filters))
        window = connection.execute(
            _where(select(CaseRecord), scope, filters)
            .order_by(*order)
            .limit(size)
            .offset((page - 1) * size)
        ).all()
        rows = [row for row in window if _keep(row, scope, filters)]
    pages = max(1, -(-total // size))
    return CasePage(total=total, page=page, pages=pages, rows=rows, more=more)


def cases_page(
    connection: Connection, reader: Reader, filters: Filters, *, limit: int, offset: int
) -> tuple[int, list[Any]]:
    """How many visible cases match ``filters`` (counted exactly), and ``limit`` of them
    from ``offset``, newest incident first: the JSON API's list."""
    scope = _scope(connection, reader, filters)
    query = _where(select(CaseRecord.id), scope, filters)
    total: int = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    window = connection.execute(
        _where(select(CaseRecord), scope, filters)
        .order_by(CaseRecord.occurred_at.desc(), CaseRecord.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [row for row in window if _keep(row, scope, filters)]


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
    scope = _scope(connection, reader, filters)
    total, _more = count(connection, _where(select(CaseRecord.id), scope, narrowed).where(*extra))
    rows = connection.execute(
        _where(select(*MAP_COLUMNS), scope, narrowed)
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
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def open_allegations(
    connection: Connection, reader: Reader | Everyone
) -> dict[tuple[str, str], int]:
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


def confirmed_violations(connection: Connection, reader: Reader | Everyone) -> list[Any]:
    """The visible cases whose ruling confirmed a violation (with their whole rows)."""
    return [
        row
        for row in connection.execute(
            select(CaseRecord).where(visible(reader), CaseRecord.outcome == "violation_confirmed")
        ).all()
        if reader.sees(row.audience, row.lodged_by)
    ]


@dataclass(frozen=True, slots=True)
class Standing:
    """How the visible cases stand: open cases by status, open allegations per (clause,
    accused), confirmed violations per (clause, violator), and the latest rulings."""

    by_status: dict[str, int]
    alleged: dict[tuple[str, str], int]
    violations: dict[tuple[str, str], int]
    recent: list[Any]


def standing(
    connection: Connection, reader: Reader, clause_ids: Sequence[str], recent: int
) -> Standing:
    """The dashboard's figures, counted by the database where it can.

    The open cases are counted from ``case_counts`` (cases by status, accused, author,
    audience and clauses), grouped by status and accused with a sum per clause of the
    groups alleging it (the quoted clause id in the JSON list): a few hundred rows
    however many cases there are, and no case is decoded. Confirmed violations count
    against the violator for the clauses ruled (:func:`ruled_clauses`).
    """
    alleged_json = CaseCount.clauses
    # Where a substring starts (0 when absent): a plain search, cheaper than LIKE.
    position = func.strpos if connection.dialect.name == "postgresql" else func.instr
    groups = connection.execute(
        select(
            CaseCount.status,
            CaseCount.accused,
            func.sum(CaseCount.cases),
            *(
                func.sum(
                    case((position(alleged_json, json.dumps(clause)) > 0, CaseCount.cases), else_=0)
                )
                for clause in clause_ids
            ),
        )
        .where(
            CaseCount.status.in_(sorted(cases.OPEN)),
            visible(reader, CaseCount.audience, CaseCount.lodged_by),
        )
        .group_by(CaseCount.status, CaseCount.accused)
    ).all()
    confirmed = connection.execute(
        select(
            CaseRecord.audience, CaseRecord.lodged_by, CaseRecord.violator, CaseRecord.state
        ).where(CaseRecord.outcome == "violation_confirmed", visible(reader))
    ).all()
    ruled = connection.execute(
        select(
            CaseRecord.id,
            CaseRecord.number,
            CaseRecord.audience,
            CaseRecord.lodged_by,
            CaseRecord.accused,
            CaseRecord.accused_group,
            CaseRecord.type,
            CaseRecord.outcome,
            CaseRecord.violator,
            CaseRecord.penalty,
            CaseRecord.ruled_at,
            CaseRecord.status,
        )
        .where(CaseRecord.ruled_at.is_not(None), visible(reader))
        .order_by(CaseRecord.ruled_at.desc(), CaseRecord.id.desc())
        .limit(recent * 4)
    ).all()
    by_status: dict[str, int] = {}
    alleged: dict[tuple[str, str], int] = {}
    for status, accused, number, *by_clause in groups:
        by_status[status] = by_status.get(status, 0) + number
        for clause, alleging in zip(clause_ids, by_clause, strict=True):
            alleged[(clause, accused)] = alleged.get((clause, accused), 0) + (alleging or 0)
    violations: dict[tuple[str, str], int] = {}
    for row in confirmed:
        if row.violator is not None and reader.sees(row.audience, row.lodged_by):
            for clause in ruled_clauses(row.state):
                violations[(clause, row.violator)] = violations.get((clause, row.violator), 0) + 1
    shown = [row for row in ruled if reader.sees(row.audience, row.lodged_by)][:recent]
    return Standing(by_status, alleged, violations, shown)


def state_of(row: Any) -> cases.Case:
    """The workflow state kept on a case row."""
    return stored.from_json(row.state)


def case_leaf(connection: Connection, case_id: int) -> str | None:
    """The leaf hash of the act that lodged case ``case_id``; None if there is no such case."""
    leaf: str | None = connection.execute(
        select(CaseRecord.leaf_hash).where(CaseRecord.id == case_id)
    ).scalar()
    return leaf


def case_numbers(connection: Connection, case_ids: Sequence[int]) -> dict[int, int | None]:
    """The mechanism's number of each case (by its log index) in ``case_ids``."""
    if not case_ids:
        return {}
    rows = connection.execute(
        select(CaseRecord.id, CaseRecord.number).where(CaseRecord.id.in_(sorted(set(case_ids))))
    ).all()
    return {row.id: row.number for row in rows}


def case_of_leaf(connection: Connection, leaf_hash: str) -> int | None:
    """The number of the case lodged by the act of ``leaf_hash``; None if it lodged none."""
    case_id: int | None = connection.execute(
        select(CaseRecord.id).where(CaseRecord.leaf_hash == leaf_hash)
    ).scalar()
    return case_id


@dataclass(frozen=True, slots=True)
class LiveCase:
    """A case whose deadlines may still run: what the clock needs to address a lapse."""

    id: int
    leaf_hash: str
    audience: Any
    case: cases.Case


def live_cases(connection: Connection) -> list[LiveCase]:
    """Every case awaiting a response, under investigation or ruled, oldest first.

    Read without an audience rule: the secretariat's clock addresses each lapse to the
    case's own audience, so nobody learns of a case from its clock.
    """
    rows = connection.execute(
        select(CaseRecord.id, CaseRecord.leaf_hash, CaseRecord.audience, CaseRecord.state)
        .where(CaseRecord.status.in_([*cases.OPEN, "ruled"]))
        .order_by(CaseRecord.id)
    ).all()
    return [LiveCase(row.id, row.leaf_hash, row.audience, state_of(row)) for row in rows]
