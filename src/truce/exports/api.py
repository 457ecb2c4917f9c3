"""Exports over HTTP: ``GET /api/v1/exports/incidents.csv|.geojson|.kml``.

The query parameters are the case list's filters (``docs/web.md``) and ``sector`` (a
province); the file holds exactly the cases the caller's case list holds for them
(:mod:`truce.exports.queries`). Bad filters are refused as RFC 9457 problems.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from truce.api.deps import IdentityDep, ServicesDep
from truce.cases.queries import reader_of
from truce.exports.queries import export_filters
from truce.exports.summary import Format, export

router = APIRouter(prefix="/api/v1", tags=["exports"])

Text = Annotated[str | None, Query()]


@router.get(
    "/exports/incidents.{form}",
    summary="The incidents the caller may see, as ACLED-layout CSV, GeoJSON or KML",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/geo+json": {},
                "application/vnd.google-earth.kml+xml": {},
            }
        }
    },
)
def incidents_file(
    form: Annotated[Format, Path(description="csv, geojson or kml")],
    services: ServicesDep,
    reader: IdentityDep,
    date_from: Annotated[
        str | None, Query(alias="from", description="incident on or after (a date)")
    ] = None,
    to: Annotated[str | None, Query(description="incident on or before (a date)")] = None,
    type: Text = None,
    member: Annotated[str | None, Query(description="lodged by or accused")] = None,
    accused: Text = None,
    status: Annotated[list[str] | None, Query()] = None,
    clause: Text = None,
    violator: Text = None,
    violated: Text = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    sector: Annotated[str | None, Query(description="province (admin1)")] = None,
    common: Text = None,
) -> Response:
    """Columns and mapping: ``docs/exports.md``. Located incidents only in GeoJSON and KML;
    how many were left out is in ``truce:omitted``."""
    scenario = services.admission.mechanism().scenario
    params = {
        "from": date_from, "to": to, "type": type, "member": member, "accused": accused,
        "clause": clause, "violator": violator, "violated": violated, "bbox": bbox,
        "sector": sector, "common": common,
    }  # fmt: skip
    filters = export_filters(scenario, params, list(status or ()))
    with services.db.read() as connection:
        found = export(connection, reader_of(connection, reader), scenario, filters, form)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
