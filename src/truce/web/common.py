"""What every page shares: the scenario's vocabulary, the filter form, case summaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Self, TypeVar

from truce.accounts.service import Identity
from truce.api.deps import Services
from truce.cases.queries import STATUSES, Filters
from truce.cases.summary import CaseItem, case_item, type_label
from truce.crossings.summary import CrossingList, crossing_list
from truce.scenario.rules import Scenario
from truce.web.scenario_text import scenario_in

__all__ = [
    "CaseItem",
    "case_item",
    "filter_context",
    "member_names",
    "named_crossings",
    "now_of",
    "scenario_of",
    "type_label",
]


class _Named(Protocol):
    """A crossing as an API answers it: a place and its name, copied with changes."""

    place_id: str
    name: str

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self: ...


C = TypeVar("C", bound=_Named)


def scenario_of(services: Services, language: str) -> Scenario:
    """The mechanism's scenario with its labels in ``language`` (the viewer's)."""
    return scenario_in(services, language)


def named_crossings(scenario: Scenario, crossings: list[C]) -> list[C]:
    """The API's crossings named as ``scenario`` (translated for the viewer) names them."""
    names = {place.id: place.name for place in scenario.places}
    return [
        crossing.model_copy(update={"name": names.get(crossing.place_id, crossing.name)})
        for crossing in crossings
    ]


def now_of(services: Services) -> datetime:
    """The server's time, on the clock admission dates acts with."""
    return services.admission.clock()


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


def crossings_now(services: Services, identity: Identity) -> CrossingList:
    """Every crossing's state now from the reports ``identity``'s member may see, as the
    crossings API answers it (the crossings page, the map and the dashboard show it)."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        return crossing_list(connection, scenario, identity, services.admission.clock())
