"""The published-reports page: the secretariat puts a report forward with its PDFs from
the browser, a mediator's head approves it there (after confirming), a party may not."""

from __future__ import annotations

from typing import Any

from tests.mechanism import Mechanism
from tests.unit.reports.pdfs import report_data, report_pdf
from tests.unit.web_app import Browser
from truce.reports.embedded import sha256_hex


def test_publish_and_approve_from_the_browser(browsers: Any, mechanism: Mechanism) -> None:
    clerk: Browser = browsers("sec-clerk")
    page = clerk.page("/reports/published").text
    assert 'name="kind" value="report.publish"' in page
    assert "No report awaits approval." in page
    data = report_data()
    english, turkish = report_pdf(data, "en"), report_pdf(data, "tr")
    files = [("file", ("en.pdf", english, "application/pdf")),
             ("file", ("tr.pdf", turkish, "application/pdf"))]  # fmt: skip
    key_id = mechanism.key("sec-clerk").key.key_id
    missing = clerk.prepare({"kind": "report.publish", "key_id": key_id, "title": ""}, files=files)
    assert missing.json()["errors"] == {"title": "Give the report's title."}
    put = clerk.act({"kind": "report.publish", "title": "Weekly report"}, files=files)
    assert put.status_code == 200, put.text
    assert put.json()["redirect"] == "/reports/published"
    index, leaf = put.json()["index"], put.json()["leaf_hash"]

    party: Browser = browsers("pk-root")
    shown = party.page("/reports/published").text
    assert f'id="report-{index}"' in shown
    assert "Weekly report" in shown
    assert 'value="report.approve"' not in shown
    assert 'value="report.publish"' not in shown
    assert party.client.get(f"/evidence/{sha256_hex(turkish)}").content == turkish

    for name in ("tr-root", "qa-root"):
        head: Browser = browsers(name)
        form = head.page("/reports/published").text
        assert 'value="report.approve"' in form
        assert "An approval cannot be undone" in form
        assert 'name="understood" value="yes" required' in form
        unconfirmed = head.prepare(
            {"kind": "report.approve", "refs": leaf, "key_id": mechanism.key(name).key.key_id}
        )
        assert set(unconfirmed.json()["errors"]) == {"understood"}
        approved = head.act(
            {"kind": "report.approve", "refs": leaf, "note": "Agreed.", "understood": "yes"}
        )
        assert approved.status_code == 200, approved.text
        assert 'value="report.approve"' not in head.page("/reports/published").text

    final = party.page("/reports/published").text
    assert "No report awaits approval." in final
    assert f"Published at log entry {approved.json()['index']}" in final
    assert f'href="/evidence/{sha256_hex(english)}"' in final
