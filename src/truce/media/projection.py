"""Projection handlers of the ``media.*`` acts: items, candidate incidents, clusters.

``media.item`` stores an article's masthead and the candidate incidents extracted from
it, then clusters each candidate with those already projected, in log order, with the
rules of :class:`truce.media.ingest.cluster.Clusterer`. Because clustering runs in the handler
and depends only on the acts before it, ``truce rebuild`` reproduces the clusters
exactly. Ids come from the log: a candidate's id is ``1000 * item index + position``; a
cluster's id is the id of its first candidate, and when a new candidate joins two
clusters into one, the older (lower) id survives and the other disappears for good.

``media.corroborate`` is checked here, inside the admission transaction (a refusal
raises and rolls back, so nothing is written): only a mediator's delegate corroborates;
``refs[0]`` is a case; the cluster exists; every named item is in it, named with its
masthead as projected; a cluster is attached to a case once. A member's mirror that
lacks some bodies (outside its audience) cannot check clusters; it projects what it
can and skips the rest, as for cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from truce.errors import RefusedActError
from truce.ledger.envelope import Audience, audience_includes, stored_audience
from truce.log.projections import LoggedAct, ProjectionContext, projects
from truce.media.ingest.cluster import Clusterer
from truce.media.ingest.schema import CandidateIncident, Casualties
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
    connection = context.connection
    earlier = connection.execute(
        select(MediaItem.id).where(MediaItem.content_hash == body["content_hash"])
    ).scalar()
    if earlier is not None:
        raise RefusedActError(
            f"this article (content hash {body['content_hash'][:16]}…) is already stored "
            f"as media item {earlier}",
            field="body.content_hash",
        )
    connection.execute(
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
    member = context.scenario().member(act.envelope.member)
    if member is None or member.kind != "mediator":
        raise RefusedActError(
            f"only a mediator attaches press reports to a case, not {act.envelope.member}",
            field="author",
        )
    if not act.envelope.refs:
        raise RefusedActError("media.corroborate names its case in refs[0]", field="refs")
    ref = act.envelope.refs[0]
    connection = context.connection
    case_id = connection.execute(select(CaseRecord.id).where(CaseRecord.leaf_hash == ref)).scalar()
    if case_id is None:
        if _logged(context, ref) in {"case.lodge", "case.respond"}:
            return  # a case this mirror may not see
        raise RefusedActError(f"refs[0] {ref[:16]}… is not a case", field="refs")
    if act.body is None:
        connection.execute(
            insert(CaseAct).values(case_id=case_id, idx=act.index, kind=act.envelope.kind)
        )
        return
    body = act.body
    if _complete(context):
        _check_cluster(context, int(case_id), body, act)
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


def _readers(scenario: Scenario, addressed: tuple[str, Audience]) -> set[str]:
    """The members that may read a body its author's member addressed to an audience."""
    author, audience = addressed
    return {
        member.code
        for member in scenario.members
        if audience_includes(audience, author, member.code, member.kind == "mediator")
    }


def _check_cluster(
    context: ProjectionContext, case_id: int, body: dict[str, Any], act: LoggedAct
) -> None:
    connection = context.connection
    scenario = context.scenario()
    corroboration = (act.envelope.member, act.envelope.audience)
    cluster = body["cluster"]
    if (
        connection.execute(select(MediaCluster.id).where(MediaCluster.id == cluster)).first()
        is None
    ):
        raise RefusedActError(f"there is no media cluster {cluster}", field="body.cluster")
    attached = connection.execute(
        select(MediaCorroboration.idx).where(
            MediaCorroboration.case_id == case_id, MediaCorroboration.cluster_id == cluster
        )
    ).scalar()
    if attached is not None:
        raise RefusedActError(
            f"media cluster {cluster} is already attached to case {case_id} (entry {attached})",
            field="body.cluster",
        )
    members = {
        row.leaf_hash: row
        for row in connection.execute(
            select(
                MediaItem.leaf_hash,
                MediaItem.id,
                MediaItem.outlet,
                MediaItem.title,
                MediaItem.url,
                MediaItem.published,
                MediaItem.member,
                MediaItem.audience,
            )
            .join(MediaIncident, MediaIncident.item_id == MediaItem.id)
            .where(MediaIncident.cluster_id == cluster)
        )
    }
    seen: set[str] = set()
    for position, report in enumerate(body["items"]):
        where = f"body.items.{position}"
        row = members.get(report["item"])
        if row is None:
            raise RefusedActError(
                f"item {report['item'][:16]}… is not a media item of cluster {cluster}",
                field=f"{where}.item",
            )
        if report["item"] in seen:
            raise RefusedActError(f"item {row.id} is named twice", field=f"{where}.item")
        seen.add(report["item"])
        if outside := _readers(scenario, corroboration) - _readers(
            scenario, (row.member, stored_audience(row.audience))
        ):
            raise RefusedActError(
                f"item {row.id} is not addressed to {', '.join(sorted(outside))}: a "
                "corroboration naming it must not reach further than the item",
                field="audience",
            )
        for name in ("outlet", "title", "url", "published"):
            if report.get(name) != getattr(row, name):
                raise RefusedActError(
                    f"item {row.id}: {name} is {getattr(row, name)!r}, not {report.get(name)!r}",
                    field=f"{where}.{name}",
                )
