"""The ``truce`` command end to end: the installed console script, run as a subprocess.

Every command that touches a database runs on both backends (``database_url``). Every
failure must be exactly one ``error: ...`` line on standard error, without a traceback,
and a non-zero exit code.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select

from tests.functional.support import free_port
from tests.mechanism import SCENARIO_DIR, Mechanism
from truce.ledger import merkle
from truce.log import projections
from truce.log.store import LogStore
from truce.storage.models import Act, DelegateKey

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_FILE = SCENARIO_DIR / "mechanism.toml"


def _truce_script() -> str:
    beside = Path(sys.executable).with_name("truce")
    found = str(beside) if beside.exists() else shutil.which("truce")
    if found is None:
        pytest.fail("the truce console script is not installed (pip install -e .)")
    return found


TRUCE = _truce_script()


@dataclass
class Run:
    """The outcome of one ``truce`` invocation."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def ok(self) -> Run:
        assert self.code == 0, f"truce {' '.join(self.args)} failed:\n{self.stderr}"
        assert "Traceback" not in self.stderr, self.stderr
        return self

    def error(self, *, code: int | None = None, contains: str = "") -> str:
        """Assert a clean failure (one ``error:`` line, no traceback); return the line."""
        assert self.code != 0, f"truce {' '.join(self.args)} succeeded:\n{self.stdout}"
        if code is not None:
            assert self.code == code, (self.code, self.stderr)
        assert "Traceback" not in self.stderr, self.stderr
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("error: "), lines[0]
        assert contains in lines[0], lines[0]
        return lines[0]


def truce(*args: str | Path, database: str | None = None, cwd: Path | None = None) -> Run:
    """Run ``truce ARGS``; ``database`` becomes ``TRUCE_DATABASE_URL`` of the process."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    if database is not None:
        env["TRUCE_DATABASE_URL"] = database
    argv = tuple(str(arg) for arg in args)
    completed = subprocess.run(
        [TRUCE, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=120,
        check=False,
    )
    return Run(argv, completed.returncode, completed.stdout, completed.stderr)


def log_root(database: str, *extra: str) -> tuple[int, bytes]:
    """``truce log root`` through the default database, parsed."""
    size, root = truce("log", "root", *extra, database=database).ok().stdout.split()
    return int(size), base64.b64decode(root, validate=True)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- init -----------------------------------------------------------------------------------


def test_init_creates_the_mechanism_once(database_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    done = truce(
        "init", "--scenario", SCENARIO_DIR, "--database", database_url, "--keys", keys
    ).ok()
    match = re.search(r"istanbul-2025: (\d+) entries", done.stdout)
    assert match, done.stdout
    entries = int(match.group(1))
    assert entries > 1

    assert keys.is_dir()
    assert mode(keys) == 0o700
    key_files = sorted(keys.glob("*.key"))
    assert {path.name for path in key_files} >= {"pk-root.key", "pk-officer.key", "sec-clerk.key"}
    for path in [*key_files, *keys.glob("*.token")]:
        assert mode(path) == 0o600, path
    for path in key_files:
        assert str(path.relative_to(tmp_path)) in done.stdout

    size, root = log_root(database_url)
    assert size == entries

    other_keys = tmp_path / "other-keys"
    again = truce(
        "init", "--scenario", SCENARIO_DIR, "--database", database_url, "--keys", other_keys
    )
    again.error(code=6, contains="already holds a mechanism")
    assert log_root(database_url) == (size, root)
    assert not other_keys.exists()


def test_the_demo_is_witnessed_by_every_members_witness(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    keys = tmp_path / "keys"
    done = truce(
        "init", "--scenario", SCENARIO_DIR, "--database", url, "--keys", keys, "--demo"
    ).ok()
    witnessed = re.findall(r"(\w+)'s witness cosigned the checkpoint of (\d+) entries", done.stdout)
    assert sorted(member for member, _ in witnessed) == ["AF", "PK", "QA", "TR"]
    size = int(witnessed[0][1])
    assert log_root(url)[0] == size
    assert (
        (keys / "af-witness-state" / "cosigned.txt")
        .read_text()
        .startswith("truce.example/istanbul-2025")
    )
    bundle = tmp_path / "bundle.json"
    truce("export", "--database", url, "--out", bundle, "--key", keys / "af-officer.key").ok()
    checked = truce("verify", bundle).ok()  # no --allow-unwitnessed: it is witnessed
    assert f"{size} entries" in checked.stdout
    assert "4 of 4 witnesses" in checked.stdout
    _new_acts_are_witnessed_while_served(url, keys, size)


def _cosigners(checkpoint: str) -> int:
    """How many witness cosignatures a served checkpoint note carries (its signature lines
    after the log's own)."""
    return sum(line.startswith("\u2014 ") for line in checkpoint.splitlines()) - 1


def _new_acts_are_witnessed_while_served(url: str, keys: Path, size: int) -> None:
    """``make run``'s way of serving (``scripts/serve-with-witnesses``): every member's
    witness runs beside the server, so an act posted now is cosigned by all four."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    env |= {
        "TRUCE": TRUCE,
        "WITNESS_INTERVAL": "1",
        "TRUCE_DATABASE_URL": url,
        "TRUCE_LOG_KEY_FILE": str(keys / "sec-log.key"),
    }
    served = subprocess.Popen(
        [ROOT / "scripts" / "serve-with-witnesses", keys, SCENARIO_DIR, "127.0.0.1", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while "serving on" not in (served.stdout.readline() if served.stdout else ""):
            assert served.poll() is None, "the server or a witness did not start"
            assert time.monotonic() < deadline, "the server did not start in time"
        # The demo ingested the project's two seed press reports: the press page has clusters.
        press = truce(
            "media", "clusters", "--server", base, "--key", keys / "pk-officer.key", "--json"
        ).ok()
        assert json.loads(press.stdout)["total"] >= 1
        truce(
            "statement",
            "publish",
            "--server",
            base,
            "--key",
            keys / "pk-officer.key",
            "--title",
            "Served",
            "--text",
            "Witnessed while served.",
        ).ok()
        cosigned = 0
        while time.monotonic() < deadline:
            checkpoint = httpx.get(f"{base}/log/v1/checkpoint", timeout=5).text
            tree_size = int(checkpoint.splitlines()[1])
            cosigned = _cosigners(checkpoint)
            if tree_size > size and cosigned == 4:
                break
            time.sleep(0.5)
        assert tree_size > size, checkpoint
        assert cosigned == 4, checkpoint
    finally:
        os.killpg(served.pid, signal.SIGTERM)
        served.wait(timeout=30)


def test_commands_on_an_empty_database_fail_in_one_line(database_url: str) -> None:
    """The database comes from ``TRUCE_DATABASE_URL``; PostgreSQL's errors span lines."""
    line = truce("log", "root", database=database_url).error(code=6)
    assert "database error" in line or "run truce init first" in line


# -- log ------------------------------------------------------------------------------------


def test_log_commands_print_roots_entries_and_proofs(mechanism: Mechanism) -> None:
    url = mechanism.url
    with mechanism.db.read() as connection:
        store = LogStore(connection)
        head = store.head()
        leaf_hashes = [store.leaf_hash(index) for index in range(head.size)]
    tree = merkle.MerkleTree(leaf_hashes)
    size = head.size
    assert size >= 3

    assert log_root(url) == (size, head.root)
    first = log_root(url, "--size", "1")
    assert first == (1, tree.root(1))
    assert first[1] != head.root

    listed = truce("log", "entries", "--start", "0", "--end", "2", database=url).ok()
    lines = listed.stdout.splitlines()
    assert len(lines) == 3
    for expected_index, line in enumerate(lines):
        index, leaf_hash, leaf = line.split(" ", 2)
        assert int(index) == expected_index
        assert leaf_hash == merkle.hash_leaf(leaf.encode()).hex()
        assert leaf_hash == leaf_hashes[expected_index].hex()

    inclusion = truce("log", "prove", "--index", "1", "--size", str(size), database=url).ok()
    heading, *nodes = inclusion.stdout.splitlines()
    assert heading.endswith("verified"), heading
    merkle.verify_inclusion(
        leaf_hashes[1], 1, size, [base64.b64decode(node) for node in nodes], head.root
    )

    consistency = truce("log", "prove", "--first", "1", "--second", str(size), database=url).ok()
    heading, *nodes = consistency.stdout.splitlines()
    assert heading.endswith("verified"), heading
    merkle.verify_consistency(
        1, size, tree.root(1), head.root, [base64.b64decode(node) for node in nodes]
    )


def test_bad_log_arguments_fail_in_one_line(mechanism: Mechanism) -> None:
    with mechanism.db.read() as connection:
        size = str(LogStore(connection).head().size)
    cases: list[tuple[tuple[str, ...], str]] = [
        (("prove", "--index", size, "--size", size), f"index {size} is outside"),
        (("prove", "--first", "5", "--second", "2"), "outside"),
        (("prove",), "--index"),
        (("entries", "--start", "5", "--end", "2"), "before start"),
        (("entries", "--start", "10000"), "beyond the log's size"),
    ]
    for args, contains in cases:
        truce("log", *args, database=mechanism.url).error(code=2, contains=contains)


# -- rebuild --------------------------------------------------------------------------------


def test_rebuild_recreates_the_projections(mechanism: Mechanism) -> None:
    statement = mechanism.act("pk-officer")
    mechanism.admission.submit(statement)
    with mechanism.db.read() as connection:
        before = projections.snapshot(connection)
        size = LogStore(connection).head().size
    assert len(before["acts"]) == size

    done = truce("rebuild", "--database", mechanism.url).ok()
    assert f"from {size} entries" in done.stdout
    with mechanism.db.read() as connection:
        assert projections.snapshot(connection) == before

    with mechanism.db.write() as connection:
        connection.execute(delete(Act))
        connection.execute(delete(DelegateKey))
    with mechanism.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(Act)).scalar_one() == 0
        assert projections.snapshot(connection) != before

    truce("rebuild", "--database", mechanism.url).ok()
    with mechanism.db.read() as connection:
        assert projections.snapshot(connection) == before


# -- keygen ---------------------------------------------------------------------------------


def test_keygen_writes_a_private_key_file_once(tmp_path: Path) -> None:
    key_file = tmp_path / "pk-x.key"
    args = ("keygen", "--out", key_file, "--member", "PK", "--delegate", "pk-x")
    made = truce(*args, "--role", "officer").ok()
    assert re.search(r"public key [A-Za-z0-9_-]{43}\b", made.stdout), made.stdout
    assert mode(key_file) == 0o600
    content = key_file.read_bytes()

    truce(*args, "--role", "officer").error(contains="never overwritten")
    assert key_file.read_bytes() == content

    refused = tmp_path / "admiral.key"
    truce(
        "keygen", "--out", refused, "--member", "PK", "--delegate", "pk-x", "--role", "admiral"
    ).error(code=2, contains="admiral")
    assert not refused.exists()


# -- scenario check -------------------------------------------------------------------------


def test_scenario_check_passes_the_default_scenario_with_a_warning() -> None:
    checked = truce("scenario", "check", "scenarios/istanbul-2025/mechanism.toml").ok()
    assert "warning" in checked.stdout
    assert "demo.insecure_key_seed" in checked.stdout
    assert "ok (" in checked.stdout
    assert checked.stderr.strip() == ""


def _first_line(lines: list[str], prefix: str) -> int:
    """The 0-based number of the first line starting with ``prefix``."""
    return next(n for n, line in enumerate(lines) if line.startswith(prefix))


def test_scenario_check_lists_each_problem_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "mechanism.toml"
    lines = SCENARIO_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    lat = _first_line(lines, "lat = ")
    lines[lat] = "lat = 123.4\n"
    binds = _first_line(lines, "binds = ")
    lines[binds] = 'binds = ["PK", "XX"]\n'
    broken.write_text("".join(lines), encoding="utf-8")

    checked = truce("scenario", "check", broken, cwd=tmp_path)
    assert checked.code != 0
    assert "Traceback" not in checked.stderr, checked.stderr
    errors = checked.stderr.strip().splitlines()
    assert len(errors) == 2, checked.stderr
    by_line = {line.split(": ", 1)[0]: line for line in errors}
    assert set(by_line) == {f"{broken}:{lat + 1}", f"{broken}:{binds + 1}"}, errors
    assert "lat" in by_line[f"{broken}:{lat + 1}"]
    assert "unknown member 'XX'" in by_line[f"{broken}:{binds + 1}"]
    assert all(": error: " in line for line in errors)
    assert "ok (" not in checked.stdout


def test_scenario_check_reports_incomplete_translations_without_failing(tmp_path: Path) -> None:
    shutil.copytree(SCENARIO_DIR, tmp_path / "s", ignore=shutil.ignore_patterns("demo"))
    po = tmp_path / "s" / "locale" / "tr" / "LC_MESSAGES" / "scenario.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Katar"', 'msgstr ""'), encoding="utf-8"
    )
    checked = truce("scenario", "check", tmp_path / "s", cwd=tmp_path).ok()
    assert f"{po}: warning: translations: 1 of " in checked.stdout
    assert "'Qatar'" in checked.stdout
    assert f"{tmp_path / 's' / 'locale' / 'ur' / 'LC_MESSAGES' / 'scenario.po'}: " in checked.stdout
    assert "ok (2 warnings)" in checked.stdout


def test_scenario_messages_extracts_and_merges_the_catalogues(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(SCENARIO_DIR, folder, ignore=shutil.ignore_patterns("demo", "locale"))
    toml = folder / "mechanism.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('name = "Qatar"', 'name = "State of Qatar"'),
        encoding="utf-8",
    )
    made = truce("scenario", "messages", folder, "--locale", "ur", cwd=tmp_path).ok()
    assert (folder / "locale" / "scenario.pot").is_file()
    assert "0 of 110 translated, 110 to do" in made.stdout
    po = folder / "locale" / "ur" / "LC_MESSAGES" / "scenario.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgid "State of Qatar"' in text
    po.write_text(
        text.replace('msgid "Pakistan"\nmsgstr ""', 'msgid "Pakistan"\nmsgstr "پاکستان"'),
        encoding="utf-8",
    )
    again = truce("scenario", "messages", folder, cwd=tmp_path).ok()
    assert "ur/LC_MESSAGES/scenario.po: 1 of 110 translated, 109 to do" in again.stdout
    assert 'msgstr "پاکستان"' in po.read_text(encoding="utf-8")
    assert "ar/LC_MESSAGES/scenario.po: 0 of 110" in again.stdout
    truce("scenario", "messages", tmp_path / "nowhere", cwd=tmp_path).error(
        code=2, contains="not a scenario folder"
    )
    truce("scenario", "messages", folder, "--locale", "zz_QQ", cwd=tmp_path).error(
        code=2, contains="not a known locale"
    )


def test_scenario_check_of_a_missing_file_fails(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    checked = truce("scenario", "check", missing, cwd=tmp_path)
    assert checked.code != 0
    assert "Traceback" not in checked.stderr
    assert len(checked.stderr.strip().splitlines()) == 1
    assert checked.stderr.startswith(f"{missing}: error:")


def test_usage_errors_fail_in_one_line(tmp_path: Path) -> None:
    truce("keygen", "--out", tmp_path / "k.key").error(code=2, contains="--member")
    truce("log", "prove", "--index", "one").error(code=2, contains="--index")


def test_reading_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "absent.db"
    truce("log", "root", "--database", f"sqlite:///{missing}").error(
        code=6, contains="run truce init first"
    )
    assert not missing.exists()


def test_truce_alone_prints_the_help_and_exits_2() -> None:
    run = truce()
    assert run.code == 2
    assert "Usage" in run.stdout + run.stderr
    assert "error:" not in run.stderr


def test_scenario_list_gives_the_ids_commands_take() -> None:
    places = truce("scenario", "list", "places", "--scenario", SCENARIO_DIR).ok().stdout
    assert "angoor-adda" in places
    assert "barmal-district" in places
    clauses = truce("scenario", "list", "clauses", "--scenario", SCENARIO_DIR).ok().stdout
    assert "C5" in clauses
    types = truce("scenario", "list", "types", "--scenario", SCENARIO_DIR).ok().stdout
    assert "air_or_drone_strike" in types
    casualties = truce("scenario", "list", "casualties", "--scenario", SCENARIO_DIR).ok().stdout
    assert "police_levies" in casualties
    assert "--missing" in casualties
    truce("scenario", "list", "nope", "--scenario", SCENARIO_DIR).error(contains="list one of")


def test_the_scenario_lists_are_commands_of_their_own_and_speak_json() -> None:
    members = json.loads(truce("members", "--scenario", SCENARIO_DIR, "--json").ok().stdout)
    assert {m["code"]: m["kind"] for m in members} == {
        "PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator", "SEC": "secretariat",
    }  # fmt: skip
    places = json.loads(truce("places", "--scenario", SCENARIO_DIR, "--json").ok().stdout)
    assert {"id", "name", "kind", "province", "country"} == set(places[0])
    assert "angoor-adda" in {place["id"] for place in places}
    assert truce("places", "--scenario", SCENARIO_DIR).ok().stdout == (
        truce("scenario", "list", "places", "--scenario", SCENARIO_DIR).ok().stdout
    )
    types = json.loads(truce("types", "--scenario", SCENARIO_DIR, "--json").ok().stdout)
    assert "air_or_drone_strike" in {kind["id"] for kind in types}
    clauses = json.loads(truce("clauses", "--scenario", SCENARIO_DIR, "--json").ok().stdout)
    assert "C5" in {clause["id"] for clause in clauses}
