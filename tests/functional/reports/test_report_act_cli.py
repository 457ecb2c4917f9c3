"""A report through the command line against a real ``truce serve``: the secretariat
publishes it, a party may not approve it, both mediators do; ``truce report check``
then accepts its PDFs offline against an audit bundle and refuses a PDF with one byte
changed, one never published, and one published but not yet approved."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.functional.support import Server
from tests.functional.test_client_cli import as_delegate, ok
from tests.mechanism import Mechanism
from tests.unit.cli.test_main import outside_the_verifier
from tests.unit.reports.pdfs import report_data, report_pdf
from tests.unit.verify.test_audit import cosign_latest
from truce.accounts.service import Identity
from truce.log.export import export_bundle

#: What ``truce report check`` may load beyond the verifier: its command module and the
#: report's pure rules and embedded data.
REPORT_CHECK = {
    "truce.cli.report_act",
    "truce.errors",
    "truce.acts",
    "truce.acts.actor",
    "truce.acts.refusal",
    "truce.reports",
    "truce.reports.check",
    "truce.reports.embedded",
    "truce.reports.approval",
}


def bundle_of(mechanism: Mechanism, path: Path) -> Path:
    """AF's audit bundle under a checkpoint every witness cosigned."""
    cosign_latest(mechanism)
    export_bundle(mechanism.db, path, Identity("AF", "af-officer"))
    return path


def test_publish_approve_and_check_a_report(
    server: Server, mechanism: Mechanism, tmp_path: Path
) -> None:
    def run(name: str, *args: str | Path) -> str:
        return ok(as_delegate(server, mechanism, name, *args))

    data = report_data()
    english, urdu = tmp_path / "weekly-en.pdf", tmp_path / "weekly-ur.pdf"
    english.write_bytes(report_pdf(data, "en"))
    urdu.write_bytes(report_pdf(data, "ur"))
    put = run("sec-clerk", "report", "publish", english, urdu, "--title", "Weekly report")
    number = re.search(r"report (\d+) put forward", put)
    assert number is not None, put
    report = number.group(1)

    refused = as_delegate(server, mechanism, "pk-root", "report", "approve", report)
    assert refused.returncode != 0
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert "only TR, QA approve this report" in line
    assert "awaits the approval of QA" in run("tr-root", "report", "approve", report)
    listed = run("af-officer", "report", "list")
    assert "awaiting approval: 1" in listed
    assert "published: 0" in listed

    early = outside_the_verifier(
        "report", "check", english, "--bundle", bundle_of(mechanism, tmp_path / "early.bundle")
    )[1]
    assert early.returncode == 5
    assert early.stderr.strip().splitlines()[:-1] == [  # the last line lists the modules
        f"error: this PDF was put forward at entry {report} but is not published yet: it "
        "awaits the approval of QA"
    ]

    assert f"report {report} is published" in run("qa-root", "report", "approve", report)
    assert "published: 1" in run("pk-officer", "report", "list")
    answered = json.loads(run("pk-officer", "report", "list", "--json"))
    assert answered["awaiting"] == []
    assert [item["id"] for item in answered["published"]] == [int(report)]
    bundle = bundle_of(mechanism, tmp_path / "af.bundle")
    for pdf, language in ((english, "en"), (urdu, "ur")):
        outside, checked = outside_the_verifier("report", "check", pdf, "--bundle", bundle)
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.startswith(
            f"published report: 'Weekly report' (weekly 2025-11-03 to 2025-11-09, {language}), "
            f"put forward by SEC at entry {report}, approved by TR (entry "
        )
        assert "cosigned by 4 of 4 witnesses" in checked.stdout
        assert set(outside) <= REPORT_CHECK, outside

    original = english.read_bytes()
    last, middle = bytearray(original), bytearray(original)
    last[-1] ^= 0x01  # the end-of-line after %%EOF: the data still reads back
    middle[len(middle) // 2] ^= 0x01  # inside a compressed stream
    (tmp_path / "last.pdf").write_bytes(bytes(last))
    (tmp_path / "middle.pdf").write_bytes(bytes(middle))
    never = tmp_path / "never.pdf"
    never.write_bytes(report_pdf(report_data(incidents=9), "en"))
    for pdf, message in (
        (tmp_path / "last.pdf", "it was changed after publication"),
        (tmp_path / "middle.pdf", "changed"),
        (never, "this PDF was never published in this log"),
    ):
        failed = outside_the_verifier("report", "check", pdf, "--bundle", bundle)[1]
        assert failed.returncode == 5
        [line] = failed.stderr.strip().splitlines()[:-1]  # the last line lists the modules
        assert line.startswith("error: ")
        assert message in line, line

    online = run("pk-observer", "report", "check", urdu, "--server", server.base_url)
    assert "published at entry" in online
    assert "approved by TR, QA" in online
    elsewhere = as_delegate(
        server, mechanism, "pk-observer", "report", "check", never, "--server", server.base_url
    )
    assert elsewhere.returncode == 5
    assert "changed, or never published" in elsewhere.stderr
