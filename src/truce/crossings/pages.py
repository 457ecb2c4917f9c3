"""The crossings pages: every crossing's state now, and one crossing's history.

They show what the JSON API answers (:func:`truce.crossings.summary.crossing_list`,
:func:`truce.crossings.summary.crossing_history`), called with the viewer's identity, so they
follow exactly the API's audience rule; only the names are the viewer's language's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import Services, ServicesDep
from truce.crossings.summary import crossing_history, crossing_place
from truce.web.common import (
    crossings_now,
    local_now,
    may_sign,
    member_names,
    named_crossings,
    now_of,
    scenario_of,
)
from truce.web.deps import Viewer, ViewerDep, render

router = APIRouter(include_in_schema=False)


@router.get("/crossings", response_class=HTMLResponse)
def crossings_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """Every crossing's state now and how long it has held."""
    scenario = scenario_of(services, viewer.language)
    listed = crossings_now(services, viewer.identity)
    listed = listed.model_copy(update={"crossings": named_crossings(scenario, listed.crossings)})
    return render(
        request,
        "crossings/crossings.html",
        {"listed": listed, "names": member_names(scenario)},
    )


@router.get("/crossings/{place_id}", response_class=HTMLResponse)
def crossing_page(
    request: Request, place_id: str, services: ServicesDep, viewer: ViewerDep
) -> HTMLResponse:
    """A crossing's history: every report and each run of a state with its duration."""
    scenario = scenario_of(services, viewer.language)
    written = services.admission.mechanism().scenario
    place = crossing_place(written, place_id)
    with services.db.read() as connection:
        history = crossing_history(
            connection, written, place, viewer.identity, services.admission.clock()
        )
    (crossing,) = named_crossings(scenario, [history.crossing])
    history = history.model_copy(update={"crossing": crossing})
    return render(
        request,
        "crossings/crossing.html",
        {
            "history": history,
            "names": member_names(scenario),
            "report": report_form(services, viewer, place_id),
        },
    )


def report_form(services: Services, viewer: Viewer, place_id: str) -> dict[str, object]:
    """What the crossing report form needs: whether the viewer's member reports on this
    crossing (a party for its own side, the secretariat for the whole), whether the
    viewer's role signs it, the side, and the default time (now, in the crossing's zone)."""
    scenario = scenario_of(services, viewer.language)
    member = scenario.member(viewer.member)
    place = scenario.place(place_id)
    sides = {side.member: side.name for side in place.sides} if place is not None else {}
    own_side = viewer.member in sides or not sides
    reports = member is not None and (
        member.kind == "secretariat" or (member.kind == "party" and own_side)
    )
    return {
        "reports": reports,
        "allowed": reports and may_sign(viewer.role, "crossing.status"),
        "side": sides.get(viewer.member),
        "member": member.name if member is not None else viewer.member,
        "time": local_now(scenario, viewer.member, now_of(services), place_id),
    }
