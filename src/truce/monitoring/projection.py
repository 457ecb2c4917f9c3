"""Projection handlers of compliance, crossing and joint-action acts.

Each handler runs the same pure step of :mod:`truce.compliance.rules`,
:mod:`truce.crossings.rules` or :mod:`truce.joint.rules` that the admission service
checked, then stores the result, so the live and the rebuilt tables agree. On a
member's mirror an act whose body the member may not see is not projected, and a review
or report of a request it cannot see is skipped, as for cases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, update

from truce.cases.projection import actor
from truce.compliance import rules as compliance
from truce.joint import rules as joint
from truce.ledger.envelope import parse_time
from truce.log.projections import LoggedAct, ProjectionContext, projected_state, projects
from truce.storage.models import (
    AttestationRecord,
    AttestationReview,
    CrossingReport,
    JointRequestRecord,
)


def _audience(act: LoggedAct) -> Any:
    audience = act.envelope.audience
    return audience if isinstance(audience, str) else list(audience)


@projects("compliance.attest")
def _attest(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    if body is None:
        return
    attestation = compliance.attest(
        context.scenario(),
        act.leaf_hash.hex(),
        actor(context, act),
        body,
        parse_time(body["taken_at"], field="body.taken_at"),
    )
    context.connection.execute(
        insert(AttestationRecord).values(
            id=act.index,
            leaf_hash=act.leaf_hash.hex(),
            member=attestation.member,
            clause=attestation.clause,
            statement=body["statement"],
            language=body["language"],
            evidence=body.get("evidence", []),
            taken_at=attestation.taken_at,
            attested_at=attestation.attested_at,
            audience=_audience(act),
            status=attestation.status(context.scenario()),
            state=compliance.to_json(attestation),
            updated_idx=act.index,
        )
    )


@projects("compliance.review")
def _review(context: ProjectionContext, act: LoggedAct) -> None:
    if act.body is None:
        return
    found = projected_state(context, AttestationRecord, act.envelope.refs[0])
    if found is None:
        return
    row_id, state = found
    after = compliance.review(
        context.scenario(), compliance.from_json(state), actor(context, act), act.body
    )
    context.connection.execute(
        insert(AttestationReview).values(
            attestation_id=row_id,
            member=act.envelope.member,
            idx=act.index,
            verdict=act.body["verdict"],
            reason=act.body["reason"],
            at=act.envelope.time,
            audience=_audience(act),
        )
    )
    context.connection.execute(
        update(AttestationRecord)
        .where(AttestationRecord.id == row_id)
        .values(
            status=after.status(context.scenario()),
            state=compliance.to_json(after),
            updated_idx=act.index,
        )
    )


@projects("crossing.status")
def _crossing(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    if body is None:
        return
    context.connection.execute(
        insert(CrossingReport).values(
            idx=act.index,
            leaf_hash=act.leaf_hash.hex(),
            crossing=body["crossing"],
            member=act.envelope.member,
            trade=body["trade"],
            people=body["people"],
            stranded_trucks=body.get("stranded_trucks"),
            reason=body["reason"],
            effective_at=parse_time(body["effective_at"], field="body.effective_at"),
            at=act.envelope.time,
            audience=_audience(act),
        )
    )


@projects("joint.request")
def _request(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    if body is None:
        return
    scenario = context.scenario()
    found = joint.request(scenario, act.leaf_hash.hex(), actor(context, act), body)
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
            audience=_audience(act),
            state=joint.to_json(found),
            updated_idx=act.index,
        )
    )


@projects("joint.report")
def _report(context: ProjectionContext, act: LoggedAct) -> None:
    if act.body is None:
        return
    found = projected_state(context, JointRequestRecord, act.envelope.refs[0])
    if found is None:
        return
    row_id, state = found
    after = joint.report(context.scenario(), joint.from_json(state), actor(context, act), act.body)
    context.connection.execute(
        update(JointRequestRecord)
        .where(JointRequestRecord.id == row_id)
        .values(
            answered_at=after.answered_at,
            report_idx=act.index,
            report_audience=_audience(act),
            action_taken=act.body["action_taken"],
            outcome=act.body["outcome"],
            state=joint.to_json(after),
            updated_idx=act.index,
        )
    )
