"""The located incidents as GeoJSON (RFC 7946) and KML (OGC KML 2.2).

Both carry the same properties as the CSV's columns (:mod:`truce.exports.acled`), as
typed values and without the CSV's spreadsheet guard (GIS reads them as data). An
incident with no coordinates has no geometry to draw: it is left out of both, and the
number left out is said in the file, as the GeoJSON foreign member ``truce:omitted``
(RFC 7946 §6.1) and as the KML document's ``ExtendedData`` field ``truce:omitted``.
Both are written by the standard library (``json``, ``xml.etree``): every value is
escaped by the writer, never pasted into markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

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
    ElementTree.register_namespace("", KML_NS)
    root = ElementTree.Element(f"{k}kml")
    document = ElementTree.SubElement(root, f"{k}Document")
    ElementTree.SubElement(document, f"{k}name").text = _text(title)
    header = ElementTree.SubElement(document, f"{k}ExtendedData")
    count = ElementTree.SubElement(header, f"{k}Data", {"name": OMITTED})
    ElementTree.SubElement(count, f"{k}value").text = str(omitted)
    for values in kept:
        ident = {"id": str(values["event_id_cnty"])}
        mark = ElementTree.SubElement(document, f"{k}Placemark", ident)
        ElementTree.SubElement(
            mark, f"{k}name"
        ).text = f"{values['sub_event_type']}: {values['location']} ({values['event_date']})"
        ElementTree.SubElement(mark, f"{k}description").text = _text(values.get("notes"))
        when = ElementTree.SubElement(ElementTree.SubElement(mark, f"{k}TimeStamp"), f"{k}when")
        when.text = _text(values.get("event_date"))
        data = ElementTree.SubElement(mark, f"{k}ExtendedData")
        for name in names:
            field = ElementTree.SubElement(data, f"{k}Data", {"name": name})
            ElementTree.SubElement(field, f"{k}value").text = _text(values.get(name))
        point = ElementTree.SubElement(mark, f"{k}Point")
        ElementTree.SubElement(
            point, f"{k}coordinates"
        ).text = f"{values['longitude']!r},{values['latitude']!r}"
    ElementTree.indent(root)
    written: bytes = ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return written
