"""The press pages: clusters of reports of one event, each source's figures side by side.

Reads go through :class:`truce.media.service.MediaReader`, as the media API does, with
the viewer's member: a party sees only the items addressed to it, and a cluster is built
from those alone. ``/media`` lists clusters (filters kept in the URL), with the form that
stores a pasted article (``media.item``); ``/media/clusters/{id}`` shows the sources,
the extracted incidents and attributed claims, a link that opens the lodge form
prefilled from the cluster's case draft, and for mediators the form that attaches the
cluster to a case (``media.corroborate``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import MAX_INDEX, LogIndex, ServicesDep
from truce.cases import rules as cases_rules
from truce.cases.queries import case_numbers
from truce.errors import InputError
from truce.media.service import Filters, MediaReader
from truce.scenario.rules import Scenario
from truce.verify.registry import PERMISSIONS
from truce.web import i18n
from truce.web.common import place_options, scenario_of
from truce.web.deps import ViewerDep, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
_FILTERS = ("since", "until", "place", "type", "outlet")


def _filters(request: Request) -> tuple[Filters, dict[str, str], InputError | None]:
    """The filters of the URL, the values to keep in links, and the error that stopped them."""
    given = {
        name: request.query_params.get(name, "").strip()[:200]
        for name in _FILTERS
        if request.query_params.get(name, "").strip()
    }
    try:
        days = {
            name: dt.date.fromisoformat(given[name]) for name in ("since", "until") if name in given
        }
        filters = Filters(
            since=days.get("since"),
            until=days.get("until"),
            place=given.get("place"),
            type=given.get("type"),
            outlet=given.get("outlet"),
        )
        filters.check()
    except ValueError:
        return Filters(), given, InputError("not a date", field="since")
    except InputError as exc:
        return Filters(), given, exc
    return filters, given, None


def may_store(role: str) -> bool:
    """Whether the viewer's role may sign a ``media.item``."""
    return role in PERMISSIONS["media.item"]


@router.get("/media", response_class=HTMLResponse)
def media_list(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    stored: Annotated[int | None, Query(ge=0, le=MAX_INDEX)] = None,
) -> HTMLResponse:
    """Clusters the viewer's member may see, latest event first, with every figure."""
    scenario = scenario_of(services, viewer.language)
    filters, given, error = _filters(request)
    with services.db.read() as connection:
        reader = MediaReader(connection, services.admission.mechanism().scenario, viewer.member)
        result = reader.clusters(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-result["total"] // PAGE_SIZE))
    return render(
        request,
        "media/media.html",
        {
            "clusters": result["clusters"],
            "total": result["total"],
            "page": page,
            "pages": pages,
            "query": urlencode(given),
            "given": given,
            "error": error,
            "stored": stored,
            "types": [(t.id, t.label) for t in scenario.incident_types],
            "places": _place_options(
                services.admission.mechanism().scenario, scenario, viewer.language
            ),
            "may_store": may_store(viewer.role),
            "audiences": [m for m in scenario.members if m.code != viewer.member],
        },
    )


def _place_options(written: Scenario, shown: Scenario, language: str) -> list[tuple[str, str]]:
    """The place filter's options: provinces as a whole (by their name as written, which
    the filter matches), then each place (by id) as the forms name it, so that no two
    options read the same (Kabul the province, the city, the whole province)."""
    provinces = {
        place.admin1: label.admin1 or place.admin1
        for place, label in zip(written.places, shown.places, strict=True)
        if place.admin1
    }
    words = i18n.translations(language)
    whole = [
        (name, words.ugettext(i18n.N_("%(province)s: the whole province")) % {"province": label})
        for name, label in sorted(provinces.items(), key=lambda option: option[1])
    ]
    return whole + place_options(shown, language)


@router.get("/media/clusters/{cluster_id}", response_class=HTMLResponse)
def cluster_page(
    request: Request, cluster_id: LogIndex, services: ServicesDep, viewer: ViewerDep
) -> HTMLResponse:
    """One cluster: its sources, incidents, claims; a case draft; corroboration for mediators."""
    scenario = scenario_of(services, viewer.language)
    with services.db.read() as connection:
        reader = MediaReader(connection, services.admission.mechanism().scenario, viewer.member)
        view = reader.cluster(cluster_id)
        items = [reader.item(item["id"]) for item in view["items"]]
        mediator = reader.mediator
        numbers = case_numbers(connection, view["corroborates"])
    return render(
        request,
        "media/media_cluster.html",
        {
            "cluster": view,
            "items": items,
            "languages": {item["id"]: item["language"] for item in items},
            "types": {t.id: t.label for t in scenario.incident_types},
            "may_lodge": cases_rules.may_lodge(scenario, viewer.member, viewer.role),
            "may_corroborate": mediator and viewer.role in PERMISSIONS["media.corroborate"],
            "audiences": [m for m in scenario.members if m.code != viewer.member],
            "numbers": numbers,
        },
    )
