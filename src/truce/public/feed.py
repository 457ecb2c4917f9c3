"""The public record as an Atom feed (RFC 4287).

Each entry's ``id`` is a tag URI (RFC 4151) made from the log's origin, the day the
mechanism began and the act's leaf hash, so it never changes: the same act has the same
id in every language and every time the feed is read. The feed's own id names its
language, since each language is a feed of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree import ElementTree as ET

from truce.ledger.envelope import format_time

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry, its words already in the feed's language."""

    key: str
    title: str
    updated: datetime
    link: str
    text: str
    author: str
    #: The language of the entry's own words where it differs (a statement's).
    language: str | None = None


def tag_uri(origin: str, began: date, specific: str) -> str:
    """``tag:<authority>,<date>:<specific>`` (RFC 4151) for the log's ``origin``."""
    authority = origin.split("/", 1)[0].split(":", 1)[0].lower()
    path = origin.split("/", 1)[1] if "/" in origin else ""
    return f"tag:{authority},{began.isoformat()}:{path + '/' if path else ''}{specific}"


def _text(
    parent: ET.Element, tag: str, value: str, attributes: dict[str, str] | None = None
) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes or {})
    element.text = value
    return element


def atom(
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    language: str,
    self_url: str,
    page_url: str,
    author: str,
    updated: datetime,
    entries: Sequence[FeedEntry],
) -> bytes:
    """The feed's XML document (UTF-8, with its declaration)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: language})
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "subtitle", subtitle)
    newest = max([updated, *(entry.updated for entry in entries)])
    _text(feed, "updated", format_time(newest))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url, "type": MEDIA_TYPE})
    ET.SubElement(
        feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": page_url, "type": "text/html"}
    )
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", author)
    for entry in entries:
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(item, "id", entry.key)
        _text(item, "title", entry.title)
        _text(item, "updated", format_time(entry.updated))
        _text(ET.SubElement(item, f"{{{ATOM}}}author"), "name", entry.author)
        ET.SubElement(
            item, f"{{{ATOM}}}link", {"rel": "alternate", "href": entry.link, "type": "text/html"}
        )
        content = {"type": "text"}
        if entry.language:
            content[XML_LANG] = entry.language
        _text(item, "content", entry.text, content)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
