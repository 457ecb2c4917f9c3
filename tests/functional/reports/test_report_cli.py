"""``truce report``: from a running server, the report as JSON or as a PDF file; a wrong
date is one line of error before anything is sent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functional.support import Server
from tests.mechanism import Mechanism
from truce.reports.embedded import read_data


def _truce(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from truce.cli.main import main; main()", "report", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _login(mechanism: Mechanism) -> list[str]:
    key = mechanism.keys_dir / "af-officer.key"
    return ["--key", str(key)]


def test_a_weekly_report_as_json_and_as_pdf(
    server: Server, mechanism: Mechanism, tmp_path: Path
) -> None:
    common = ["--server", server.base_url, *_login(mechanism), "--day", "2025-11-06"]
    as_json = _truce("weekly", *common)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["period"]["kind"] == "weekly"
    out = tmp_path / "week.pdf"
    as_pdf = _truce("weekly", *common, "--lang", "ps", "--format", "pdf", "--out", str(out))
    assert as_pdf.returncode == 0, as_pdf.stderr
    assert json.loads(read_data(out.read_bytes())) == data


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["range", "--from", "2025-11-06", "--to", "2025-11-01"], "--to (2025-11-01) is before"),
        (["range", "--from", "2025-02-30", "--to", "2025-03-01"], "--from: '2025-02-30' is not"),
        (["daily", "--day", "5 Nov"], "--day: '5 Nov' is not a date"),
        (["weekly", "--format", "pdf"], "--out: a PDF report is written to a file"),
    ],
)
def test_a_wrong_date_is_one_line_and_nothing_is_sent(
    tmp_path: Path, args: list[str], said: str
) -> None:
    # Port 9 (discard) on the loopback: nothing listens, so reaching it would say so.
    done = _truce(*args, "--server", "http://127.0.0.1:9", "--key", str(tmp_path / "none.key"))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert said in lines[0], lines[0]
