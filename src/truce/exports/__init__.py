"""Exports of incidents and cases that analysts and GIS open as they are: CSV in ACLED's
layout, GeoJSON (RFC 7946) and KML 2.2 (``docs/exports.md``)."""
