"""The data a report's PDF carries inside it, so its figures can be read back.

A report's PDF is written as PDF/A-3b with one embedded file, :data:`ATTACHMENT`: the
RFC 8785 canonical JSON of the figures the report was drawn from (ISO 19005-3 allows
any file to be embedded, with its relationship to the document). Publishing a report
signs the SHA-256 of the PDF's bytes and of these data bytes, so anyone holding the
PDF can check, offline, both what was printed and what it was printed from.
"""

from __future__ import annotations

import hashlib
import io

from truce.errors import ReportFileError

#: The name of the embedded file that holds the report's data.
ATTACHMENT = "report-data.json"


def sha256_hex(content: bytes) -> str:
    """The SHA-256 of ``content``, in lowercase hex, as act bodies write digests."""
    return hashlib.sha256(content).hexdigest()


def read_data(pdf: bytes) -> bytes:
    """The bytes of the report data embedded in ``pdf``.

    Raises :class:`ReportFileError` when ``pdf`` is not a PDF, or holds no
    :data:`ATTACHMENT`, or holds more than one.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not pdf.startswith(b"%PDF-"):
        raise ReportFileError("this file is not a PDF")
    try:
        found = PdfReader(io.BytesIO(pdf)).attachments.get(ATTACHMENT)
    except (PdfReadError, ValueError, KeyError) as error:
        raise ReportFileError(f"this PDF cannot be read: {error}") from error
    if not found:
        raise ReportFileError(f"this PDF carries no report data ({ATTACHMENT})")
    if len(found) != 1:
        raise ReportFileError(f"this PDF carries {len(found)} copies of {ATTACHMENT}")
    return found[0]
