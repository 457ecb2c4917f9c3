"""The published-reports page in the browser: a report the secretariat put forward,
with the approve form a mediator's head confirms, then published, right to left."""

from __future__ import annotations

from pathlib import Path

from tests.functional.web.browser import Browsing, axe_violations, goto, screenshot, sign_in
from tests.functional.web.conftest import Demo
from tests.unit.reports.pdfs import report_data, report_pdf


def test_a_report_awaiting_approval_then_published(
    browsing: Browsing, demo: Demo, tmp_path: Path
) -> None:
    data = report_data()
    files = []
    for language in ("en", "ur", "ar"):
        path = tmp_path / f"weekly-{language}.pdf"
        path.write_bytes(report_pdf(data, language, "Weekly report"))
        files.append(str(path))
    server = ("--server", demo.base_url)
    put = demo.truce("report", "publish", *files, "--title", "Weekly report", *server,
                     "--key", str(demo.keys_dir / "sec-clerk.key"))  # fmt: skip
    report = put.strip().splitlines()[-1].split()[1]
    demo.truce("report", "approve", report, *server, "--key", str(demo.keys_dir / "tr-root.key"))

    page = browsing.page()
    sign_in(page, demo, "QA", "root", language="ar")
    goto(page, "/reports/published")
    assert page.get_attribute("html", "dir") == "rtl"
    form = page.locator(f"#report-{report} form[data-act-form]")
    assert form.locator("input[name=kind]").get_attribute("value") == "report.approve"
    assert form.locator("input[type=checkbox]").get_attribute("required") is not None
    assert page.locator(f"#report-{report} .report-pdfs li").count() == 3
    screenshot(page, "report-acts-awaiting-ar")
    assert axe_violations(page) == []
    page.context.close()

    demo.truce("report", "approve", report, *server, "--key", str(demo.keys_dir / "qa-root.key"))
    page = browsing.page()
    sign_in(page, demo, "PK", "pk-officer", language="ur")
    goto(page, "/reports/published")
    row = page.locator(f"tr#report-{report}")
    assert row.count() == 1
    assert "Weekly report" in row.inner_text()
    screenshot(page, "report-acts-published-ur")
    assert axe_violations(page) == []
    page.context.close()
