"""Projection handlers of the ``case.*`` acts: the ``cases``, ``case_acts`` and
``case_counts`` tables.

Each handler stores the state the :mod:`truce.cases.rules` step leaves: the one
admission's check worked out (:func:`~truce.log.projections.decided`), or, in a rebuild
or on a mirror, the same step run here, so the live and the rebuilt tables agree. A case also
stores its searchable words (:func:`truce.cases.search.search_text`) and is counted in
its ``case_counts`` group (status, accused, author, audience, clauses), moved from one
status's group to the next as it goes.

A member's mirror holds only the bodies addressed to that member: a case whose
allegation it may not see is not projected there, and an act whose body it lacks joins
the thread without advancing the state it cannot know.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Hashable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from truce.cases import rules as cases
from truce.cases import stored
from truce.cases.search import search_text
from truce.ledger.envelope import parse_time
from truce.log.projections import (
    LoggedAct,
    ProjectionContext,
    actor,
    decided,
    projected_state,
    projects,
)
from truce.storage.models import CaseAct, CaseCount, CaseRecord, FileRef

# The Core tables: an insert of one row skips the ORM's bulk-insert machinery.
_CASES = cast(Table, CaseRecord.__table__)
_CASE_ACTS = cast(Table, CaseAct.__table__)
_CASE_COUNTS = cast(Table, CaseCount.__table__)

_GROUP = ("status", "accused", "lodged_by", "audience", "clauses")
_SAME_GROUP = and_(*(_CASE_COUNTS.c[name] == bindparam(f"group_{name}") for name in _GROUP))
#: The statements of :func:`_count`, built once: one row's change, by key.
_COUNT_UP = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(_CASE_COUNTS).on_conflict_do_update(
        index_elements=list(_GROUP),
        set_={"cases": _CASE_COUNTS.c.cases + dialect.insert(_CASE_COUNTS).excluded.cases},
    )
    for dialect in (postgresql, sqlite)
}
_COUNT_DOWN = (
    update(_CASE_COUNTS).where(_SAME_GROUP).values(cases=_CASE_COUNTS.c.cases - bindparam("less"))
)
_EMPTY_GROUP = delete(_CASE_COUNTS).where(_SAME_GROUP, _CASE_COUNTS.c.cases <= 0)


def _count(context: ProjectionContext, status: str, group: Sequence[Any], *, add: bool) -> None:
    """Count one case into (``add``) or out of the ``case_counts`` row of ``status`` and
    ``group`` (accused, author, audience, clauses), at the end of the batch."""
    accused, lodged_by, audience, clauses = group
    key = (status, accused, lodged_by, json.dumps(audience), json.dumps(clauses))
    context.tally(_write_counts, key, 1 if add else -1)


def _write_counts(connection: Connection, changes: dict[Hashable, int]) -> None:
    """Apply a batch's net changes to ``case_counts``: a group is created when missing
    and removed once it counts none."""
    more: list[dict[str, Any]] = []
    less: list[dict[str, Any]] = []
    for key, delta in changes.items():
        values = dict(zip(_GROUP, cast(tuple[str, ...], key), strict=True))
        if delta > 0:
            more.append({**values, "cases": delta})
        else:
            less.append({**{f"group_{name}": v for name, v in values.items()}, "less": -delta})
    if more:
        connection.execute(_COUNT_UP[connection.dialect.name], more)
    if less:
        connection.execute(_COUNT_DOWN, less)
        connection.execute(
            _EMPTY_GROUP, [{k: v for k, v in row.items() if k != "less"} for row in less]
        )


def _last_number(connection: Connection) -> int:
    """The highest case number stored (0 before the first case)."""
    return int(connection.execute(select(func.max(_CASES.c.number))).scalar() or 0)


def _insert_case(
    context: ProjectionContext,
    act: LoggedAct,
    case: cases.Case,
    body: dict[str, Any],
    counter_to: int | None = None,
) -> None:
    incident = body["incident"]
    place = incident["place"]
    gazetteer = context.scenario().place(place["place_id"]) if place.get("place_id") else None
    lat = place.get("lat") if place.get("lat") is not None else getattr(gazetteer, "lat", None)
    lon = place.get("lon") if place.get("lon") is not None else getattr(gazetteer, "lon", None)
    case = dataclasses.replace(case, id=str(act.index))  # admission named it by leaf hash
    given = act.envelope.audience
    audience: str | list[str] = given if isinstance(given, str) else list(given)
    context.insert(
        _CASES,
        dict(
            id=act.index,
            number=context.next_in_sequence("cases", _last_number),
            leaf_hash=act.leaf_hash.hex(),
            lodged_by=case.lodged_by,
            accused=case.accused,
            accused_group=body["accused"].get("group"),
            audience=audience,
            status=case.status,
            type=incident["type"],
            occurred_at=parse_time(incident["occurred_at"]),
            time_precision=incident["time_precision"],
            place_id=place.get("place_id"),
            admin1=getattr(gazetteer, "admin1", None),
            lat=lat,
            lon=lon,
            precision=place["precision"],
            clauses=body["clauses"],
            killed=incident.get("killed", {}),
            injured=incident.get("injured", {}),
            missing=incident.get("missing"),
            lodged_at=case.lodged_at,
            counter_to=counter_to,
            state=stored.to_json(case),
            updated_idx=act.index,
            search_text=search_text(body),
        ),
    )
    context.insert(_CASE_ACTS, {"case_id": act.index, "idx": act.index, "kind": act.envelope.kind})
    group = (case.accused, case.lodged_by, audience, body["clauses"])
    _count(context, case.status, group, add=True)


@projects("case.lodge")
def _lodge(context: ProjectionContext, act: LoggedAct) -> None:
    if act.body is None:
        return
    case = decided(
        act,
        act.leaf_hash.hex(),
        lambda: cases.lodge(context.scenario(), str(act.index), actor(context, act), act.body),
    )
    _insert_case(context, act, case, act.body)


def case_by_leaf(context: ProjectionContext, leaf_hash: str) -> tuple[int, cases.Case] | None:
    """The case whose ``case.lodge`` act has this leaf hash, if projected here."""
    found = projected_state(context, CaseRecord, leaf_hash)
    return None if found is None else (found[0], stored.from_json(found[1]))


def _step(context: ProjectionContext, act: LoggedAct) -> None:
    found = case_by_leaf(context, act.envelope.refs[0])
    if found is None:
        return
    case_id, case = found
    if act.body is None:
        context.insert(
            _CASE_ACTS, {"case_id": case_id, "idx": act.index, "kind": act.envelope.kind}
        )
        return
    after = decided(
        act,
        act.envelope.refs[0],
        lambda: cases.step(
            context.scenario(), case, act.envelope.kind, actor(context, act), act.body
        ),
    )
    after = dataclasses.replace(after, id=case.id)
    if after.status != case.status:
        group = context.connection.execute(
            select(
                CaseRecord.accused, CaseRecord.lodged_by, CaseRecord.audience, CaseRecord.clauses
            ).where(CaseRecord.id == case_id)
        ).one()
        _count(context, case.status, tuple(group), add=False)
        _count(context, after.status, tuple(group), add=True)
    context.connection.execute(
        update(CaseRecord)
        .where(CaseRecord.id == case_id)
        .values(
            status=after.status,
            outcome=after.outcome,
            violator=after.violator,
            ruled_at=after.ruled_at,
            penalty=after.penalty,
            state=stored.to_json(after),
            updated_idx=act.index,
        )
    )
    context.insert(_CASE_ACTS, {"case_id": case_id, "idx": act.index, "kind": act.envelope.kind})
    if act.envelope.kind == "case.evidence":
        cited = sorted({ref["sha256"] for ref in act.body["files"]})
        context.connection.execute(
            insert(FileRef), [{"sha256": sha256, "idx": act.index} for sha256 in cited]
        )
    if act.envelope.kind == "case.respond" and act.body["position"] == "counter_claim":
        counter = decided(
            act,
            act.leaf_hash.hex(),
            lambda: cases.lodge(
                context.scenario(), str(act.index), actor(context, act), act.body["counter_case"]
            ),
        )
        _insert_case(context, act, counter, act.body["counter_case"], counter_to=case_id)


for _kind in cases.CASE_KINDS:
    if _kind != "case.lodge":
        projects(_kind)(_step)
