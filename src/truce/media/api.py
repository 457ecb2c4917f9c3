"""Media monitoring over JSON: items, clusters of the same event, and case drafts.

Every read is audience-checked: an item appears only to members in the audience of its
``media.item`` act, and a cluster is built from the items the reader may see (see
:class:`truce.media.service.MediaReader`). Writes go through ``POST /log/v1/acts``:
``media.item`` stores an article, ``media.corroborate`` attaches a cluster to a case.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from truce.api.deps import MAX_INDEX, IdentityDep, LogIndex, ServicesDep
from truce.media.service import Filters, MediaReader, case_draft

router = APIRouter(prefix="/api/v1/media", tags=["media"])

Since = Annotated[date | None, Query(description="on or after (YYYY-MM-DD)")]
Until = Annotated[date | None, Query(description="on or before (YYYY-MM-DD)")]
Place = Annotated[
    str | None, Query(max_length=200, description="gazetteer place id or province (admin1)")
]
Type = Annotated[str | None, Query(max_length=64, description="incident type of the taxonomy")]
Outlet = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_INDEX)]


class ItemPage(BaseModel):
    """A page of media items, newest publication first."""

    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]] = Field(
        description="each item's masthead, claims and candidate incidents"
    )


class ClusterPage(BaseModel):
    """A page of clusters, latest event first."""

    total: int
    limit: int
    offset: int
    clusters: list[dict[str, Any]] = Field(
        description="each cluster's sources, items, figures side by side, and conflicts"
    )


class CaseDraft(BaseModel):
    """A ``case.lodge`` body prefilled from a cluster: edit it, complete it, sign it."""

    kind: str
    cluster: int
    body: dict[str, Any]
    missing: list[str] = Field(description="fields the delegate must still fill in")


@router.get("/items", response_model=ItemPage, summary="Media items, filtered and paginated")
def list_items(
    services: ServicesDep,
    reader: IdentityDep,
    since: Since = None,
    until: Until = None,
    place: Place = None,
    type: Type = None,
    outlet: Outlet = None,
    content_hash: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the text")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ItemPage:
    """Dates filter on publication; place and type on the item's candidate incidents."""
    filters = Filters(since=since, until=until, place=place, type=type, outlet=outlet)
    with services.db.read() as connection:
        page = MediaReader(
            connection, services.admission.mechanism().scenario, reader.member
        ).items(filters, content_hash=content_hash, limit=limit, offset=offset)
    return ItemPage(**page)


@router.get("/items/{item_id}", summary="One media item")
def get_item(item_id: LogIndex, services: ServicesDep, reader: IdentityDep) -> dict[str, Any]:
    """The item's masthead, claims and candidate incidents (its text: ``/log/v1/bodies``)."""
    with services.db.read() as connection:
        return MediaReader(connection, services.admission.mechanism().scenario, reader.member).item(
            item_id
        )


@router.get("/clusters", response_model=ClusterPage, summary="Clusters of the same event")
def list_clusters(
    services: ServicesDep,
    reader: IdentityDep,
    since: Since = None,
    until: Until = None,
    place: Place = None,
    type: Type = None,
    outlet: Outlet = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ClusterPage:
    """A cluster is listed when one of its visible candidates matches every filter."""
    filters = Filters(since=since, until=until, place=place, type=type, outlet=outlet)
    with services.db.read() as connection:
        page = MediaReader(
            connection, services.admission.mechanism().scenario, reader.member
        ).clusters(filters, limit=limit, offset=offset)
    return ClusterPage(**page)


@router.get("/clusters/{cluster_id}", summary="One cluster, every source side by side")
def get_cluster(cluster_id: LogIndex, services: ServicesDep, reader: IdentityDep) -> dict[str, Any]:
    """Its items, each candidate's figures with who claims them, and the conflicts."""
    with services.db.read() as connection:
        return MediaReader(
            connection, services.admission.mechanism().scenario, reader.member
        ).cluster(cluster_id)


@router.get(
    "/clusters/{cluster_id}/case-draft",
    response_model=CaseDraft,
    summary="A case.lodge draft from a cluster",
)
def draft_case(cluster_id: LogIndex, services: ServicesDep, reader: IdentityDep) -> CaseDraft:
    """Type, time with precision, place, actors and casualties, prefilled; nothing signed."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        view = MediaReader(
            connection, services.admission.mechanism().scenario, reader.member
        ).cluster(cluster_id)
    return CaseDraft(**case_draft(view, scenario))
