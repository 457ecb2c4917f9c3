"""The exports for a signed-in delegate: ``/exports/incidents.csv|.geojson|.kml``.

The case list and the map link here with their filters (``exports/_links.html``); the
file is the one ``GET /api/v1/exports/...`` gives the same delegate
(:mod:`truce.exports.summary`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from truce.api.deps import ServicesDep
from truce.cases.queries import reader_of
from truce.errors import NotFoundError
from truce.exports.queries import export_filters
from truce.exports.summary import FORMATS, export
from truce.web.deps import ViewerDep

router = APIRouter(include_in_schema=False)


@router.get("/exports/incidents.{form}")
def incidents_file(
    form: str, request: Request, services: ServicesDep, viewer: ViewerDep
) -> Response:
    """The incidents the viewer may see that match the page's filters, as a file."""
    chosen = next((known for known in FORMATS if known == form), None)
    if chosen is None:
        raise NotFoundError(f"no export as {form!r}: csv, geojson or kml")
    scenario = services.admission.mechanism().scenario
    filters = export_filters(scenario, request.query_params, request.query_params.getlist("status"))
    with services.db.read() as connection:
        reader = reader_of(connection, viewer.identity)
        found = export(connection, reader, scenario, filters, chosen)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
