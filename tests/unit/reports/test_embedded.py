"""The data a report's PDF carries: written by WeasyPrint, read back by pypdf."""

from __future__ import annotations

import pytest
from weasyprint import HTML, Attachment

from truce.errors import ReportFileError
from truce.reports.embedded import ATTACHMENT, read_data, sha256_hex


def _pdf(*attached: tuple[str, bytes]) -> bytes:
    pdf: bytes = HTML(string="<p>Weekly report</p>").write_pdf(
        attachments=[Attachment(string=content.decode(), name=name) for name, content in attached],
        pdf_variant="pdf/a-3b",
    )
    return pdf


def test_the_embedded_data_reads_back_byte_for_byte() -> None:
    data = '{"incidents":3,"title":"تقرير"}'.encode()
    assert read_data(_pdf((ATTACHMENT, data))) == data


def test_a_pdf_without_the_data_is_refused() -> None:
    with pytest.raises(ReportFileError, match="carries no report data"):
        read_data(_pdf(("other.json", b"{}")))


def test_a_file_that_is_not_a_pdf_is_refused() -> None:
    with pytest.raises(ReportFileError, match="not a PDF"):
        read_data(b"<html>not a pdf</html>")


def test_a_truncated_pdf_is_refused_in_words() -> None:
    pdf = _pdf((ATTACHMENT, b"{}"))
    with pytest.raises(ReportFileError):
        read_data(pdf[: len(pdf) // 3])


def test_the_digest_is_lowercase_hex_sha256() -> None:
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
