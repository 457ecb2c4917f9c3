"""A report as PDF/A-3b, with its data embedded, printed by WeasyPrint.

The PDF carries the report's canonical data as :data:`truce.reports.embedded.ATTACHMENT`
(:func:`truce.reports.embedded.read_data` reads it back), and its fonts embedded:
DejaVu Sans, whose Arabic glyphs are whole letters, for Latin and
Arabic script alike, and the Noto Naskh Arabic shipped with the web application for the
letters DejaVu lacks (Urdu's ے), all shaped by HarfBuzz through Pango. Noto Naskh is not
the first choice because it draws a letter as a dotless skeleton plus its dots: a PDF
maps each drawn glyph to one character, so its text could not be searched or copied
(``pdftotext`` reads Pakistan's name in Urdu with its letters torn apart);
DejaVu's letters read back exactly.

The bytes are deterministic for the same data and language: the document's creation
and modification dates are the end of the period (``dcterms`` metadata in
``reports/report.html``), the attachment's dates are the same, and the PDF's file
identifier is derived from the data's digest and the language rather than drawn at
random. A publisher and an approver rendering the same period therefore get the same
PDF digest, on the same WeasyPrint and fonts.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from truce.reports.embedded import ATTACHMENT

#: The Arabic-script font the web application ships, which the PDF embeds.
FONTS = Path(__file__).resolve().parents[1] / "web" / "static" / "vendor" / "noto-naskh-arabic"
#: Its files by weight.
FONT_FILES = {
    "400": "noto-naskh-arabic-arabic-400-normal.woff2",
    "700": "noto-naskh-arabic-arabic-700-normal.woff2",
}


@cache
def font_uris() -> dict[str, str]:
    """The ``file:`` URIs of the Arabic-script fonts as TrueType, by weight.

    The shipped files are WOFF2, which WeasyPrint would decompress on every report (a
    second or more); they are decompressed once per process into a folder of the
    temporary directory, named by their digest, and the same bytes are read every time.
    """
    from fontTools.ttLib import TTFont

    folder = Path(tempfile.gettempdir()) / "truce-report-fonts"
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, str] = {}
    for weight, name in FONT_FILES.items():
        source = (FONTS / name).read_bytes()
        target = folder / f"{hashlib.sha256(source).hexdigest()[:16]}.ttf"
        if not target.exists():
            font = TTFont(io.BytesIO(source), recalcTimestamp=False)
            font.flavor = None
            partial = target.with_suffix(f".{os.getpid()}.part")
            font.save(partial)
            partial.replace(target)
        found[weight] = target.as_uri()
    return found


#: What the embedded file is, for a PDF reader's list of attachments.
DESCRIPTION = "The report's data (RFC 8785 canonical JSON)"


def render_pdf(
    html: str, data: bytes, language: str, period_end: str, annex_lines: Sequence[str] = ()
) -> bytes:
    """Print ``html`` (from :func:`truce.reports.render.render_html` with
    ``annex_in_pages``) to PDF/A-3b with ``data`` (the canonical JSON it was rendered
    from) embedded, and the annex's lines on pages of their own after it."""
    from weasyprint import HTML, Attachment

    from truce.reports.annex import appender

    moment = datetime.fromisoformat(period_end.replace("Z", "+00:00"))
    attachment = Attachment(
        string=data.decode("utf-8"),
        name=ATTACHMENT,
        description=DESCRIPTION,
        created=moment,
        modified=moment,
        relationship="Data",
    )
    identifier = hashlib.sha256(b"truce-report\0" + language.encode() + b"\0" + data)
    options: dict[str, Any] = {
        "pdf_variant": "pdf/a-3b",
        "attachments": [attachment],
        "pdf_identifier": identifier.hexdigest()[:32].encode("ascii"),
    }
    pdf: bytes = HTML(string=html, base_url=FONTS.as_uri() + "/").write_pdf(
        finisher=appender(annex_lines), **options
    )
    return pdf


def report_pdf(
    data: dict[str, Any],
    raw: bytes,
    scenario: Any,
    language: str,
    boundaries: dict[str, Any] | None,
) -> bytes:
    """The whole PDF of a report from its data: the HTML without the annex's lines
    (:func:`truce.reports.render.render_html`), printed, then the annex's pages."""
    from truce.reports import annex, render

    html = render.render_html(data, scenario, language, boundaries, annex_in_pages=True)
    return render_pdf(html, raw, language, data["period"]["to"], annex.lines(data["annex"]))
