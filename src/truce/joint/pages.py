"""The joint-action page: requests for joint action, open, answered or overdue.

It shows what the JSON API answers (:func:`truce.joint.summary.joint_action_page`), called
with the viewer's identity, so it follows exactly the API's audience rules.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import ServicesDep
from truce.joint import rules as joint
from truce.joint.summary import joint_action_page
from truce.web.common import member_names, now_of, scenario_of
from truce.web.deps import ViewerDep, render

router = APIRouter(include_in_schema=False)


@router.get("/joint-actions", response_class=HTMLResponse)
def joint_actions_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    status: Annotated[joint.Status | None, Query()] = None,
) -> HTMLResponse:
    """Requests for joint action: open, answered, overdue."""
    scenario = scenario_of(services, viewer.language)
    with services.db.read() as connection:
        page = joint_action_page(
            connection, viewer.identity, services.admission.clock(), status=status
        )
    return render(
        request,
        "joint/joint_actions.html",
        {
            "page": page,
            "status": status,
            "statuses": joint.STATUSES,
            "names": member_names(scenario),
            "places": {p.id: p.shown_name for p in scenario.places},
            "now": now_of(services),
        },
    )
