"""The compliance page: the clause x member matrix, each cell linking to its cases.

The matrix applies the API's rule (:func:`truce.compliance.rules.matrix`) to the
confirmed violations and attestations of the common record (what every member may
read: every member sees the same matrix), and counts open allegations in SQL
(:func:`truce.compliance.queries.counted_matrix_facts`), so a mechanism with many open
cases is not read row by row; the tests hold each cell to the API's. Each matrix cell
links to the case list filtered to the cases behind its figures. Restricted cases and
attestations the viewer may read are listed under the matrix as not counted.

Under the clauses, the forms of compliance: a party attests a step it took (to a clause
that binds it), a mediator reviews an attestation it has not reviewed yet, chosen from a
list; each only for a role that may sign it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import Services, ServicesDep
from truce.cases.queries import Filters, case_numbers
from truce.cases.rules import OPEN
from truce.compliance import queries
from truce.compliance import rules as compliance
from truce.scenario.rules import Scenario
from truce.web.common import local_now, may_sign, member_names, now_of, scenario_of
from truce.web.deps import Viewer, ViewerDep, render

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


def matrix_cells(services: Services) -> dict[tuple[str, str], MatrixCell]:
    """The compliance matrix by the rule of ``GET /api/v1/compliance``, counted so that
    only confirmed violations and attestations are read row by row: open allegations are
    counted by the database (:func:`truce.cases.queries.open_allegations`)."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        facts, opened = queries.counted_matrix_facts(connection)
    states = [compliance.from_json(row.state) for row in facts.attestations]
    cells: dict[tuple[str, str], MatrixCell] = {}
    for cell in compliance.matrix(scenario, facts.cases, states):
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
        + Filters(clause=clause, accused=member, status=tuple(sorted(OPEN)), common=True).query(),
        "confirmed": "/cases?" + Filters(violated=clause, violator=member, common=True).query(),
        "all": "/cases?" + Filters(clause=clause, accused=member, common=True).query(),
    }


def _excerpt(text: str, size: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def compliance_forms(
    services: Services, scenario: Scenario, viewer: Viewer, seen: list[queries.SeenAttestation]
) -> dict[str, Any]:
    """What the attestation and review forms need, for the viewer's member and role."""
    member = scenario.member(viewer.member)
    kind = member.kind if member is not None else None
    names = member_names(scenario)
    unreviewed = [
        item
        for item in seen
        if item.row.member != viewer.member
        and all(review.row.member != viewer.member for review in item.reviews)
    ]
    return {
        "party": kind == "party",
        "mediator": kind == "mediator",
        "may_attest": kind == "party" and may_sign(viewer.role, "compliance.attest"),
        "may_review": kind == "mediator" and may_sign(viewer.role, "compliance.review"),
        "clauses": [
            (c.id, f"{c.id} {c.title}") for c in scenario.clauses if viewer.member in c.binds
        ],
        "unreviewed": [
            (
                item.row.leaf_hash,
                f"#{item.row.id} · {names.get(item.row.member, item.row.member)} · "
                f"{item.row.clause}: {_excerpt(item.row.statement)}",
            )
            for item in unreviewed
        ],
        "time": local_now(scenario, viewer.member, now_of(services)),
    }


@router.get("/compliance", response_class=HTMLResponse)
def compliance_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The clause x member matrix, each cell linking to its cases."""
    scenario = scenario_of(services, viewer.language)
    cells = matrix_cells(services)
    penalised = [case_id for cell in cells.values() for case_id, _ in cell.penalties]
    with services.db.read() as connection:
        left_out = queries.not_counted(connection, viewer.identity)
        numbers = case_numbers(connection, penalised)
        seen = queries.attestations(connection, viewer.identity)
    return render(
        request,
        "compliance/compliance.html",
        {
            "clauses": scenario.clauses,
            "members": [member.code for member in scenario.parties],
            "cells": cells,
            "links": {key: cell_links(*key) for key in cells},
            "names": member_names(scenario),
            "penalty_steps": {s.id: s for s in scenario.penalties.steps},
            "not_counted": left_out,
            "numbers": numbers,
            "attestations": seen,
            "acting": compliance_forms(services, scenario, viewer, seen),
        },
    )
