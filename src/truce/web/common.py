"""What every page shares: the scenario's vocabulary, the filter form, case summaries."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from truce.accounts.service import Identity
from truce.api.deps import Services
from truce.cases.queries import STATUSES, Filters
from truce.cases.summary import CaseItem, case_item, type_label
from truce.crossings.summary import CrossingList, CrossingState, crossing_list
from truce.scenario.facts import utc_offset, utc_to_local, zone_for
from truce.scenario.rules import Scenario
from truce.verify.registry import PERMISSIONS
from truce.web import i18n
from truce.web.scenario_text import scenario_in

#: The gazetteer's kinds of place, named where two places share a name.
PLACE_KINDS = {
    "town": i18n.N_("a town"),
    "village": i18n.N_("a village"),
    "district": i18n.N_("a district"),
    "province": i18n.N_("a province"),
    "crossing": i18n.N_("a crossing"),
}

__all__ = [
    "CaseItem",
    "case_item",
    "filter_context",
    "local_now",
    "may_sign",
    "member_names",
    "named_crossings",
    "now_of",
    "place_options",
    "scenario_of",
    "type_label",
]


def scenario_of(services: Services, language: str) -> Scenario:
    """The mechanism's scenario with its labels in ``language`` (the viewer's)."""
    return scenario_in(services, language)


def named_crossings(scenario: Scenario, crossings: list[CrossingState]) -> list[CrossingState]:
    """The API's crossings named as ``scenario`` (translated for the viewer) names them:
    a two-sided crossing by both sides' names, and each side by its own."""
    places = {place.id: place for place in scenario.places}
    named: list[CrossingState] = []
    for crossing in crossings:
        place = places.get(crossing.place_id)
        if place is None:
            named.append(crossing)
            continue
        side_names = {side.member: side.name for side in place.sides}
        sides = [
            side.model_copy(update={"name": side_names.get(side.member, side.name)})
            for side in crossing.sides
        ]
        named.append(crossing.model_copy(update={"name": place.shown_name, "sides": sides}))
    return named


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


def place_options(scenario: Scenario, language: str) -> list[tuple[str, str]]:
    """Each gazetteer place as a form offers it, by name: a two-sided crossing by each
    side's name, any other place with its province; where two places share a name and
    province (Barmal the town, Barmal the district), each also says which kind it is."""
    shared = Counter((p.name, p.admin1 or p.country) for p in scenario.places if not p.sides)
    words = i18n.translations(language)
    options: list[tuple[str, str]] = []
    for place in sorted(scenario.places, key=lambda p: (p.name, p.kind)):
        if place.sides:
            options.append((place.id, place.shown_name))
            continue
        region = place.admin1 or place.country
        label = f"{place.name} ({region})"
        if shared[(place.name, region)] > 1:
            label += f", {words.ugettext(PLACE_KINDS.get(place.kind, place.kind))}"
        options.append((place.id, label))
    return options


def member_names(scenario: Scenario) -> dict[str, str]:
    """Member code to name."""
    return {member.code: member.name for member in scenario.members}


def crossings_now(services: Services, identity: Identity) -> CrossingList:
    """Every crossing's state now from the reports ``identity``'s member may see, as the
    crossings API answers it (the crossings page, the map and the dashboard show it)."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        return crossing_list(connection, scenario, identity, services.admission.clock())


def may_sign(role: str, kind: str) -> bool:
    """Whether an account of ``role`` may sign ``kind``: a page shows the act's form only
    then, and otherwise says who takes the step."""
    return role in PERMISSIONS.get(kind, frozenset())


def local_now(scenario: Scenario, member: str, now: datetime, place_id: str | None = None) -> Any:
    """A form's default time: ``now`` as a ``datetime-local`` value in the zone of the place
    (else of the member), with the zone's name and offset for the hint beside it."""
    name, zone = zone_for(scenario, place_id, member)
    return {
        "value": utc_to_local(now, zone).strftime("%Y-%m-%dT%H:%M"),
        "zone": name,
        "offset": utc_offset(zone, now),
    }
