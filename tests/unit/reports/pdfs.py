"""Report PDFs for the tests: WeasyPrint pages that embed report data as the renderer
does (PDF/A-3b, :data:`truce.reports.embedded.ATTACHMENT`), in a declared language."""

from __future__ import annotations

import json
from typing import Any

from weasyprint import HTML, Attachment

from truce.ledger import jcs
from truce.reports.embedded import ATTACHMENT

RTL = {"ur", "ps", "prs", "ar"}


def report_data(first: str = "2025-11-03", last: str = "2025-11-09", **more: Any) -> bytes:
    """Canonical report data for a weekly period, as a report embeds it."""
    data = {"period": {"kind": "weekly", "from": first, "to": last}, "incidents": 7} | more
    return jcs.canonicalize(data)


def report_pdf(data: bytes, language: str = "en", title: str = "Weekly report") -> bytes:
    """A one-page PDF in ``language`` that embeds ``data``."""
    direction = "rtl" if language in RTL else "ltr"
    html = (
        f'<!doctype html><html lang="{language}" dir="{direction}"><head><title>{title}</title>'
        f"</head><body><h1>{title}</h1><p>{json.loads(data).get('incidents')}</p></body></html>"
    )
    pdf: bytes = HTML(string=html).write_pdf(
        attachments=[Attachment(string=data.decode(), name=ATTACHMENT)],
        pdf_variant="pdf/a-3b",
    )
    return pdf
