"""``truce extract`` end to end: the installed console script, run as a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.media.ingest.conftest import ASSETS, ROOT, load_expected


def _truce(*args: str | Path) -> subprocess.CompletedProcess[str]:
    beside = Path(sys.executable).with_name("truce")
    script = str(beside) if beside.exists() else shutil.which("truce")
    if script is None:
        pytest.fail("the truce console script is not installed (pip install -e .)")
    return subprocess.run(
        [script, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_extract_json_one_object_per_file() -> None:
    files = [
        ASSETS / "wire-2025-10-12-border-posts.txt",
        ASSETS / "pk-daily-2025-10-16-chaman.html",
    ]
    done = _truce("extract", *files, "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert len(payload) == 2
    assert (
        payload[0]["article"]
        == load_expected(ASSETS / "wire-2025-10-12-border-posts.expected.json").article.model_dump()
    )
    assert [i["killed"]["soldiers"] for i in payload[0]["incidents"]] == [23, 67]


def test_extract_published_override_and_table() -> None:
    seed = ASSETS / "seed-003-istanbul-final-drafts.txt"
    done = _truce("extract", seed, "--json", "--published", "2025-10-26")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["article"]["published"] == "2025-10-26"
    table = _truce("extract", ASSETS / "wire-2025-11-06-spin-boldak-firing.txt")
    assert table.returncode == 0, table.stderr
    assert "Incidents" in table.stdout
    assert "Zabihullah Mujahid" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("extract", "no-such-article.txt"), "no such file"),
        (("extract", "README.md", "--published", "12/10/2025"), "--published"),
        (("extract", "README.md", "--scenario", "no-such-scenario"), "scenario"),
    ],
)
def test_errors_are_one_line(args: tuple[str, ...], message: str) -> None:
    done = _truce(*args)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert message in lines[0]
