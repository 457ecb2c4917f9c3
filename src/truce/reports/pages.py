"""The Reports page: choose a period and a language, read the report, download its PDF.

The page shows exactly what ``GET /api/v1/reports/...?format=html`` prints
(:func:`truce.reports.service.make`), inside the application's layout; the PDF link
answers the same PDF as ``format=pdf``. A date that does not exist, or a range that ends
before it begins, is said next to its field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from truce.api.deps import ServicesDep
from truce.errors import InputError
from truce.reports import charts, render, service
from truce.reports.rules import KINDS, ReversedRangeError
from truce.reports.summary import report_data
from truce.web import scenario_text
from truce.web.deps import ViewerDep, i18n_text, now_of
from truce.web.deps import render as render_page
from truce.web.i18n import N_

router = APIRouter(include_in_schema=False)
_FIELDS = ("kind", "day", "from", "to", "lang")


def _params(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in _FIELDS}


def _error_text(language: str, error: InputError) -> str:
    if isinstance(error, ReversedRangeError):
        return i18n_text(language, N_("The last day comes before the first."))
    if error.field in ("day", "from", "to"):
        return i18n_text(language, N_("Write an existing day as 2025-11-05."))
    return str(error)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The form, and the report it asks for once a period is chosen."""
    params = _params(request)
    language = params["lang"] or viewer.language
    context: dict[str, Any] = {"params": params, "report_language": language, "errors": {}}
    if params["kind"]:
        try:
            language = service.language_of(language)
            period = service.period_from(services, params["kind"], params, now_of(services))
        except InputError as error:
            context["errors"] = {error.field or "kind": _error_text(viewer.language, error)}
        else:
            written = services.admission.mechanism().scenario
            with services.db.read() as connection:
                data = report_data(connection, written, period)
            shown = scenario_text.scenario_in(services, language)
            boundaries = charts.load_boundaries(scenario_text.scenario_folder(services))
            context.update(
                body_html=render.render_body(data, shown, language, boundaries),
                report_dir="rtl" if language in ("ur", "ps", "prs", "ar") else "ltr",
                pdf_query=request.url.query,
            )
    context["kinds"] = KINDS
    return render_page(request, "reports/reports.html", context)


@router.get("/reports/pdf")
def report_pdf(request: Request, services: ServicesDep, viewer: ViewerDep) -> Response:
    """The PDF of the report the page shows."""
    params = _params(request)
    language = service.language_of(params["lang"] or viewer.language)
    period = service.period_from(services, params["kind"] or "weekly", params, now_of(services))
    made = service.make(services, period, language, "pdf")
    assert made.pdf is not None
    name = service.file_name(period, language, "pdf")
    return Response(
        made.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
