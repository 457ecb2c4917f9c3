"""The joint-action page: requests for joint action, open, answered or overdue.

It shows what the JSON API answers (:func:`truce.joint.summary.joint_action_page`), called
with the viewer's identity, so it follows exactly the API's audience rules. Under the
list, the forms the viewer's member may use: a party asks the other party to act, the
requested party reports on an open request (chosen from those it owes), a mediator moves
a deadline; each only for a role that may sign it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import ServicesDep
from truce.joint import rules as joint
from truce.joint.summary import JointActionPage, joint_action_page
from truce.scenario.rules import Scenario
from truce.web.common import local_now, may_sign, member_names, now_of, place_options, scenario_of
from truce.web.deps import Viewer, ViewerDep, render

router = APIRouter(include_in_schema=False)
#: How far ahead the extension form's deadline starts.
EXTENSION_DAYS = 7


def _label(item: Any, names: dict[str, str]) -> str:
    text = " ".join(item.description.split())
    short = text if len(text) <= 60 else text[:59] + "…"
    return f"#{item.id} · {names.get(item.requested_by, item.requested_by)}: {short}"


def joint_forms(
    scenario: Scenario, viewer: Viewer, page: JointActionPage, now: Any
) -> dict[str, Any]:
    """What the forms under the list need, for the viewer's member and role."""
    member = scenario.member(viewer.member)
    kind = member.kind if member is not None else None
    names = member_names(scenario)
    owed = [
        item
        for item in page.joint_actions
        if item.to == viewer.member and item.report is None and item.status == "open"
    ]
    unanswered = [item for item in page.joint_actions if item.report is None]
    return {
        "party": kind == "party",
        "mediator": kind == "mediator",
        "may_request": kind == "party" and may_sign(viewer.role, "joint.request"),
        "may_report": kind == "party" and may_sign(viewer.role, "joint.report"),
        "may_extend": kind == "mediator" and may_sign(viewer.role, "joint.extend"),
        "others": [(p.code, p.name) for p in scenario.parties if p.code != viewer.member],
        "owed": [(item.leaf_hash, _label(item, names)) for item in owed],
        "owed_ids": {item.id: item.leaf_hash for item in owed},
        "unanswered": [(item.leaf_hash, _label(item, names)) for item in unanswered],
        "unanswered_ids": {item.id: item.leaf_hash for item in unanswered},
        "deadline": local_now(scenario, viewer.member, now + timedelta(days=EXTENSION_DAYS)),
    }


@router.get("/joint-actions", response_class=HTMLResponse)
def joint_actions_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    status: Annotated[joint.Status | None, Query()] = None,
    report: Annotated[int | None, Query()] = None,
    extend: Annotated[int | None, Query()] = None,
) -> HTMLResponse:
    """Requests for joint action: open, answered, overdue; and the forms to act on them
    (``report`` or ``extend`` preselects a request in its form)."""
    scenario = scenario_of(services, viewer.language)
    now = now_of(services)
    with services.db.read() as connection:
        page = joint_action_page(
            connection, viewer.identity, services.admission.clock(), status=status
        )
        every = page if status is None else joint_action_page(connection, viewer.identity, now)
    forms = joint_forms(scenario, viewer, every, now)
    return render(
        request,
        "joint/joint_actions.html",
        {
            "page": page,
            "status": status,
            "statuses": joint.STATUSES,
            "names": member_names(scenario),
            "places": {p.id: p.shown_name for p in scenario.places},
            "place_options": place_options(scenario, viewer.language),
            "now": now,
            "acting": forms,
            "chosen_report": forms["owed_ids"].get(report),
            "chosen_extend": forms["unanswered_ids"].get(extend),
        },
    )
