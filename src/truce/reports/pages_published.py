"""The Reports area's record of reports as acts: awaiting approval, and published.

It shows what the JSON API answers (:mod:`truce.reports.queries_published`), called
with the viewer's identity, so it follows the API's audience rule. An approver's head
approves from here with the browser-signing act form (an approval cannot be undone, so
the form asks for a confirmation first); the secretariat uploads a report's PDFs and
puts it forward with the publish form.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import ServicesDep
from truce.reports.queries_published import awaiting_approval, published
from truce.verify.registry import PERMISSIONS
from truce.web.common import member_names, scenario_of
from truce.web.deps import ViewerDep, render

router = APIRouter(include_in_schema=False)


@router.get("/reports/published", response_class=HTMLResponse)
def published_reports_page(
    request: Request, services: ServicesDep, viewer: ViewerDep
) -> HTMLResponse:
    """Reports awaiting approval (with an approve button for an approver's head) and
    published reports, with their PDFs."""
    scenario = scenario_of(services, viewer.language)
    mechanism = services.admission.mechanism().scenario
    with services.db.read() as connection:
        waiting = awaiting_approval(connection, viewer.identity)
        done = published(connection, viewer.identity)
    may_publish = (
        viewer.member in mechanism.report_publishers
        and viewer.role in PERMISSIONS["report.publish"]
    )
    return render(
        request,
        "reports/published.html",
        {
            "awaiting": waiting,
            "published": done,
            "names": member_names(scenario),
            "may_approve": viewer.role in PERMISSIONS["report.approve"],
            "may_publish": may_publish,
            "approvers": [member_names(scenario).get(c, c) for c in mechanism.report_approvers],
        },
    )
