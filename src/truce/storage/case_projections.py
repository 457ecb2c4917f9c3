"""Projection handlers of the ``case.*`` acts: the ``cases`` and ``case_acts`` tables.

Each handler runs the same :mod:`truce.domain.cases` step the admission service checked,
then stores the resulting state, so the live and the rebuilt tables agree.

A member's mirror holds only the bodies addressed to that member: a case whose
allegation it may not see is not projected there, and an act whose body it lacks joins
the thread without advancing the state it cannot know.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert, update

from truce.domain import cases
from truce.ledger.envelope import parse_time
from truce.storage.models import CaseAct, CaseRecord, FileRef
from truce.storage.projections import LoggedAct, ProjectionContext, projected_state, projects


def actor(context: ProjectionContext, act: LoggedAct) -> cases.Actor:
    """The domain's view of who signed ``act``."""
    member = context.scenario().member(act.envelope.member)
    return cases.Actor(
        member=act.envelope.member,
        kind=member.kind if member is not None else "unknown",
        at=act.envelope.time,
    )


# The Core tables: an insert of one row skips the ORM's bulk-insert machinery.
_CASES = cast(Table, CaseRecord.__table__)
_CASE_ACTS = cast(Table, CaseAct.__table__)


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
    audience = act.envelope.audience
    context.insert(
        _CASES,
        dict(
            id=act.index,
            leaf_hash=act.leaf_hash.hex(),
            lodged_by=case.lodged_by,
            accused=case.accused,
            accused_group=body["accused"].get("group"),
            audience=audience if isinstance(audience, str) else list(audience),
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
            lodged_at=case.lodged_at,
            counter_to=counter_to,
            state=cases.to_json(case),
            updated_idx=act.index,
        ),
    )
    context.insert(_CASE_ACTS, {"case_id": act.index, "idx": act.index, "kind": act.envelope.kind})


@projects("case.lodge")
def _lodge(context: ProjectionContext, act: LoggedAct) -> None:
    if act.body is None:
        return
    case = cases.lodge(context.scenario(), str(act.index), actor(context, act), act.body)
    _insert_case(context, act, case, act.body)


def case_by_leaf(context: ProjectionContext, leaf_hash: str) -> tuple[int, cases.Case] | None:
    """The case whose ``case.lodge`` act has this leaf hash, if projected here."""
    found = projected_state(context, CaseRecord, leaf_hash)
    return None if found is None else (found[0], cases.from_json(found[1]))


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
    after = cases.step(context.scenario(), case, act.envelope.kind, actor(context, act), act.body)
    context.connection.execute(
        update(CaseRecord)
        .where(CaseRecord.id == case_id)
        .values(
            status=after.status,
            outcome=after.outcome,
            violator=after.violator,
            ruled_at=after.ruled_at,
            penalty=after.penalty,
            state=cases.to_json(after),
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
        counter = cases.lodge(
            context.scenario(), str(act.index), actor(context, act), act.body["counter_case"]
        )
        _insert_case(context, act, counter, act.body["counter_case"], counter_to=case_id)


for _kind in cases.CASE_KINDS:
    if _kind != "case.lodge":
        projects(_kind)(_step)
