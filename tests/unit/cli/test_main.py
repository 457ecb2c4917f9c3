"""The ``truce`` command's start-up: offline commands load only the verifier."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.mechanism import SCENARIO_DIR, Mechanism
from truce.accounts.service import Identity
from truce.log import checkpoints
from truce.log.export import export_bundle
from truce.log.store import LogStore


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


#: What the offline commands may load of truce: the package, the verifier's two
#: packages, and the modules that define the two commands.
OFFLINE_CLI = {"truce", "truce.cli", "truce.cli.main", "truce.cli.audit", "truce.cli.trust"}
OFFLINE_PACKAGES = ("truce.ledger", "truce.verify")
#: Runs the command, then prints the truce modules it loaded (even when it exits).
LOADED = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print(json.dumps(sorted(m for m in sys.modules"
    " if m == 'truce' or m.startswith('truce.'))), file=sys.stderr))\n"
    "from truce.cli.main import main\n"
    "main()\n"
)


def outside_the_verifier(*args: str | Path) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """The truce modules a command loads beyond the verifier's, and its result."""
    result = subprocess.run(
        [sys.executable, "-c", LOADED, *(str(arg) for arg in args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    loaded = json.loads(result.stderr.strip().splitlines()[-1])
    outside = [
        name
        for name in loaded
        if name not in OFFLINE_CLI
        and not any(name == p or name.startswith(f"{p}.") for p in OFFLINE_PACKAGES)
    ]
    return outside, result


def test_the_offline_commands_load_only_the_verifier(mechanism: Mechanism, tmp_path: Path) -> None:
    """``truce verify`` and ``truce receipt check``, run through to success, import
    nothing of truce but :mod:`truce.ledger`, :mod:`truce.verify` and their own CLI
    modules: a verifier stands alone, whatever the rest of truce becomes."""
    mechanism.admission.submit(mechanism.act("pk-officer"))
    bundle = tmp_path / "pk.bundle"
    export_bundle(mechanism.db, bundle, Identity("PK", "pk-officer"))
    with mechanism.db.read() as connection:
        last = LogStore(connection).head().size - 1
        receipt = checkpoints.receipt(connection, last, mechanism.scenario.mechanism.id)
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(json.dumps(receipt), encoding="utf-8")

    outside, verified = outside_the_verifier("verify", bundle, "--allow-unwitnessed")
    assert verified.returncode == 0, verified.stderr
    assert "verified" in verified.stdout
    assert outside == []

    outside, checked = outside_the_verifier(
        "receipt", "check", receipt_file, "--scenario", SCENARIO_DIR
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"verified: entry {last} ")
    assert outside == []


def test_the_import_check_sees_a_module_outside_the_verifier() -> None:
    """The check above can fail: a command of another module loads that module."""
    outside, result = outside_the_verifier("log", "root", "--database", "sqlite:///:memory:")
    assert result.returncode != 0
    assert "truce.storage.db" in outside
