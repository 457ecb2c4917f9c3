"""Projection handlers of ``joint.*`` acts: requests for joint action and their reports.

Each handler stores the state the pure step of :mod:`truce.joint.rules` leaves: the one
admission's check worked out (:func:`~truce.log.projections.decided`), or, in a rebuild
or on a mirror, the same step run here, so the live and the rebuilt tables agree. On a
member's mirror an act whose body the member may not see is not projected, and a report
of a request it cannot see is skipped, as for cases.
"""

from __future__ import annotations

from sqlalchemy import insert, update

from truce.joint import rules as joint
from truce.log.projections import (
    LoggedAct,
    ProjectionContext,
    actor,
    decided,
    projects,
    stepped,
)
from truce.storage.models import JointRequestRecord


@projects("joint.request")
def _request(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    if body is None:
        return
    scenario = context.scenario()
    found = decided(
        act,
        act.leaf_hash.hex(),
        lambda: joint.request(scenario, act.leaf_hash.hex(), actor(context, act), body),
    )
    place = body["place"]
    gazetteer = scenario.place(place["place_id"]) if place.get("place_id") else None
    lat = place.get("lat") if place.get("lat") is not None else getattr(gazetteer, "lat", None)
    lon = place.get("lon") if place.get("lon") is not None else getattr(gazetteer, "lon", None)
    context.connection.execute(
        insert(JointRequestRecord).values(
            id=act.index,
            leaf_hash=act.leaf_hash.hex(),
            requested_by=found.by,
            to_member=found.to,
            place_id=place.get("place_id"),
            lat=lat,
            lon=lon,
            precision=place["precision"],
            armed_group=body.get("group"),
            description=body["description"],
            requested_action=body["requested_action"],
            language=body["language"],
            requested_at=found.requested_at,
            deadline=found.deadline,
            audience=act.stored_audience,
            state=joint.to_json(found),
            updated_idx=act.index,
        )
    )


@projects("joint.report")
def _report(context: ProjectionContext, act: LoggedAct) -> None:
    found = stepped(
        context,
        act,
        JointRequestRecord,
        lambda state: joint.report(
            context.scenario(), joint.from_json(state), actor(context, act), act.body
        ),
    )
    if found is None:
        return
    row_id, after = found
    context.connection.execute(
        update(JointRequestRecord)
        .where(JointRequestRecord.id == row_id)
        .values(
            answered_at=after.answered_at,
            report_idx=act.index,
            report_audience=act.stored_audience,
            action_taken=act.body["action_taken"],
            outcome=act.body["outcome"],
            state=joint.to_json(after),
            updated_idx=act.index,
        )
    )


@projects("joint.extend")
def _extend(context: ProjectionContext, act: LoggedAct) -> None:
    found = stepped(
        context,
        act,
        JointRequestRecord,
        lambda state: joint.extend(
            context.scenario(), joint.from_json(state), actor(context, act), act.body
        ),
    )
    if found is None:
        return
    row_id, after = found
    context.connection.execute(
        update(JointRequestRecord)
        .where(JointRequestRecord.id == row_id)
        .values(deadline=after.deadline, state=joint.to_json(after), updated_idx=act.index)
    )
