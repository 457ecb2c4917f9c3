"""The ``truce`` command's start-up: offline commands never load the database layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_cli_imports_no_database_layer_until_a_command_needs_it() -> None:
    """``truce verify`` and ``truce receipt check`` run offline: importing the CLI that
    serves them must not pull in SQLAlchemy, Alembic or the web framework."""
    probe = (
        "import sys, truce.cli.main; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'fastapi', 'truce.storage.db') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_command_that_needs_the_database_still_finds_it(tmp_path: Path) -> None:
    """The lazy imports resolve: ``truce log root`` on a missing database fails cleanly."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from truce.cli.main import main; main()",
            "log",
            "root",
            "--database",
            f"sqlite:///{tmp_path}/absent.db",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
