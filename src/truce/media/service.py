"""Media monitoring in the mechanism: item bodies, audience-checked reads, case drafts.

A news article enters the log as a ``media.item`` act whose body is built by
:func:`item_body` from the article and its extraction. Reads go through
:class:`MediaReader`, which shows a reader only the items addressed to its member and
builds each cluster from those items alone: a cluster none of whose items the reader may
see does not exist for that reader, and no summary leaks a hidden item's figures.

:func:`case_draft` turns a cluster into a prefilled ``case.lodge`` body for a delegate
to complete, edit and sign: the conflicting figures are listed in the narrative, and the
lowest reported figure of each category is proposed, since a party lodging a case can
raise a figure it can support but not unsay one it signed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, or_, select

from truce.acts.bodies import is_web_url
from truce.errors import InputError, NotFoundError
from truce.ledger.envelope import audience_includes, format_time, stored_audience
from truce.media.ingest.articles import Article
from truce.media.ingest.schema import CATEGORIES, Extraction
from truce.scenario.rules import Scenario
from truce.storage.models import (
    MediaCluster,
    MediaCorroboration,
    MediaIncident,
    MediaItem,
    Member,
)

CASE_CATEGORIES = ("soldiers", "civilians", "militants")
NARRATIVE_CHARS = 20000  # the longest narrative a case.lodge body takes
_PRECISION = {"day": "day", "week": "week", "month": "month"}


def item_body(article: Article, extraction: Extraction) -> dict[str, Any]:
    """The ``media.item`` body of an article and what was extracted from it."""
    meta = extraction.article
    published = meta.published or (article.published.isoformat() if article.published else None)
    body: dict[str, Any] = {
        "content_hash": article.key,
        "text": article.text,
        "title": meta.title or article.title,
        "outlet": meta.outlet or article.outlet,
        "url": article.url if is_web_url(article.url) else None,
        "published": published,
        "language": article.language,
        "incidents": [incident.model_dump(mode="json") for incident in extraction.incidents],
        "claims": [claim.model_dump(mode="json") for claim in extraction.claims],
    }
    return {key: value for key, value in body.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Filters:
    """What lists are filtered by: a date range, a place, a type, an outlet."""

    since: dt.date | None = None
    until: dt.date | None = None
    place: str | None = None
    type: str | None = None
    outlet: str | None = None

    def check(self) -> None:
        """Refuse a range that ends before it begins."""
        if self.since and self.until and self.until < self.since:
            raise InputError("until is before since", field="until")


def _item_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "leaf_hash": row.leaf_hash,
        "content_hash": row.content_hash,
        "body_digest": row.body_digest,
        "outlet": row.outlet,
        "title": row.title,
        "url": row.url,
        "published": row.published,
        "language": row.language,
        "ingested_by": f"{row.member}/{row.delegate}",
        "ingested_at": format_time(row.ingested_at),
        "audience": stored_audience(row.audience),
        "claims": list(row.claims),
    }


def _incident_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "item": row.item_id,
        "cluster": row.cluster_id,
        "date": row.date,
        "date_precision": row.date_precision,
        "place": row.place,
        "place_id": row.place_id,
        "admin1": row.admin1,
        "country": row.country,
        "lat": row.lat,
        "lon": row.lon,
        "type": row.type,
        "actors": list(row.actors),
        "killed": dict(row.killed),
        "injured": dict(row.injured),
        "claimed_by": list(row.claimed_by),
        "disputed_by": list(row.disputed_by),
        "evidence": row.evidence,
    }


def places_within(scenario: Scenario, place: str) -> list[str]:
    """``place`` and every gazetteer place inside it (a district's towns and crossings)."""
    children: dict[str, list[str]] = {}
    for entry in scenario.places:
        if entry.parent:
            children.setdefault(entry.parent, []).append(entry.id)
    found = [place]
    for current in found:
        found.extend(child for child in children.get(current, []) if child not in found)
    return sorted(found)


class MediaReader:
    """Media items and clusters as one reader's member may see them."""

    def __init__(self, connection: Connection, scenario: Scenario, member: str) -> None:
        self.connection = connection
        self.scenario = scenario
        self.member = member
        kind = connection.execute(select(Member.kind).where(Member.code == member)).scalar()
        self.mediator = kind == "mediator"

    def _visible(self, row: Any) -> bool:
        return audience_includes(
            stored_audience(row.audience), row.member, self.member, self.mediator
        )

    def _at_place(self, place: str) -> Any:
        """Candidates at the place, inside it, or in the province of that name."""
        return or_(
            MediaIncident.place_id.in_(places_within(self.scenario, place)),
            MediaIncident.admin1 == place,
        )

    def _incident_query(self, filters: Filters) -> Select[Any]:
        query = select(MediaIncident, MediaItem.outlet, MediaItem.member, MediaItem.audience).join(
            MediaItem, MediaItem.id == MediaIncident.item_id
        )
        if filters.since:
            query = query.where(MediaIncident.date >= filters.since.isoformat())
        if filters.until:
            query = query.where(MediaIncident.date <= filters.until.isoformat())
        if filters.place:
            query = query.where(self._at_place(filters.place))
        if filters.type:
            query = query.where(MediaIncident.type == filters.type)
        if filters.outlet:
            query = query.where(MediaItem.outlet == filters.outlet)
        return query

    def items(
        self,
        filters: Filters,
        *,
        content_hash: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Items, newest publication first; date range on the publication date."""
        filters.check()
        query = select(MediaItem)
        if filters.since:
            query = query.where(MediaItem.published >= filters.since.isoformat())
        if filters.until:
            query = query.where(MediaItem.published <= filters.until.isoformat())
        if filters.outlet:
            query = query.where(MediaItem.outlet == filters.outlet)
        if content_hash:
            query = query.where(MediaItem.content_hash == content_hash)
        if filters.place or filters.type:
            about = select(MediaIncident.item_id)
            if filters.place:
                about = about.where(self._at_place(filters.place))
            if filters.type:
                about = about.where(MediaIncident.type == filters.type)
            query = query.where(MediaItem.id.in_(about))
        rows = [
            row
            for row in self.connection.execute(
                query.order_by(MediaItem.published.desc(), MediaItem.id.desc())
            ).all()
            if self._visible(row)
        ]
        page = rows[offset : offset + limit]
        incidents = self._incidents_of([row.id for row in page])
        return {
            "total": len(rows),
            "limit": limit,
            "offset": offset,
            "items": [_item_view(row) | {"incidents": incidents.get(row.id, [])} for row in page],
        }

    def _incidents_of(self, item_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {}
        for row in self.connection.execute(
            select(MediaIncident)
            .where(MediaIncident.item_id.in_(item_ids))
            .order_by(MediaIncident.id)
        ):
            found.setdefault(row.item_id, []).append(_incident_view(row))
        return found

    def item(self, item_id: int) -> dict[str, Any]:
        """One item with its candidate incidents; 404 where the reader may not see it."""
        row = self.connection.execute(select(MediaItem).where(MediaItem.id == item_id)).first()
        if row is None or not self._visible(row):
            raise NotFoundError(f"no media item {item_id} that {self.member} may see")
        return _item_view(row) | {"incidents": self._incidents_of([item_id]).get(item_id, [])}

    def clusters(self, filters: Filters, *, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """Clusters with at least one visible candidate matching the filters, newest first."""
        filters.check()
        matching = sorted(
            {
                row.cluster_id
                for row in self.connection.execute(self._incident_query(filters))
                if self._visible(row)
            }
        )
        views = [self._cluster(cluster_id) for cluster_id in matching]
        shown = [view for view in views if view is not None]
        shown.sort(key=lambda view: (view["last_date"] or "", view["id"]), reverse=True)
        return {
            "total": len(shown),
            "limit": limit,
            "offset": offset,
            "clusters": shown[offset : offset + limit],
        }

    def cluster(self, cluster_id: int) -> dict[str, Any]:
        """One cluster as the reader may see it; 404 where it holds nothing visible."""
        view = self._cluster(cluster_id)
        if view is None:
            raise NotFoundError(f"no media cluster {cluster_id} that {self.member} may see")
        return view

    def _cluster(self, cluster_id: int) -> dict[str, Any] | None:
        if (
            self.connection.execute(
                select(MediaCluster.id).where(MediaCluster.id == cluster_id)
            ).first()
            is None
        ):
            return None
        rows = self.connection.execute(
            select(
                MediaIncident.__table__,
                MediaItem.leaf_hash.label("item_leaf_hash"),
                MediaItem.outlet,
                MediaItem.title,
                MediaItem.url,
                MediaItem.published,
                MediaItem.member,
                MediaItem.audience,
            )
            .join(MediaItem, MediaItem.id == MediaIncident.item_id)
            .where(MediaIncident.cluster_id == cluster_id)
            .order_by(MediaIncident.id)
        ).all()
        rows = [row for row in rows if self._visible(row)]
        if not rows:
            return None
        items: dict[int, dict[str, Any]] = {}
        figures: list[dict[str, Any]] = []
        for row in rows:
            items.setdefault(
                row.item_id,
                {
                    "id": row.item_id,
                    "leaf_hash": row.item_leaf_hash,
                    "outlet": row.outlet,
                    "title": row.title,
                    "url": row.url,
                    "published": row.published,
                },
            )
            figures.append(_incident_view(row) | {"outlet": row.outlet, "title": row.title})
        dates = sorted({f["date"] for f in figures if f["date"]})
        sources: list[str] = []
        for figure in figures:
            for name in [*figure["claimed_by"], figure["outlet"]]:
                if name and name not in sources:
                    sources.append(name)
        corroborates = sorted(
            {
                row.case_id
                for row in self.connection.execute(
                    select(
                        MediaCorroboration.case_id,
                        MediaCorroboration.member,
                        MediaCorroboration.audience,
                    ).where(MediaCorroboration.cluster_id == cluster_id)
                )
                if self._visible(row)  # a corroboration is shown to its act's audience only
            }
        )
        return {
            "id": cluster_id,
            "size": len(figures),
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
            "types": _by_frequency(f["type"] for f in figures),
            "places": _by_frequency(f["place_id"] for f in figures if f["place_id"]),
            "outlets": _by_frequency(i["outlet"] for i in items.values() if i["outlet"]),
            "sources": sources,
            "conflicts": _conflicts(figures),
            "figures": figures,
            "items": list(items.values()),
            "corroborates": corroborates,
        }


def _by_frequency(values: Any) -> list[str]:
    counts = Counter(values)
    return sorted(counts, key=lambda value: (-counts[value], value))


def _conflicts(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each category two sources give different figures for, every figure side by side."""
    found: list[dict[str, Any]] = []
    for measure in ("killed", "injured"):
        for category in CATEGORIES:
            values: dict[int, dict[str, Any]] = {}
            for figure in figures:
                value = figure[measure].get(category)
                if value is None:
                    continue
                entry = values.setdefault(value, {"value": value, "claimed_by": [], "items": []})
                for name in figure["claimed_by"] or [figure["outlet"] or "unattributed"]:
                    if name not in entry["claimed_by"]:
                        entry["claimed_by"].append(name)
                if figure["item"] not in entry["items"]:
                    entry["items"].append(figure["item"])
            if len(values) > 1:
                found.append(
                    {
                        "measure": measure,
                        "category": category,
                        "values": [values[key] for key in sorted(values)],
                    }
                )
    return found


def case_draft(view: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """A ``case.lodge`` body prefilled from a cluster view, and what is left to fill in."""
    figures: list[dict[str, Any]] = view["figures"]
    missing: list[str] = []
    date: str | None
    dated = [f for f in figures if f["date"]]
    if dated:
        date = _by_frequency(f["date"] for f in dated)[0]
        precisions = {f["date_precision"] for f in dated if f["date"] == date}
        precision = next((p for p in ("day", "week", "month") if p in precisions), "month")
    else:
        published = sorted(i["published"] for i in view["items"] if i["published"])
        date, precision = (published[0], "week") if published else (None, "month")
        missing.append("incident.occurred_at")
    place: dict[str, Any] | None = None
    placed = [f for f in figures if f["place_id"]]
    if placed:
        place_id = _by_frequency(f["place_id"] for f in placed)[0]
        gazetteer = scenario.place(place_id)
        kind = gazetteer.kind if gazetteer is not None else None
        place = {
            "place_id": place_id,
            "precision": kind if kind in ("district", "province") else "approximate",
        }
    else:
        located = [f for f in figures if f["lat"] is not None and f["lon"] is not None]
        if located:
            place = {"lat": located[0]["lat"], "lon": located[0]["lon"], "precision": "approximate"}
        else:
            missing.append("incident.place")
    actors: list[str] = []
    for figure in figures:
        for actor in figure["actors"]:
            if actor not in actors:
                actors.append(actor)
    countries = _by_frequency(f["country"] for f in figures if f["country"])
    parties = [m.code for m in scenario.members if m.kind == "party"]
    accused = [code for code in parties if countries and code != countries[0]]
    if len(accused) != 1:
        missing.append("accused.member")
    missing.append("clauses")
    incident: dict[str, Any] = {
        "type": view["types"][0],
        "occurred_at": f"{date}T00:00:00Z" if date else None,
        "time_precision": _PRECISION.get(precision, "month"),
        "place": place,
        "actors": actors[:20],
        "killed": _lowest(figures, "killed"),
        "injured": _lowest(figures, "injured"),
    }
    body = {
        "incident": incident,
        "accused": {"member": accused[0] if len(accused) == 1 else None},
        "clauses": [],
        "narrative": _narrative(view),
        "language": "en",
    }
    return {"kind": "case.lodge", "cluster": view["id"], "body": body, "missing": missing}


def _lowest(figures: list[dict[str, Any]], measure: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for category in CASE_CATEGORIES:
        values = [f[measure][category] for f in figures if f[measure].get(category) is not None]
        if values:
            found[category] = min(values)
    return found


def _narrative(view: dict[str, Any]) -> str:
    lines = [
        f"Press reports (media cluster {view['id']}): "
        + "; ".join(
            f"{item['outlet'] or 'unknown outlet'}"
            + (f", {item['published']}" if item["published"] else "")
            + (f", “{item['title']}”" if item["title"] else "")
            for item in view["items"]
        )
        + "."
    ]
    for figure in view["figures"]:
        counts = [
            f"{value} {category} {measure}"
            for measure in ("killed", "injured")
            for category, value in figure[measure].items()
            if value is not None
        ]
        if counts:
            who = ", ".join(figure["claimed_by"]) or figure["outlet"] or "unattributed"
            lines.append(f"{who}: {', '.join(counts)}.")
    return "\n".join(lines)[:NARRATIVE_CHARS]
