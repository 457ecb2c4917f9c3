"""The bodies of the two media acts, built on the server from what a form gives.

A ``media.item`` form gives a pasted article (text, title, outlet, URL, publication
date, language); the server computes its content hash and runs the extraction
(:mod:`truce.media.ingest`) exactly as ``truce ingest`` does, so the signed body holds the
same incidents and claims whichever client stored the article. A ``media.corroborate``
form gives a cluster id (the case comes as ``case``, like every case act); the server
names the cluster's items that the viewer's member may see, by leaf hash and masthead
(:class:`truce.media.service.MediaReader`), so a party never cites a report it may not
read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from truce.api.deps import Services
from truce.errors import NotFoundError
from truce.media.ingest.articles import Article, detect_language
from truce.media.ingest.extract import Extractor
from truce.media.service import MediaReader, item_body
from truce.scenario.rules import Scenario
from truce.storage.models import MediaItem
from truce.web.deps import Viewer
from truce.web.forms import FieldErrors
from truce.web.i18n import gettext as _

MEDIA_KINDS = frozenset({"media.item", "media.corroborate"})
_EXTRACTORS: dict[int, tuple[Scenario, Extractor]] = {}


def extractor_of(scenario: Scenario) -> Extractor:
    """One extractor per scenario (its gazetteer is compiled once per process)."""
    found = _EXTRACTORS.get(id(scenario))
    if found is None or found[0] is not scenario:
        found = (scenario, Extractor(scenario))
        _EXTRACTORS[id(scenario)] = found
    return found[1]


def _one(values: Mapping[str, Sequence[str]], name: str) -> str | None:
    given = [value.strip() for value in values.get(name, ()) if value.strip()]
    return given[0] if given else None


def _item(services: Services, values: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    text = _one(values, "text")
    if text is None:
        raise FieldErrors({"text": _("This field is required.")})
    published: dt.date | None = None
    day = _one(values, "published")
    if day is not None:
        try:
            published = dt.date.fromisoformat(day)
        except ValueError:
            raise FieldErrors({"published": _("Enter a date such as 2025-11-06.")}) from None
    article = Article(
        text=text,
        title=_one(values, "title"),
        outlet=_one(values, "outlet"),
        url=_one(values, "url"),
        published=published,
        language=_one(values, "language") or detect_language(text),
    )
    with services.db.read() as connection:
        stored = connection.execute(
            select(MediaItem.id).where(MediaItem.content_hash == article.key)
        ).scalar()
    if stored is not None:
        raise FieldErrors(
            {"text": _("This article is already stored as media item %(id)s.") % {"id": stored}}
        )
    scenario = services.admission.mechanism().scenario
    return item_body(article, extractor_of(scenario).extract(article))


def _corroborate(
    services: Services, viewer: Viewer, values: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    if _one(values, "case") is None and _one(values, "refs") is None:
        raise FieldErrors({"case": _("No such case.")})
    given = _one(values, "cluster")
    if given is None:
        raise FieldErrors({"cluster": _("This field is required.")})
    try:
        cluster_id = int(given)
    except ValueError:
        raise FieldErrors({"cluster": _("Enter a whole number.")}) from None
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        try:
            view = MediaReader(connection, scenario, viewer.member).cluster(cluster_id)
        except NotFoundError:
            raise FieldErrors({"cluster": _("No such cluster of press reports.")}) from None
    items = [
        {"item": item["leaf_hash"]}
        | {name: item[name] for name in ("outlet", "title", "url", "published") if item[name]}
        for item in view["items"]
    ]
    body: dict[str, Any] = {"cluster": cluster_id, "items": items[:100]}
    note = _one(values, "note")
    if note is not None:
        body["note"] = note
        body["language"] = _one(values, "language") or viewer.language
    return body


def media_body(
    kind: str, services: Services, viewer: Viewer, values: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """The (not yet validated) body of a media act from its form's values."""
    if kind == "media.item":
        return _item(services, values)
    return _corroborate(services, viewer, values)
