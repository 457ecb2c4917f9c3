"""The read side of exports: the cases a reader may see, with their allegations' words.

The cases are read through the case list's own query and audience rule
(:func:`truce.cases.queries.cases_page` with its :class:`~truce.cases.queries.Filters`),
page by page, so an export holds exactly the cases the reader's case list holds for the
same filters, and nothing else. The opening act's body (narrative and actors) is read
for those cases alone: its audience is the case's, which the reader may see.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, select

from truce.cases.queries import Filters, Reader, cases_page, lodged_text, parse_filters
from truce.errors import InputError
from truce.exports.acled import Incident
from truce.scenario.rules import Scenario
from truce.storage.models import Act, Body

#: Cases read per query.
BATCH = 500


def check_filters(scenario: Scenario, filters: Filters) -> None:
    """Refuse filters that can match nothing because they name what does not exist: a
    period that ends before it begins, or an unknown type, member, clause or province."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InputError("from is after to", field="from")
    known = {
        "type": {t.id for t in scenario.incident_types},
        "member": {m.code for m in scenario.members},
        "accused": {m.code for m in scenario.members},
        "violator": {m.code for m in scenario.members},
        "clause": {c.id for c in scenario.clauses},
        "violated": {c.id for c in scenario.clauses},
        "sector": {p.admin1 for p in scenario.places if p.admin1},
    }
    for name, allowed in known.items():
        value = getattr(filters, name)
        if value is not None and value not in allowed:
            raise InputError(f"{name} {value!r} is not in the scenario", field=name)


def _words(content: bytes) -> tuple[str, tuple[str, ...]]:
    body: Mapping[str, Any] = lodged_text(json.loads(content))
    narrative = body.get("narrative")
    actors = body.get("incident", {}).get("actors") or []
    return (narrative if isinstance(narrative, str) else ""), tuple(str(a) for a in actors)


def incidents(connection: Connection, reader: Reader, filters: Filters) -> list[Incident]:
    """Every case ``reader`` may see that matches ``filters``, oldest incident first."""
    rows: list[Any] = []
    while True:
        _total, window = cases_page(connection, reader, filters, limit=BATCH, offset=len(rows))
        rows.extend(window)
        if len(window) < BATCH:
            break
    rows.reverse()
    leaves = [row.leaf_hash for row in rows]
    changed = [row.updated_idx for row in rows]
    digests: dict[str, str] = {}
    times: dict[int, Any] = {}
    for start in range(0, len(rows), BATCH):
        digests.update(
            connection.execute(
                select(Act.leaf_hash, Act.body_digest).where(
                    Act.leaf_hash.in_(leaves[start : start + BATCH])
                )
            ).all()
        )
        times.update(
            connection.execute(
                select(Act.idx, Act.at).where(Act.idx.in_(changed[start : start + BATCH]))
            ).all()
        )
    contents: dict[str, bytes] = {}
    wanted = sorted(set(digests.values()))
    for start in range(0, len(wanted), BATCH):
        contents.update(
            connection.execute(
                select(Body.digest, Body.content).where(
                    Body.digest.in_(wanted[start : start + BATCH])
                )
            ).all()
        )
    found: list[Incident] = []
    for row in rows:
        content = contents.get(digests.get(row.leaf_hash, ""))
        narrative, actors = _words(content) if content is not None else ("", ())
        found.append(
            Incident(
                case_id=row.id,
                number=row.number,
                leaf_hash=row.leaf_hash,
                lodged_by=row.lodged_by,
                accused=row.accused,
                accused_group=row.accused_group,
                type=row.type,
                occurred_at=row.occurred_at,
                time_precision=row.time_precision,
                place_id=row.place_id,
                admin1=row.admin1,
                lat=row.lat,
                lon=row.lon,
                precision=row.precision,
                clauses=tuple(row.clauses),
                killed=row.killed or {},
                injured=row.injured or {},
                missing=row.missing,
                status=row.status,
                outcome=row.outcome,
                counter_to=row.counter_to,
                changed_at=times.get(row.updated_idx, row.lodged_at),
                narrative=narrative,
                actors=actors,
            )
        )
    return found


def export_filters(scenario: Scenario, params: Mapping[str, Any], statuses: list[str]) -> Filters:
    """The case list's filters from query parameters (and ``sector``, a province),
    refused when malformed or naming what the scenario does not hold."""
    filters = replace(parse_filters(params, statuses), sector=params.get("sector") or None)
    check_filters(scenario, filters)
    return filters
