"""An export as the API and the pages answer it: its bytes, media type and file name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection

from truce.cases.queries import Filters, Reader
from truce.exports import acled, geo
from truce.exports.queries import incidents
from truce.scenario.rules import Scenario

Format = Literal["csv", "geojson", "kml"]
#: Each format's media type.
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8; header=present",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
}
FORMATS: tuple[Format, ...] = ("csv", "geojson", "kml")


@dataclass(frozen=True, slots=True)
class Export:
    """One export file."""

    content: bytes
    media_type: str
    filename: str


def export(
    connection: Connection, reader: Reader, scenario: Scenario, filters: Filters, form: Format
) -> Export:
    """The cases ``reader`` may see that match ``filters``, as a file of ``form``."""
    table = acled.rows(scenario, incidents(connection, reader, filters))
    names = acled.columns(scenario)
    title = f"{scenario.mechanism.name}: incidents"
    if form == "csv":
        content = acled.write_csv(names, table).encode("utf-8")
    elif form == "geojson":
        content = geo.geojson(names, table, title).encode("utf-8")
    else:
        content = geo.kml(names, table, title)
    return Export(content, MEDIA_TYPES[form], f"{scenario.mechanism.id}-incidents.{form}")
