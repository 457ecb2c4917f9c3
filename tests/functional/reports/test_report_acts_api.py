"""Reports as acts over HTTP, on each backend: the secretariat uploads and puts a report
forward, a party may not approve it, both mediators do, and only then does it count."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Delegations
from tests.mechanism import Mechanism, assert_rebuild_reproduces
from tests.unit.reports.pdfs import report_data, report_pdf
from truce.reports.embedded import sha256_hex
from truce.reports.publishing import publish_body, report_file


def upload(client: TestClient, d: Delegations, name: str, content: bytes) -> dict[str, Any]:
    response = client.post(
        "/api/v1/files",
        content=content,
        headers=d.headers(name) | {"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text
    info: dict[str, Any] = response.json()
    return info


def put_forward(
    client: TestClient, d: Delegations, name: str = "sec-clerk", **data: Any
) -> tuple[dict[str, Any], dict[str, Any], list[bytes]]:
    """Upload an English and an Urdu PDF of one report and post its report.publish."""
    content = report_data(**data)
    pdfs = [report_pdf(content, "en"), report_pdf(content, "ur")]
    for pdf in pdfs:
        upload(client, d, name, pdf)
    files = [report_file(f"{i}.pdf", pdf, None) for i, pdf in enumerate(pdfs)]
    body = publish_body(files, "Weekly report", None)
    return d.post(name, "report.publish", body), body, pdfs


def test_a_report_counts_once_both_mediators_approved_it(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    put, _, pdfs = put_forward(client, d)
    ref = (put["leaf_hash"],)
    [waiting] = d.get("tr-officer", "/api/v1/reports/awaiting")["reports"]
    assert (waiting["id"], waiting["status"], waiting["missing"]) == (
        put["index"],
        "awaiting",
        ["TR", "QA"],
    )
    assert waiting["data_sha256"] == sha256_hex(report_data())
    assert d.get("pk-observer", "/api/v1/reports/published")["reports"] == []
    # Approvers read exactly what they approve: the PDFs the act names.
    for pdf in pdfs:
        got = client.get(f"/api/v1/files/{sha256_hex(pdf)}", headers=d.headers("qa-root"))
        assert got.status_code == 200
        assert got.content == pdf

    party = d.post("pk-root", "report.approve", {}, ref, expect=422)
    assert "only TR, QA approve this report" in party["detail"]
    officer = d.post("tr-officer", "report.approve", {}, ref, expect=422)
    assert "may not sign report.approve" in officer["detail"]
    clock.advance(minutes=1)
    d.post("tr-root", "report.approve", {"note": "Agreed.", "language": "en"}, ref)
    twice = d.post("tr-root", "report.approve", {}, ref, expect=422)
    assert "TR has already approved this report" in twice["detail"]
    assert d.get("af-officer", f"/api/v1/reports/acts/{put['index']}")["missing"] == ["QA"]
    # Until it counts, the public record neither lists it nor serves its PDFs.
    pdf_paths = [f"/public/reports/{sha256_hex(pdf)}.pdf" for pdf in pdfs]
    assert "Weekly report" not in client.get("/public?lang=en").text
    assert [client.get(path).status_code for path in pdf_paths] == [404, 404]
    last = d.post("qa-root", "report.approve", {}, ref)
    public = client.get("/public?lang=en").text
    assert "Weekly report" in public
    assert all(path in public for path in pdf_paths)
    for path, pdf in zip(pdf_paths, pdfs, strict=True):
        served = client.get(path)  # anonymous: the policy publishes reports
        assert served.status_code == 200
        assert served.headers["content-type"] == "application/pdf"
        assert served.content == pdf
    assert "Weekly report" in client.get("/public/feed.atom?lang=en").text

    [shown] = d.get("af-observer", "/api/v1/reports/published")["reports"]
    assert (shown["status"], shown["published_idx"]) == ("published", last["index"])
    assert [a["member"] for a in shown["approvals"]] == ["TR", "QA"]
    assert d.get("af-observer", "/api/v1/reports/awaiting")["reports"] == []
    by_pdf = d.get("pk-officer", f"/api/v1/reports/by-pdf/{sha256_hex(pdfs[1])}")
    assert by_pdf["id"] == put["index"]
    assert d.get("pk-officer", f"/api/v1/reports/by-pdf/{'0' * 64}", expect=404)
    late = d.post("sec-clerk", "report.withdraw", {"note": "x", "language": "en"}, ref, expect=422)
    assert "can no longer be withdrawn" in late["detail"]
    assert_rebuild_reproduces(mechanism.db)

    told = {
        (n["member"], n["kind"], n["reason"]) for n in d.get("sec-root", "/api/v1/notifications")
    }
    assert {("TR", "report.publish", "action"), ("QA", "report.publish", "action")} <= told
    assert not any(member in ("PK", "AF") and kind == "report.publish" for member, kind, _ in told)
    assert {(code, "report.approve", "outcome") for code in ("PK", "AF", "TR", "QA")} <= told
    assert all(kind != "report.approve" or n == "outcome" for _, kind, n in told)


def test_what_admission_refuses(client: TestClient, mechanism: Mechanism, clock: Clock) -> None:
    d = Delegations(client, mechanism)
    content = report_data()
    pdf = report_pdf(content, "en")
    body = publish_body([report_file("en.pdf", pdf, None)], "Weekly report", None)

    unheld = d.post("sec-clerk", "report.publish", body, expect=422)
    assert "no file" in unheld["detail"]
    upload(client, d, "sec-clerk", pdf)
    party = d.post("pk-officer", "report.publish", body, expect=422)
    assert "only SEC publishes reports" in party["detail"]
    hidden = d.post("sec-clerk", "report.publish", body, audience="mediators", expect=422)
    assert "addressed to 'all'" in hidden["detail"]
    malformed = d.post("sec-clerk", "report.publish", body | {"data_sha256": "XYZ"}, expect=400)
    assert "data_sha256: should be a SHA-256 digest" in malformed["detail"]
    other = d.post("sec-clerk", "report.publish", body | {"data_sha256": "0" * 64}, expect=422)
    assert "every PDF of a report embeds the same data" in other["detail"]
    unknown = d.post("tr-root", "report.approve", {}, ("1" * 64,), expect=422)
    assert "is not a report" in unknown["detail"]

    put = d.post("sec-clerk", "report.publish", body)
    ref = (put["leaf_hash"],)
    d.post("tr-root", "report.approve", {}, ref)
    stranger = d.post(
        "pk-officer", "report.withdraw", {"note": "x", "language": "en"}, ref, expect=422
    )
    assert "only SEC, which put the report forward, withdraws it" in stranger["detail"]
    d.post("sec-clerk", "report.withdraw", {"note": "Figures wrong.", "language": "en"}, ref)
    withdrawn = d.post("qa-root", "report.approve", {}, ref, expect=422)
    assert "withdrawn" in withdrawn["detail"]
    assert d.get("tr-officer", f"/api/v1/reports/acts/{put['index']}")["status"] == "withdrawn"
    assert d.get("tr-officer", "/api/v1/reports/acts/1", expect=404)
    assert_rebuild_reproduces(mechanism.db)


@pytest.mark.parametrize("name", ["sec-root", "sec-clerk"])
def test_the_secretariat_publishes_with_its_root_or_staff_key(
    client: TestClient, mechanism: Mechanism, name: str
) -> None:
    d = Delegations(client, mechanism)
    put, _, _ = put_forward(client, d, name)
    assert d.get("qa-observer", f"/api/v1/reports/acts/{put['index']}")["published_by"] == "SEC"
