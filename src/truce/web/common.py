"""What every page of this package shares: the scenario's vocabulary and case summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from truce.api.deps import Services
from truce.cases.queries import STATUSES, Filters, aware, case_title, state_of
from truce.monitoring.api import CrossingState
from truce.scenario.rules import Scenario
from truce.web.scenario_text import scenario_in


def scenario_of(found: Services, language: str) -> Scenario:
    """The mechanism's scenario with its labels in ``language`` (the viewer's)."""
    return scenario_in(found, language)


def named_crossings(scenario: Scenario, crossings: list[CrossingState]) -> list[CrossingState]:
    """The API's crossings named as ``scenario`` (translated for the viewer) names them."""
    names = {place.id: place.name for place in scenario.places}
    return [
        crossing.model_copy(update={"name": names.get(crossing.place_id, crossing.name)})
        for crossing in crossings
    ]


def now_of(found: Services) -> datetime:
    """The server's time, on the clock admission dates acts with."""
    return found.admission.clock()


@dataclass(frozen=True, slots=True)
class CaseItem:
    """A case as lists, maps and search results show it."""

    id: int
    url: str
    title: str
    type: str
    type_label: str
    status: str
    lodged_by: str
    accused: str
    accused_group: str | None
    occurred_at: datetime
    time_precision: str
    lodged_at: datetime
    place: str | None
    lat: float | None
    lon: float | None
    precision: str
    clauses: tuple[str, ...]
    killed: int
    injured: int
    response_deadline: datetime | None
    response_overdue: bool
    outcome: str | None
    penalty: str | None


def type_label(scenario: Scenario, type_id: str) -> str:
    """The taxonomy's label of an incident type (the type id when unknown)."""
    return next((t.label for t in scenario.incident_types if t.id == type_id), type_id)


def _total(counts: Any) -> int:
    return sum(value for value in (counts or {}).values() if isinstance(value, int))


def case_item(scenario: Scenario, row: Any, now: datetime) -> CaseItem:
    """A full case row as a :class:`CaseItem`."""
    state = state_of(row)
    place = scenario.place(row.place_id) if row.place_id else None
    awaiting = state.status == "awaiting_response"
    return CaseItem(
        id=row.id,
        url=f"/cases/{row.id}",
        title=case_title(scenario, row),
        type=row.type,
        type_label=type_label(scenario, row.type),
        status=row.status,
        lodged_by=row.lodged_by,
        accused=row.accused,
        accused_group=row.accused_group,
        occurred_at=aware(row.occurred_at),
        time_precision=row.time_precision,
        lodged_at=aware(row.lodged_at),
        place=place.name if place else None,
        lat=row.lat,
        lon=row.lon,
        precision=row.precision,
        clauses=tuple(row.clauses),
        killed=_total(row.killed),
        injured=_total(row.injured),
        response_deadline=state.response_deadline if awaiting else None,
        response_overdue=awaiting and state.response_overdue(now),
        outcome=row.outcome,
        penalty=row.penalty,
    )


def filter_context(scenario: Scenario, filters: Filters) -> dict[str, Any]:
    """What the shared filter form needs."""
    return {
        "filters": filters,
        "types": [(t.id, t.label) for t in scenario.incident_types],
        "parties": [(m.code, m.name) for m in scenario.parties],
        "statuses": STATUSES,
        "clause_options": [(c.id, f"{c.id} {c.title}") for c in scenario.clauses],
    }


def member_names(scenario: Scenario) -> dict[str, str]:
    """Member code to name."""
    return {member.code: member.name for member in scenario.members}
