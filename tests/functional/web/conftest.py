"""Browser tests: Debian's Chromium driven by Playwright against a real ``truce serve``.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` with flags
that keep it from reaching for the network (the machines that run these tests have
none). Without Chromium the tests are skipped, unless ``TRUCE_TEST_REQUIRE_BROWSER`` is
set (``make test`` sets it), in which case they fail.

Each module gets one browser and one server over its own copy of a ``truce init --demo``
database (SQLite), made once per session. Every page is opened in a context whose
requests to any host but 127.0.0.1 are aborted and recorded, so a test can assert that
nothing left the machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.functional.support import Server, serve, truce_env, truce_script
from tests.functional.web.browser import CHROMIUM, Browsing, launch

SCENARIO_DIR = Path(__file__).resolve().parents[3] / "scenarios" / "istanbul-2025"
VENDOR_DIR = Path(__file__).resolve().parents[3] / "src" / "truce" / "web" / "static" / "vendor"


def _require_browser() -> None:
    if CHROMIUM.exists():
        if not (VENDOR_DIR / "leaflet" / "leaflet.js").exists():
            pytest.fail("the front-end assets are not built: run `npm ci` and scripts/build-assets")
        return
    reason = f"{CHROMIUM} is missing (install Debian's chromium: scripts/ensure-system-deps)"
    if os.environ.get("TRUCE_TEST_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


ARTICLES = Path(__file__).resolve().parents[2] / "assets" / "articles"
PRESS = ("wire-2025-11-06-spin-boldak-firing.txt", "afghan-outlet-2025-11-08-mujahid-presser.html")


class Demo:
    """A ``truce serve`` over a fresh demo database, and the demo's keys folder."""

    def __init__(self, server: Server, keys_dir: Path, database_url: str, workdir: Path) -> None:
        self.server = server
        self.base_url = server.base_url
        self.keys_dir = keys_dir
        self.database_url = database_url
        self.workdir = workdir

    def stem(self, member: str, delegate: str) -> str:
        """The name of a delegate's files in the keys folder (``pk-root``, ``pk-officer``)."""
        return (
            delegate
            if delegate.startswith(f"{member.lower()}-")
            else f"{member.lower()}-{delegate}"
        )

    def password(self, member: str, delegate: str) -> str:
        path = self.keys_dir / f"{self.stem(member, delegate)}.password"
        return path.read_text(encoding="utf-8").strip()

    def token(self, member: str, delegate: str) -> str:
        path = self.keys_dir / f"{self.stem(member, delegate)}.token"
        return path.read_text(encoding="utf-8").strip()

    def truce(self, *args: str) -> str:
        """Run a ``truce`` command against this server's database; its standard output."""
        env = truce_env(
            database_url=self.database_url,
            keys_dir=str(self.keys_dir),
            log_key_file=str(self.keys_dir / "sec-log.key"),
        )
        done = subprocess.run(
            [truce_script(), *args],
            env=env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"truce {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
        return done.stdout


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a ``truce init --demo`` database (``truce.db``) and its ``keys``,
    into which two press reports of one event were ingested (so that the press pages show
    a cluster): made once per session, with the real commands, and copied per module."""
    _require_browser()
    workdir = tmp_path_factory.mktemp("web-demo-template")
    database_url = f"sqlite:///{workdir / 'truce.db'}"
    keys_dir = workdir / "keys"
    done = subprocess.run(
        [
            truce_script(),
            "init",
            "--scenario",
            str(SCENARIO_DIR),
            "--database",
            database_url,
            "--keys",
            str(keys_dir),
            "--demo",
        ],
        env=truce_env(),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    server = serve(_demo_env(database_url, keys_dir), workdir)
    try:
        Demo(server, keys_dir, database_url, workdir).truce(
            "ingest",
            "--server",
            server.base_url,
            "--key",
            str(keys_dir / "sec-clerk.key"),
            "--scenario",
            str(SCENARIO_DIR),
            *(str(ARTICLES / name) for name in PRESS),
        )
    finally:
        assert server.stop() in (0, -signal.SIGTERM), server.stderr()
    return workdir


def _demo_env(database_url: str, keys_dir: Path) -> dict[str, str]:
    return truce_env(
        database_url=database_url,
        keys_dir=str(keys_dir),
        log_key_file=str(keys_dir / "sec-log.key"),
        scenario_dir=str(SCENARIO_DIR),
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[Demo]:
    """A server over a copy of the session's demo database, stopped at the module's end."""
    workdir = tmp_path_factory.mktemp("web-demo")
    for name in ("truce.db", "truce.db-wal"):
        if (demo_template / name).exists():
            shutil.copyfile(demo_template / name, workdir / name)
    keys_dir = workdir / "keys"
    shutil.copytree(demo_template / "keys", keys_dir)
    database_url = f"sqlite:///{workdir / 'truce.db'}"
    server = serve(_demo_env(database_url, keys_dir), workdir)
    try:
        yield Demo(server, keys_dir, database_url, workdir)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browsing(demo: Demo) -> Iterator[Browsing]:
    """One Chromium for the module, opening offline pages on the demo server."""
    with launch() as browser:
        yield Browsing(browser, demo.base_url)
