"""The case pages: the filtered list, one case's whole thread with its act forms, lodging,
and search.

Reads go through the read side the JSON API uses too (:mod:`truce.cases.queries`,
:mod:`truce.cases.queries_case`, :func:`truce.files.queries.readable`): a page shows a
member exactly what the API would. Act forms are those
:func:`truce.cases.actions.offers` finds the workflow would accept now from the viewer.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from truce.api.deps import LogIndex, Services, ServicesDep
from truce.cases import actions
from truce.cases import rules as cases_rules
from truce.cases.checks import prior_violations
from truce.cases.queries import (
    SORTS,
    Filters,
    case_numbers,
    list_cases,
    parse_filters,
    reader_of,
    search_cases,
    state_of,
)
from truce.cases.queries_case import case_thread, counter_cases
from truce.errors import InputError
from truce.files.queries import readable
from truce.files.rules import camera_moment
from truce.ledger.envelope import parse_time
from truce.media.service import MediaReader, case_draft
from truce.scenario.facts import casualty_lists, place_zone, utc_offset, utc_to_local, zone_for
from truce.scenario.rules import Scenario
from truce.web.common import (
    case_item,
    filter_context,
    member_names,
    now_of,
    place_options,
    scenario_of,
    type_label,
)
from truce.web.deps import ViewerDep, render

router = APIRouter(include_in_schema=False)

#: Evidence types a browser may show inline (everything else is downloaded).
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def request_filters(request: Request) -> tuple[Filters, InputError | None]:
    """The shared filters of a page's URL, or none and the error that stopped them."""
    try:
        return parse_filters(request.query_params, request.query_params.getlist("status")), None
    except InputError as exc:
        return Filters(), exc


def time_zones(scenario: Scenario, member: str, now: datetime) -> dict[str, Any]:
    """The zones a lodge form's time is typed in: the author's member's (``default``)
    and each gazetteer place's that has one, each as (name, UTC offset now)."""
    name, zone = zone_for(scenario, None, member)
    places: dict[str, tuple[str, str]] = {}
    for place in scenario.places:
        found = place_zone(scenario, place.id)
        if found is not None:
            places[place.id] = (found[0], utc_offset(found[1], now))
    return {"default": (name, utc_offset(zone, now)), "places": places}


def lodge_initial(
    services: Services, member: str, cluster_id: int
) -> tuple[dict[str, Any], list[str]]:
    """The lodge form's initial values from a cluster's case draft, and what is missing.

    Names are the form's dotted field names; the draft is the media API's
    (:func:`truce.media.service.case_draft`), built from the items ``member`` may see.
    """
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        view = MediaReader(connection, scenario, member).cluster(cluster_id)
    draft = case_draft(view, scenario)
    body = draft["body"]
    incident = body["incident"]
    initial: dict[str, Any] = {
        "incident.type": incident["type"],
        "incident.time_precision": incident["time_precision"],
        "incident.actors": ", ".join(incident["actors"]),
        "narrative": body["narrative"],
        "language": body["language"],
    }
    place_id = (incident["place"] or {}).get("place_id")
    if incident["occurred_at"]:
        _zone_name, zone = zone_for(scenario, place_id, member)
        local = utc_to_local(parse_time(incident["occurred_at"]), zone)
        initial["incident.occurred_at"] = local.strftime("%Y-%m-%dT%H:%M")
    for name, value in (incident["place"] or {}).items():
        initial[f"incident.place.{name}"] = value
    for measure in ("killed", "injured"):
        for category, value in incident[measure].items():
            initial[f"incident.{measure}.{category}"] = value
    if body["accused"]["member"] and body["accused"]["member"] != member:
        initial["accused.member"] = body["accused"]["member"]
    return initial, draft["missing"]


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    sort: Annotated[str, Query()] = "-occurred",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """Cases the viewer's member may see, filtered, sorted and paginated."""
    scenario = scenario_of(services, viewer.language)
    filters, error = request_filters(request)
    if sort not in SORTS:
        sort, error = "-occurred", InputError("unknown sort order", field="sort")
    with services.db.read() as connection:
        reader = reader_of(connection, viewer.identity)
        result = list_cases(connection, reader, filters, sort=sort, page=page)
    now = now_of(services)
    return render(
        request,
        "cases/cases.html",
        {
            **filter_context(scenario, filters),
            "error": error,
            "items": [case_item(scenario, row, now) for row in result.rows],
            "result": result,
            "sort": sort,
            "sorts": list(SORTS),
            "query": filters.query(),
            "may_lodge": cases_rules.may_lodge(scenario, viewer.member, viewer.role),
            "names": member_names(scenario),
            "penalty_steps": {s.id: s.name for s in scenario.penalties.steps},
            "now": now,
        },
    )


@router.get("/cases/new", response_class=HTMLResponse)
def lodge_form(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    from_cluster: Annotated[int | None, Query(ge=0, le=2**53)] = None,
) -> HTMLResponse:
    """The form that lodges an allegation (a ``case.lodge`` act, signed in the browser).

    ``?from_cluster=ID`` starts it from a cluster of press reports: the fields hold the
    media service's case draft (built from the reports the viewer may see), to edit.
    """
    scenario = scenario_of(services, viewer.language)
    allowed = cases_rules.may_lodge(scenario, viewer.member, viewer.role)
    initial: dict[str, Any] = {}
    missing: list[str] = []
    if from_cluster is not None and allowed:
        initial, missing = lodge_initial(services, viewer.member, from_cluster)
    return render(
        request,
        "cases/case_new.html",
        {
            "allowed": allowed,
            "types": [(t.id, t.label) for t in scenario.incident_types],
            "places": place_options(scenario, viewer.language),
            "accusable": [(m.code, m.name) for m in scenario.parties if m.code != viewer.member],
            "clause_options": [(c.id, f"{c.id} {c.title}") for c in scenario.clauses],
            "audiences": [m for m in scenario.members if m.code != viewer.member],
            "initial": initial,
            "missing": missing,
            "casualty": casualty_lists(scenario),
            "zones": time_zones(scenario, viewer.member, now_of(services)),
            "from_cluster": from_cluster if initial else None,
        },
        status_code=200 if allowed else 403,
    )


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of the Earth's mean radius (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _photo_check(photo: dict[str, Any] | None, case: Any) -> dict[str, Any]:
    """How a photo's own time and place compare with the claim's."""
    found: dict[str, Any] = {}
    if not photo:
        return found
    taken = camera_moment(photo)
    if taken is not None:
        # Only a camera time that names its offset is a moment to compare.
        found["hours_from_incident"] = round(
            (taken - parse_time(case.occurred_at)).total_seconds() / 3600, 1
        )
    if photo.get("taken_at"):
        found["camera_clock"] = photo["taken_at"][:16].replace("T", " ")
    if photo.get("lat") is not None and case.lat is not None and case.lon is not None:
        found["km_from_incident"] = round(
            _distance_km(photo["lat"], photo["lon"], case.lat, case.lon), 1
        )
    return found


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: LogIndex,
    services: ServicesDep,
    viewer: ViewerDep,
    act: Annotated[str | None, Query(max_length=64)] = None,
    lodged: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """The whole thread in log order, with the forms for the acts the viewer may take.

    ``?lodged=1`` is where the lodge form leads: the lodger is invited to attach
    photos and documents with the evidence form, since a ``case.lodge`` names no files.
    """
    scenario = scenario_of(services, viewer.language)
    now = now_of(services)
    with services.db.read() as connection:
        reader = reader_of(connection, viewer.identity)
        row, thread = case_thread(connection, reader, scenario, case_id, now)
        related = counter_cases(connection, reader, case_id)
        linked = [act.index for act in thread.thread if act.kind == "case.respond"]
        numbers = case_numbers(connection, [*linked, thread.case.counter_to or 0])

        def prior(member: str) -> int:
            return prior_violations(connection, scenario, member, now, thread.case.leaf_hash)

        state = state_of(row)
        offers = actions.offers(scenario, state, viewer.member, viewer.role, now, prior)
    files = {
        act.index: [
            {
                **ref,
                "inline": ref["media_type"] in INLINE_TYPES,
                "check": _photo_check(ref.get("photo"), thread.case),
            }
            for ref in act.files
        ]
        for act in thread.thread
    }
    names = member_names(scenario)
    chosen = actions.chosen(offers, act)
    invite = lodged and chosen is not None and chosen.kind == "case.evidence"
    return render(
        request,
        "cases/case.html",
        {
            "case": thread.case,
            "item": case_item(scenario, row, now),
            "state": state,
            "thread": thread.thread,
            "press": [
                act
                for act in thread.thread
                if act.kind == "media.corroborate" and not act.withheld and act.body
            ],
            "files": files,
            "kind_of": {act.index: act.kind for act in thread.thread},
            "offers": offers,
            "chosen": chosen,
            "invite_evidence": invite and thread.case.lodged_by == viewer.member,
            "related": [case_item(scenario, other, now) for other in related],
            "numbers": numbers,
            "names": names,
            "type_label": type_label(scenario, thread.case.type),
            "place": scenario.place(thread.case.place_id) if thread.case.place_id else None,
            "clauses": {c.id: c for c in scenario.clauses},
            "penalty_steps": {s.id: s for s in scenario.penalties.steps},
            "parties": [thread.case.lodged_by, thread.case.accused],
            "types": [(t.id, t.label) for t in scenario.incident_types],
            "places": place_options(scenario, viewer.language),
            "accusable_counter": [(thread.case.lodged_by, names[thread.case.lodged_by])],
            "clause_options": [(c.id, f"{c.id} {c.title}") for c in scenario.clauses],
            "audiences": [m for m in scenario.members if m.code != viewer.member],
            "now": now,
            "casualty": casualty_lists(scenario),
            "zones": time_zones(scenario, viewer.member, now),
        },
    )


@router.get("/evidence/{sha256}")
def evidence_file(sha256: str, services: ServicesDep, viewer: ViewerDep) -> Response:
    """An evidence file for the viewer's member, as the files API allows it.

    Photos are served inline for previews on case pages; any other type is downloaded.
    """
    with services.db.read() as connection:
        row = readable(connection, reader_of(connection, viewer.identity), sha256)
    inline = row.media_type in INLINE_TYPES
    return Response(
        bytes(row.content),
        media_type=row.media_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline" if inline else "attachment",
            "Cache-Control": "private, max-age=3600",
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Cases whose title, narrative, place or actors contain every word searched for."""
    scenario = scenario_of(services, viewer.language)
    now = now_of(services)
    results: list[dict[str, Any]] = []
    if q.strip():
        with services.db.read() as connection:
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
        "cases/search.html",
        {"q": q, "results": results, "names": member_names(scenario)},
    )
