"""The located incidents as GeoJSON (RFC 7946) and KML (OGC KML 2.2).

Both carry the same properties as the CSV's columns (:mod:`truce.exports.acled`), as
typed values and without the CSV's spreadsheet guard (GIS reads them as data). An
incident with no coordinates has no geometry to draw: it is left out of both, and the
number left out is said in the file, as the GeoJSON foreign member ``truce:omitted``
(RFC 7946 §6.1) and as the KML document's ``ExtendedData`` field ``truce:omitted``.
The JSON is written by the standard library, the XML by lxml: every value is escaped by
the writer, never pasted into markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree

#: The foreign member (GeoJSON) and document field (KML) that count the incidents left out.
OMITTED = "truce:omitted"
KML_NS = "http://www.opengis.net/kml/2.2"


def located(table: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], int]:
    """The rows with both coordinates, and how many have none."""
    kept = [r for r in table if r.get("latitude") is not None and r.get("longitude") is not None]
    return kept, len(table) - len(kept)


def geojson(names: Sequence[str], table: Sequence[Mapping[str, Any]], title: str) -> str:
    """A ``FeatureCollection`` of one Point per located row, longitude first (WGS 84)."""
    kept, omitted = located(table)
    features = [
        {
            "type": "Feature",
            "id": values["event_id_cnty"],
            "geometry": {"type": "Point", "coordinates": [values["longitude"], values["latitude"]]},
            "properties": {name: values.get(name) for name in names},
        }
        for values in kept
    ]
    document = {"type": "FeatureCollection", "name": title, OMITTED: omitted, "features": features}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


#: The characters XML 1.0 cannot hold (C0 controls but tab, line feed and return).
_NOT_XML = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _text(value: Any) -> str:
    """A value as XML text: controls XML 1.0 cannot hold are dropped."""
    return "" if value is None else str(value).translate(_NOT_XML)


def kml(names: Sequence[str], table: Sequence[Mapping[str, Any]], title: str) -> bytes:
    """A KML document of one ``Placemark`` per located row, its columns in ``ExtendedData``."""
    kept, omitted = located(table)
    k = f"{{{KML_NS}}}"
    root = etree.Element(f"{k}kml", nsmap={None: KML_NS})
    document = etree.SubElement(root, f"{k}Document")
    etree.SubElement(document, f"{k}name").text = _text(title)
    header = etree.SubElement(document, f"{k}ExtendedData")
    count = etree.SubElement(header, f"{k}Data", name=OMITTED)
    etree.SubElement(count, f"{k}value").text = str(omitted)
    for values in kept:
        mark = etree.SubElement(document, f"{k}Placemark", id=str(values["event_id_cnty"]))
        etree.SubElement(mark, f"{k}name").text = (
            f"{values['sub_event_type']}: {values['location']} ({values['event_date']})"
        )
        etree.SubElement(mark, f"{k}description").text = _text(values.get("notes"))
        when = etree.SubElement(etree.SubElement(mark, f"{k}TimeStamp"), f"{k}when")
        when.text = _text(values.get("event_date"))
        data = etree.SubElement(mark, f"{k}ExtendedData")
        for name in names:
            field = etree.SubElement(data, f"{k}Data", name=name)
            etree.SubElement(field, f"{k}value").text = _text(values.get(name))
        point = etree.SubElement(mark, f"{k}Point")
        etree.SubElement(point, f"{k}coordinates").text = (
            f"{values['longitude']!r},{values['latitude']!r}"
        )
    written: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return written
