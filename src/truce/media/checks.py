"""Checking ``media.*`` acts before anything is written.

A press item is stored once (by the hash of its text). A corroboration attaches one
media cluster to one case, once, by a mediator, naming items of that cluster exactly as
they were logged, and reaching no reader the items do not reach. Its check reads the
clusters and cases that earlier acts projected, so a ``media.corroborate`` after a
``media.item``, a case or another corroboration in the same batch is checked once they
are projected (:func:`truce.log.registry.reads_projection`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from truce.acts.actor import Actor
from truce.errors import RefusedActError
from truce.ledger.envelope import SignedAct, stored_audience
from truce.log.registry import (
    NOTHING_DECIDED,
    Decided,
    StatesBook,
    checks,
    reads_projection,
)
from truce.log.states import first_ref
from truce.media.rules import readers
from truce.scenario.rules import Scenario
from truce.storage.models import (
    CaseRecord,
    MediaCluster,
    MediaCorroboration,
    MediaIncident,
    MediaItem,
)

PREFIX = "media."
reads_projection(
    "media.corroborate", "media.item", "media.corroborate", "case.lodge", "case.respond"
)


@checks(PREFIX)
class MediaBook(StatesBook):
    """The content hashes of the items a batch stores, beside those already stored."""

    def __init__(self, connection: Connection, scenario: Scenario) -> None:
        self.connection = connection
        self.scenario = scenario
        self.states: dict[str, None] = {}

    def check(self, act: SignedAct, actor: Actor, now: datetime) -> Decided:
        """Refuse the act (RefusedActError) unless the media rules allow it; a press act
        leaves no workflow state."""
        kind = act.envelope.kind
        if kind == "media.item":
            self._check_item(act.body)
        elif kind == "media.corroborate":
            self._check_corroboration(act, actor)
        else:
            raise RefusedActError(f"{kind} is not a media act", field="kind")
        return NOTHING_DECIDED

    def _check_item(self, body: dict[str, Any]) -> None:
        content_hash = body["content_hash"]
        earlier = self.connection.execute(
            select(MediaItem.id).where(MediaItem.content_hash == content_hash)
        ).scalar()
        if earlier is not None or content_hash in self.states:
            where = "earlier in this batch" if earlier is None else f"as media item {earlier}"
            raise RefusedActError(
                f"this article (content hash {content_hash[:16]}…) is already stored {where}",
                field="body.content_hash",
            )
        self.states[content_hash] = None

    def _check_corroboration(self, act: SignedAct, actor: Actor) -> None:
        if actor.kind != "mediator":
            raise RefusedActError(
                f"only a mediator attaches press reports to a case, not {actor.member}",
                field="author",
            )
        ref = first_ref(act, "the case")
        case_id = self.connection.execute(
            select(CaseRecord.id).where(CaseRecord.leaf_hash == ref)
        ).scalar()
        if case_id is None:
            raise RefusedActError(f"refs[0] {ref[:16]}… is not a case", field="refs")
        body: dict[str, Any] = act.body
        cluster = body["cluster"]
        exists = self.connection.execute(select(MediaCluster.id).where(MediaCluster.id == cluster))
        if exists.first() is None:
            raise RefusedActError(f"there is no media cluster {cluster}", field="body.cluster")
        attached = self.connection.execute(
            select(MediaCorroboration.idx).where(
                MediaCorroboration.case_id == case_id, MediaCorroboration.cluster_id == cluster
            )
        ).scalar()
        if attached is not None:
            raise RefusedActError(
                f"media cluster {cluster} is already attached to case {case_id} (entry {attached})",
                field="body.cluster",
            )
        self._check_items(act, cluster)

    def _check_items(self, act: SignedAct, cluster: int) -> None:
        """Every named item is one of the cluster's, named as logged, and read by every
        member the corroboration reaches."""
        rows = self.connection.execute(
            select(
                MediaItem.leaf_hash, MediaItem.id, MediaItem.outlet, MediaItem.title,
                MediaItem.url, MediaItem.published, MediaItem.member, MediaItem.audience,
            )
            .join(MediaIncident, MediaIncident.item_id == MediaItem.id)
            .where(MediaIncident.cluster_id == cluster)
        )  # fmt: skip
        members = {row.leaf_hash: row for row in rows}
        reached = readers(self.scenario, act.envelope.member, act.envelope.audience)
        seen: set[str] = set()
        for position, report in enumerate(act.body["items"]):
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
            if outside := reached - readers(
                self.scenario, row.member, stored_audience(row.audience)
            ):
                raise RefusedActError(
                    f"item {row.id} is not addressed to {', '.join(sorted(outside))}: a "
                    "corroboration naming it must not reach further than the item",
                    field="audience",
                )
            for name in ("outlet", "title", "url", "published"):
                if report.get(name) != getattr(row, name):
                    raise RefusedActError(
                        f"item {row.id}: {name} is {getattr(row, name)!r}, "
                        f"not {report.get(name)!r}",
                        field=f"{where}.{name}",
                    )
