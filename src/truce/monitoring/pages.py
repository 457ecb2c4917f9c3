"""Compliance, crossings, joint action and search: pages over the API's own reads.

The crossings and the requests for joint action come from the functions that answer
the JSON API (:mod:`truce.monitoring.api`), called with the viewer's identity, so they
follow exactly the API's audience rules. The compliance matrix applies the API's rule
(:func:`truce.compliance.rules.matrix`) to the visible confirmed violations and
attestations, and counts open allegations in SQL, so a mechanism with many open cases
is not read row by row; the tests hold each cell to the API's.
Each matrix cell links to the case list filtered to the cases behind its figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from truce.accounts.service import Identity
from truce.api.deps import Services, ServicesDep
from truce.cases.queries import (
    Filters,
    aware,
    confirmed_violations,
    open_allegations,
    reader_of,
    search_cases,
)
from truce.cases.rules import OPEN
from truce.compliance import rules as compliance
from truce.joint import rules as joint
from truce.monitoring import api as api_monitoring
from truce.storage.models import AttestationRecord
from truce.web.common import case_item, member_names, named_crossings, now_of, scenario_of
from truce.web.deps import ViewerDep, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """One clause x member as the page shows it: figures, and the cases behind them."""

    standing: str
    confirmed_violations: int
    open_allegations: int
    last_violation_at: datetime | None
    penalties: tuple[tuple[int, str], ...]
    attestations: int
    acknowledged: int
    disputed: int


def matrix_cells(found: Services, identity: Identity) -> dict[tuple[str, str], MatrixCell]:
    """The compliance matrix by the rule of ``GET /api/v1/compliance``, counted so that
    only confirmed violations and attestations are read row by row: open allegations are
    counted by the database (:func:`truce.cases.queries.open_allegations`)."""
    scenario = found.admission.mechanism().scenario
    with found.db.read() as connection:
        reader = reader_of(connection, identity)
        opened = open_allegations(connection, reader)
        confirmed = confirmed_violations(connection, reader)
        attested = [
            row
            for row in connection.execute(select(AttestationRecord)).all()
            if reader.sees(row.audience, row.member)
        ]
    facts = [
        compliance.CaseFacts(
            id=row.id, accused=row.accused, alleged=(), status=row.status,
            occurred_at=aware(row.occurred_at), outcome=row.outcome, violator=row.violator,
            ruled_clauses=compliance.ruled_clauses(row.state), penalty=row.penalty,
        )
        for row in confirmed
    ]  # fmt: skip
    states = [compliance.from_json(row.state) for row in attested]
    cells: dict[tuple[str, str], MatrixCell] = {}
    for cell in compliance.matrix(scenario, facts, states):
        count = opened.get((cell.clause, cell.member), 0)
        standing = "violated" if cell.confirmed else ("alleged" if count else "clear")
        cells[(cell.clause, cell.member)] = MatrixCell(
            standing=standing,
            confirmed_violations=len(cell.confirmed),
            open_allegations=count,
            last_violation_at=cell.last_violation_at,
            penalties=cell.penalties,
            attestations=len(cell.attestations),
            acknowledged=len(cell.acknowledged),
            disputed=len(cell.disputed),
        )
    return cells


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
    scenario = scenario_of(found, viewer.language)
    cells = matrix_cells(found, viewer.identity)
    return render(
        request,
        "pages/compliance.html",
        {
            "clauses": scenario.clauses,
            "members": [member.code for member in scenario.parties],
            "cells": cells,
            "links": {key: cell_links(*key) for key in cells},
            "names": member_names(scenario),
            "penalty_steps": {s.id: s for s in scenario.penalties.steps},
        },
    )


@router.get("/crossings", response_class=HTMLResponse)
def crossings_page(request: Request, found: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """Every crossing's state now and how long it has held."""
    scenario = scenario_of(found, viewer.language)
    listed = api_monitoring.list_crossings(found, viewer.identity)
    listed = listed.model_copy(update={"crossings": named_crossings(scenario, listed.crossings)})
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
    scenario = scenario_of(found, viewer.language)
    history = api_monitoring.get_crossing(place_id, found, viewer.identity)
    (crossing,) = named_crossings(scenario, [history.crossing])
    history = history.model_copy(update={"crossing": crossing})
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
    scenario = scenario_of(found, viewer.language)
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
    scenario = scenario_of(found, viewer.language)
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
