"""Compliance, crossings, joint action and search: pages over the API's own reads.

The compliance matrix, the crossings and the requests for joint action come from the
functions that answer the JSON API (:mod:`truce.api.monitoring`), called with the
viewer's identity, so counts and contents follow exactly the API's audience rules.
Each matrix cell links to the case list filtered to the cases behind its figures.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from truce.api import monitoring as api_monitoring
from truce.api.deps import ServicesDep
from truce.domain import joint
from truce.domain.cases import OPEN
from truce.web.deps import ViewerDep, render
from truce.web.pages.common import case_item, member_names, now_of, scenario_of
from truce.web.pages.queries import Filters, reader_of, search_cases

router = APIRouter(include_in_schema=False)


def cell_links(clause: str, member: str) -> dict[str, str]:
    """The case-list URLs behind a matrix cell: its open allegations and its violations."""
    return {
        "open": "/cases?"
        + Filters(clause=clause, accused=member, status=tuple(sorted(OPEN))).query(),
        "confirmed": "/cases?" + Filters(violated=clause, violator=member).query(),
        "all": "/cases?" + Filters(clause=clause, accused=member).query(),
    }


@router.get("/compliance", response_class=HTMLResponse)
def compliance_page(request: Request, found: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The clause x member matrix, each cell linking to its cases."""
    scenario = scenario_of(found)
    matrix = api_monitoring.compliance_matrix(found, viewer.identity)
    cells = {(cell.clause, cell.member): cell for cell in matrix.cells}
    return render(
        request,
        "pages/compliance.html",
        {
            "matrix": matrix,
            "cells": cells,
            "links": {key: cell_links(*key) for key in cells},
            "names": member_names(scenario),
            "penalty_steps": {s.id: s for s in scenario.penalties.steps},
        },
    )


@router.get("/crossings", response_class=HTMLResponse)
def crossings_page(request: Request, found: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """Every crossing's state now and how long it has held."""
    scenario = scenario_of(found)
    listed = api_monitoring.list_crossings(found, viewer.identity)
    return render(
        request,
        "pages/crossings.html",
        {"listed": listed, "names": member_names(scenario)},
    )


@router.get("/crossings/{place_id}", response_class=HTMLResponse)
def crossing_page(
    request: Request, place_id: str, found: ServicesDep, viewer: ViewerDep
) -> HTMLResponse:
    """A crossing's history: every report and each run of a state with its duration."""
    scenario = scenario_of(found)
    history = api_monitoring.get_crossing(place_id, found, viewer.identity)
    return render(
        request,
        "pages/crossing.html",
        {"history": history, "names": member_names(scenario)},
    )


@router.get("/joint-actions", response_class=HTMLResponse)
def joint_actions_page(
    request: Request,
    found: ServicesDep,
    viewer: ViewerDep,
    status: Annotated[joint.Status | None, Query()] = None,
) -> HTMLResponse:
    """Requests for joint action: open, answered, overdue."""
    scenario = scenario_of(found)
    page = api_monitoring.list_joint_actions(found, viewer.identity, status=status)
    return render(
        request,
        "pages/joint_actions.html",
        {
            "page": page,
            "status": status,
            "statuses": joint.STATUSES,
            "names": member_names(scenario),
            "places": {p.id: p.name for p in scenario.places},
            "now": now_of(found),
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    found: ServicesDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Cases whose title, narrative, place or actors contain every word searched for."""
    scenario = scenario_of(found)
    now = now_of(found)
    results: list[dict[str, Any]] = []
    if q.strip():
        with found.db.read() as connection:
            reader = reader_of(connection, viewer.identity)
            for row, body in search_cases(connection, reader, scenario, q):
                results.append(
                    {
                        "item": case_item(scenario, row, now),
                        "narrative": body.get("narrative", ""),
                        "language": body.get("language"),
                    }
                )
    return render(
        request,
        "pages/search.html",
        {"q": q, "results": results, "names": member_names(scenario)},
    )
