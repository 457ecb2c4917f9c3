"""The map and the timeline: the visible incidents as data blocks for the scripts.

Both pages take the case list's filters (:mod:`truce.cases.queries`) and hand their
data to the scripts as JSON in ``<script type="application/json">`` blocks
(``map-data``, ``timeline-data``; ``docs/web.md``). A busy mechanism may hold far more
incidents than a browser can draw at once, so each block carries the newest
:data:`MAP_LIMIT` (or :data:`TIMELINE_LIMIT`) matching incidents and says how many
match in all (``total``); narrowing the filters shows the rest. ``/map/data`` answers
the same block as JSON for a script that redraws the map when a filter changes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from truce.api.deps import Services, ServicesDep
from truce.cases.pages import request_filters
from truce.cases.queries import (
    Filters,
    case_title,
    dated_cases,
    located_cases,
    reader_of,
    rfc3339,
    titles,
)
from truce.scenario.rules import Scenario
from truce.web.common import (
    crossings_now,
    filter_context,
    member_names,
    named_crossings,
    scenario_of,
)
from truce.web.deps import Viewer, ViewerDep, render

router = APIRouter(include_in_schema=False)

#: The most incidents one map block carries (the newest that match).
MAP_LIMIT = 2000
#: The most incidents one timeline block carries (the newest that match).
TIMELINE_LIMIT = 1000


def _crossings(services: Services, viewer: Viewer, scenario: Scenario) -> list[dict[str, Any]]:
    """Each gazetteer crossing with its state now, from the reports the viewer may see,
    named as ``scenario`` (in the viewer's language) names it."""
    listed = crossings_now(services, viewer.identity)
    shown: list[dict[str, Any]] = []
    for crossing in named_crossings(scenario, listed.crossings):
        if crossing.lat is None or crossing.lon is None:
            continue
        current = crossing.current
        trade_run = next((run for run in crossing.durations if run.aspect == "trade"), None)
        shown.append(
            {
                "place_id": crossing.place_id,
                "name": crossing.name,
                "lat": crossing.lat,
                "lon": crossing.lon,
                "trade": current.trade if current else None,
                "people": current.people if current else None,
                "since": trade_run.since if trade_run else None,
                "url": f"/crossings/{crossing.place_id}",
                "disputed": crossing.disputed,
                "sides": [
                    {
                        "member": side.member,
                        "name": side.name,
                        "trade": side.current.trade if side.current else None,
                        "people": side.current.people if side.current else None,
                    }
                    for side in crossing.sides
                ],
            }
        )
    return shown


def map_data(services: Services, viewer: Viewer, filters: Filters) -> dict[str, Any]:
    """The ``map-data`` block but its labels: incidents, crossings and places."""
    scenario = scenario_of(services, viewer.language)
    with services.db.read() as connection:
        reader = reader_of(connection, viewer.identity)
        total, rows = located_cases(connection, reader, filters, MAP_LIMIT)
    labels, names = titles(scenario)
    incidents = [
        {
            "case_id": case_id,
            "title": f"{labels.get(kind, kind)}, {names[place_id]}"
            if place_id in names
            else f"{labels.get(kind, kind)}, {lat:.3f} {lon:.3f}",
            "type": kind,
            "status": status,
            "member": lodged_by,
            "accused": accused,
            "occurred": rfc3339(occurred_at),
            "lat": lat,
            "lon": lon,
            "precision": precision,
            "url": f"/cases/{case_id}",
        }
        for (case_id, kind, status, lodged_by, accused, occurred_at, _lodged, lat, lon,
             precision, place_id) in rows
    ]  # fmt: skip
    places = [
        {"id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon, "country": p.country}
        for p in scenario.places
        if p.lat is not None and p.lon is not None and p.kind != "crossing"
    ]
    return {
        "incidents": incidents,
        "total": total,
        "limit": MAP_LIMIT,
        "crossings": _crossings(services, viewer, scenario),
        "places": places,
    }


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The map of incidents, crossings and places, filtered like the case list."""
    scenario = scenario_of(services, viewer.language)
    filters, error = request_filters(request)
    return render(
        request,
        "cases/map.html",
        {
            **filter_context(scenario, filters),
            "error": error,
            "data": map_data(services, viewer, filters),
            "type_labels": {t.id: t.label for t in scenario.incident_types},
            "query": filters.query(),
        },
    )


@router.get("/map/data")
def map_data_json(request: Request, services: ServicesDep, viewer: ViewerDep) -> JSONResponse:
    """The map's data for the filters of the query, as JSON (without labels)."""
    filters, error = request_filters(request)
    if error is not None:
        raise error
    return JSONResponse(map_data(services, viewer, filters))


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """Incidents and cases over time, with the scenario's truces marked."""
    scenario = scenario_of(services, viewer.language)
    filters, error = request_filters(request)
    with services.db.read() as connection:
        reader = reader_of(connection, viewer.identity)
        total, rows = dated_cases(connection, reader, filters, TIMELINE_LIMIT)
    rows.reverse()
    events = [
        {
            "date": rfc3339(row.occurred_at),
            "lodged": rfc3339(row.lodged_at),
            "type": row.type,
            "status": row.status,
            "title": case_title(scenario, row),
            "url": f"/cases/{row.id}",
        }
        for row in rows
    ]
    markers = [{"date": event.date.isoformat(), "label": event.label} for event in scenario.events]
    table: list[dict[str, Any]] = [
        {"day": event["date"][:10], "marker": False, **event} for event in events
    ]
    table.extend({"day": m["date"], "marker": True, **m} for m in markers)
    table.sort(key=lambda entry: (entry["day"], not entry["marker"]))
    return render(
        request,
        "cases/timeline.html",
        {
            **filter_context(scenario, filters),
            "error": error,
            "events": events,
            "markers": markers,
            "total": total,
            "limit": TIMELINE_LIMIT,
            "table": table,
            "type_labels": {t.id: t.label for t in scenario.incident_types},
            "names": member_names(scenario),
            "query": filters.query(),
        },
    )
