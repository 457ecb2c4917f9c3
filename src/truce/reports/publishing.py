"""The body of a ``report.publish`` act, from the PDFs a publisher uploads.

Every PDF of one report embeds the same data (:data:`truce.reports.embedded.ATTACHMENT`),
whatever its language: the act signs that data's one digest and each PDF's own. The
language of a PDF is the one its document catalogue declares (``/Lang``, which the
renderer writes from the page's ``lang``), unless the publisher gives it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from truce.errors import InputError, ReportFileError
from truce.reports import embedded

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class ReportFile:
    """One PDF to publish: its name (for messages), bytes and language."""

    name: str
    content: bytes
    language: str


def pdf_language(pdf: bytes) -> str | None:
    """The language a PDF's catalogue declares (``/Lang``), as a lowercase primary tag
    with its subtags (``fa-AF``), or None."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        value = PdfReader(io.BytesIO(pdf)).root_object.get("/Lang")
    except (PdfReadError, ValueError, KeyError):
        return None
    if value is None:
        return None
    text = str(value).strip().replace("_", "-")
    primary, _, rest = text.partition("-")
    tag = primary.lower() + (f"-{rest}" if rest else "")
    return tag if _LANGUAGE.match(tag) else None


def report_file(name: str, content: bytes, language: str | None) -> ReportFile:
    """A PDF to publish in ``language``, or in the language its catalogue declares."""
    if not content.startswith(b"%PDF-"):
        raise InputError(f"{name} is not a PDF", field="file")
    chosen = language or pdf_language(content)
    if chosen is None:
        raise InputError(
            f"{name} declares no language: give it (--lang, in the order of the files)",
            field="language",
        )
    if not _LANGUAGE.match(chosen):
        raise InputError(f"{chosen!r} is not a language tag such as en or ur", field="language")
    return ReportFile(name, content, chosen)


def data_of(files: Sequence[ReportFile]) -> bytes:
    """The data every file embeds; InputError unless they all embed the same bytes."""
    if not files:
        raise InputError("give at least one PDF of the report", field="file")
    first: bytes | None = None
    for found in files:
        try:
            data = embedded.read_data(found.content)
        except ReportFileError as exc:
            raise InputError(f"{found.name}: {exc.message}", field="file") from exc
        if first is None:
            first = data
        elif data != first:
            raise InputError(
                f"{found.name} embeds other data than {files[0].name}: the PDFs of one "
                "report are renderings of the same data",
                field="file",
            )
    assert first is not None
    return first


def _day(value: str, zone: str | None, *, end: bool) -> str | None:
    """A period bound as a day: a date as given, or a moment (RFC 3339) read in the
    period's time zone; an end moment is excluded, so its day is that of the moment
    before it."""
    if _DAY.match(value):
        return value
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        where = ZoneInfo(zone) if zone else UTC
    except (ValueError, KeyError, ZoneInfoNotFoundError):
        return None
    if moment.tzinfo is None:
        return None
    if end:
        moment -= timedelta(microseconds=1)
    return moment.astimezone(where).date().isoformat()


def period_of(data: bytes) -> dict[str, str] | None:
    """The period the data says it covers (``{"period": {"kind", "from", "to"}}``, as
    days or as the moments a period starts and ends, with its ``time_zone``), as days,
    if it says so."""
    try:
        found = json.loads(data).get("period")
    except (ValueError, AttributeError):
        return None
    if not isinstance(found, dict) or not all(
        isinstance(found.get(k), str) for k in ("kind", "from", "to")
    ):
        return None
    zone = found.get("time_zone") if isinstance(found.get("time_zone"), str) else None
    first = _day(found["from"], zone, end=False)
    last = _day(found["to"], zone, end=True)
    if first is None or last is None:
        return None
    return {"kind": found["kind"], "from": first, "to": last}


def publish_body(
    files: Sequence[ReportFile], title: str, period: dict[str, str] | None
) -> dict[str, Any]:
    """The ``report.publish`` body naming ``files``: the period given, or the one their
    data states."""
    data = data_of(files)
    chosen = period or period_of(data)
    if chosen is None:
        raise InputError(
            "the report data states no period: give its kind, first and last day",
            field="period",
        )
    languages = [found.language for found in files]
    if len(set(languages)) != len(languages):
        raise InputError("give one PDF per language", field="language")
    return {
        "period": chosen,
        "title": title,
        "data_sha256": embedded.sha256_hex(data),
        "pdfs": [
            {
                "language": found.language,
                "sha256": embedded.sha256_hex(found.content),
                "size": len(found.content),
            }
            for found in files
        ],
    }
