"""Reports over HTTP: ``GET /api/v1/reports/{daily|weekly|range}``.

``format=json`` (the default) answers the report's data as RFC 8785 canonical JSON (the
bytes its PDF embeds); ``html`` the report as a page; ``pdf`` the PDF/A-3b. ``lang``
chooses the language of HTML and PDF. The period is ``day`` or ``at`` for daily and
weekly reports (the last whole one when neither is given), ``from`` and ``to`` for a
range; an impossible or reversed date is a problem naming the parameter. A report counts
the common record only, so every member gets the same report (``docs/reports.md``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from truce.api.deps import IdentityDep, ServicesDep
from truce.reports import service

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get(
    "/reports/{kind}",
    summary="A periodic report",
    response_class=Response,
    responses={
        200: {
            "description": "The report's data, page or PDF",
            "content": {
                "application/json": {},
                "text/html": {},
                "application/pdf": {},
            },
        }
    },
)
def get_report(
    kind: str,
    services: ServicesDep,
    reader: IdentityDep,
    format: Annotated[str | None, Query(description="json, html or pdf")] = None,
    lang: Annotated[str | None, Query(description="en, ur, ps, prs, tr or ar")] = None,
    day: Annotated[str | None, Query(description="The last day (daily, weekly)")] = None,
    at: Annotated[str | None, Query(description="The end time, RFC 3339 (daily, weekly)")] = None,
    start: Annotated[str | None, Query(alias="from", description="The first day (range)")] = None,
    to: Annotated[str | None, Query(description="The last day (range)")] = None,
) -> Response:
    """The report of a day, a week or a range of days, from the common record."""
    del reader  # any delegate may read a report: it holds only the common record
    form = service.format_of(format)
    language = service.language_of(lang)
    params = {"day": day, "at": at, "from": start, "to": to}
    period = service.period_from(services, kind, params, services.admission.clock())
    made = service.make(services, period, language, form)
    if made.pdf is not None:
        name = service.file_name(period, language, "pdf")
        return Response(
            made.pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if made.html is not None:
        return HTMLResponse(made.html)
    return Response(made.data, media_type="application/json")
