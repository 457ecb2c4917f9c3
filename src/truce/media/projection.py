"""Projection handlers of the ``media.*`` acts: items, candidate incidents, clusters.

``media.item`` stores an article's masthead and the candidate incidents extracted from
it, then clusters each candidate with those already projected, in log order, with the
same-event rule of :class:`truce.media.rules.Clusterer`. Because clustering runs in the handler
and depends only on the acts before it, ``truce rebuild`` reproduces the clusters
exactly. Ids come from the log: a candidate's id is ``1000 * item index + position``; a
cluster's id is the id of its first candidate, and when a new candidate joins two
clusters into one, the older (lower) id survives and the other disappears for good.

Both kinds are checked before they reach here (:mod:`truce.media.checks`). A member's
mirror that lacks some bodies (outside its audience) projects what it can and skips the
rest, as for cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from truce.log.projections import LoggedAct, ProjectionContext, projects
from truce.media.ingest.schema import CandidateIncident, Casualties
from truce.media.rules import Clusterer
from truce.scenario.rules import Scenario
from truce.storage.models import (
    Act,
    CaseAct,
    CaseRecord,
    MediaCluster,
    MediaCorroboration,
    MediaIncident,
    MediaItem,
)

#: Candidate ids are ``SLOTS * item index + position``.
SLOTS = 1000
_NONE = Casualties()
_CLUSTERERS: dict[int, tuple[Scenario, Clusterer]] = {}


def _clusterer(scenario: Scenario) -> Clusterer:
    cached = _CLUSTERERS.get(id(scenario))
    if cached is None or cached[0] is not scenario:
        cached = (scenario, Clusterer(scenario))
        _CLUSTERERS[id(scenario)] = cached
    return cached[1]


def _audience(act: LoggedAct) -> Any:
    audience = act.envelope.audience
    return audience if isinstance(audience, str) else list(audience)


def _candidate(date: str | None, place_id: str | None, type_: str) -> CandidateIncident:
    return CandidateIncident.model_construct(
        date=date,
        date_precision="unknown",
        place=None,
        place_id=place_id,
        admin1=None,
        country=None,
        lat=None,
        lon=None,
        type=type_,
        actors=[],
        killed=_NONE,
        injured=_NONE,
        claimed_by=[],
        disputed_by=[],
        evidence="",
    )


def _shift(date: str, days: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


@projects("media.item")
def _item(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    if body is None:
        return
    context.connection.execute(
        insert(MediaItem).values(
            id=act.index,
            leaf_hash=act.leaf_hash.hex(),
            content_hash=body["content_hash"],
            body_digest=act.envelope.body_digest,
            member=act.envelope.member,
            delegate=act.envelope.delegate,
            title=body.get("title"),
            outlet=body.get("outlet"),
            url=body.get("url"),
            published=body.get("published"),
            language=body.get("language"),
            audience=_audience(act),
            ingested_at=act.envelope.time,
            claims=body.get("claims", []),
        )
    )
    clusterer = _clusterer(context.scenario())
    for position, incident in enumerate(body.get("incidents", [])):
        _add_candidate(context, clusterer, act.index, position, incident)


def _add_candidate(
    context: ProjectionContext,
    clusterer: Clusterer,
    index: int,
    position: int,
    incident: dict[str, Any],
) -> None:
    connection = context.connection
    own_id = index * SLOTS + position
    new = _candidate(incident.get("date"), incident.get("place_id"), incident["type"])
    query = select(
        MediaIncident.cluster_id, MediaIncident.date, MediaIncident.place_id, MediaIncident.type
    )
    if new.date is not None:
        query = query.where(
            or_(
                MediaIncident.date.is_(None),
                MediaIncident.date.between(_shift(new.date, -1), _shift(new.date, 1)),
            )
        )
    joined = sorted(
        {
            row.cluster_id
            for row in connection.execute(query)
            if clusterer.same_event(new, _candidate(row.date, row.place_id, row.type))
        }
    )
    cluster_id = joined[0] if joined else own_id
    connection.execute(
        insert(MediaIncident).values(
            id=own_id,
            item_id=index,
            position=position,
            cluster_id=cluster_id,
            date=incident.get("date"),
            date_precision=incident["date_precision"],
            place=incident.get("place"),
            place_id=incident.get("place_id"),
            admin1=incident.get("admin1"),
            country=incident.get("country"),
            lat=incident.get("lat"),
            lon=incident.get("lon"),
            type=incident["type"],
            actors=incident.get("actors", []),
            killed=incident.get("killed", {}),
            injured=incident.get("injured", {}),
            claimed_by=incident.get("claimed_by", []),
            disputed_by=incident.get("disputed_by", []),
            evidence=incident.get("evidence", ""),
        )
    )
    if not joined:
        connection.execute(insert(MediaCluster).values(id=own_id, size=0, updated_idx=index))
    if len(joined) > 1:
        connection.execute(
            update(MediaIncident)
            .where(MediaIncident.cluster_id.in_(joined[1:]))
            .values(cluster_id=cluster_id)
        )
        connection.execute(delete(MediaCluster).where(MediaCluster.id.in_(joined[1:])))
    summary = connection.execute(
        select(func.count(), func.min(MediaIncident.date), func.max(MediaIncident.date)).where(
            MediaIncident.cluster_id == cluster_id
        )
    ).one()
    connection.execute(
        update(MediaCluster)
        .where(MediaCluster.id == cluster_id)
        .values(
            size=int(summary[0]), first_date=summary[1], last_date=summary[2], updated_idx=index
        )
    )


def _logged(context: ProjectionContext, leaf_hash: str) -> str | None:
    """The kind of the logged act with this leaf hash, flushed or still pending."""
    for pending in context.pending_acts:
        if pending["leaf_hash"] == leaf_hash:
            return str(pending["kind"])
    kind = context.connection.execute(select(Act.kind).where(Act.leaf_hash == leaf_hash)).scalar()
    return None if kind is None else str(kind)


def _complete(context: ProjectionContext) -> bool:
    """Whether every ``media.item`` logged so far is projected here (not so on some mirrors)."""
    logged = context.connection.execute(
        select(func.count()).where(Act.kind == "media.item")
    ).scalar_one()
    logged += sum(1 for pending in context.pending_acts if pending["kind"] == "media.item")
    projected = context.connection.execute(select(func.count(MediaItem.id))).scalar_one()
    return int(logged) == int(projected)


@projects("media.corroborate")
def _corroborate(context: ProjectionContext, act: LoggedAct) -> None:
    ref = act.envelope.refs[0]
    connection = context.connection
    case_id = connection.execute(select(CaseRecord.id).where(CaseRecord.leaf_hash == ref)).scalar()
    if case_id is None:
        return  # a case this mirror may not see
    if act.body is None:
        connection.execute(
            insert(CaseAct).values(case_id=case_id, idx=act.index, kind=act.envelope.kind)
        )
        return
    body = act.body
    connection.execute(
        insert(MediaCorroboration).values(
            idx=act.index,
            case_id=case_id,
            cluster_id=body["cluster"],
            items=[report["item"] for report in body["items"]],
            member=act.envelope.member,
            audience=_audience(act),
        )
    )
    connection.execute(
        insert(CaseAct).values(case_id=case_id, idx=act.index, kind=act.envelope.kind)
    )
