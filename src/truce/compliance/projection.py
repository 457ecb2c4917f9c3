"""Projection handlers of ``compliance.*`` acts: attestations and their reviews.

Each handler stores the state the pure step of :mod:`truce.compliance.rules` leaves: the one
admission's check worked out (:func:`~truce.log.projections.decided`), or, in a rebuild
or on a mirror, the same step run here, so the live and the rebuilt tables agree. On a
member's mirror an act whose body the member may not see is not projected, and a review
of an attestation it cannot see is skipped, as for cases.
"""

from __future__ import annotations

from sqlalchemy import insert, update

from truce.compliance import rules as compliance
from truce.ledger.envelope import parse_time
from truce.log.projections import (
    LoggedAct,
    ProjectionContext,
    actor,
    decided,
    projects,
    stepped,
)
from truce.storage.models import AttestationRecord, AttestationReview


@projects("compliance.attest")
def _attest(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    if body is None:
        return
    attestation = decided(
        act,
        act.leaf_hash.hex(),
        lambda: compliance.attest(
            context.scenario(),
            act.leaf_hash.hex(),
            actor(context, act),
            body,
            parse_time(body["taken_at"], field="body.taken_at"),
        ),
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
            audience=act.stored_audience,
            status=attestation.status(context.scenario()),
            state=compliance.to_json(attestation),
            updated_idx=act.index,
        )
    )


@projects("compliance.review")
def _review(context: ProjectionContext, act: LoggedAct) -> None:
    found = stepped(
        context,
        act,
        AttestationRecord,
        lambda state: compliance.review(
            context.scenario(), compliance.from_json(state), actor(context, act), act.body
        ),
    )
    if found is None:
        return
    row_id, after = found
    context.connection.execute(
        insert(AttestationReview).values(
            attestation_id=row_id,
            member=act.envelope.member,
            idx=act.index,
            verdict=act.body["verdict"],
            reason=act.body["reason"],
            at=act.envelope.time,
            audience=act.stored_audience,
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
