"""The body of a report.publish act, from the PDFs a publisher gives."""

from __future__ import annotations

import pytest

from tests.unit.reports.pdfs import report_data, report_pdf
from truce.errors import InputError
from truce.ledger import jcs
from truce.reports.embedded import sha256_hex
from truce.reports.publishing import pdf_language, period_of, publish_body, report_file


def test_every_language_is_named_with_its_own_digest_and_one_data_digest() -> None:
    data = report_data()
    english, urdu = report_pdf(data, "en"), report_pdf(data, "ur")
    assert (pdf_language(english), pdf_language(urdu)) == ("en", "ur")
    body = publish_body(
        [report_file("en.pdf", english, None), report_file("ur.pdf", urdu, None)], "Weekly", None
    )
    assert body["period"] == {"kind": "weekly", "from": "2025-11-03", "to": "2025-11-09"}
    assert body["data_sha256"] == sha256_hex(data)
    assert [(p["language"], p["sha256"]) for p in body["pdfs"]] == [
        ("en", sha256_hex(english)),
        ("ur", sha256_hex(urdu)),
    ]


def test_pdfs_of_different_data_are_refused() -> None:
    first = report_file("a.pdf", report_pdf(report_data(), "en"), None)
    other = report_file("b.pdf", report_pdf(report_data(incidents=8), "tr"), None)
    with pytest.raises(InputError, match=r"b\.pdf embeds other data than a\.pdf"):
        publish_body([first, other], "Weekly", None)


def test_a_given_language_and_period_win_and_a_non_pdf_is_refused() -> None:
    found = report_file("a.pdf", report_pdf(report_data(), "en"), "ps")
    period = {"kind": "range", "from": "2025-11-01", "to": "2025-11-02"}
    body = publish_body([found], "Range", period)
    assert (body["pdfs"][0]["language"], body["period"]) == ("ps", period)
    with pytest.raises(InputError, match="not a PDF"):
        report_file("x.pdf", b"<html>", None)


def test_a_period_given_as_moments_is_published_as_its_days() -> None:
    data = jcs.canonicalize(
        {
            "period": {
                "kind": "weekly",
                "from": "2025-11-02T19:00:00Z",
                "to": "2025-11-09T19:00:00Z",
                "time_zone": "Asia/Karachi",
            }
        }
    )
    assert period_of(data) == {"kind": "weekly", "from": "2025-11-03", "to": "2025-11-09"}
