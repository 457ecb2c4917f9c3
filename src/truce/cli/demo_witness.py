"""The demo's witnesses: each member's witness cosigns the new demo log, over real HTTP.

``truce init --demo`` ends here, so that the embedded default is witnessed by every
member's witness, as a live mechanism is: the new database is served on a loopback port
for the time it takes, and each member's :class:`~truce.log.witness.Witness` (with its
demo key ``<member>-witness.key`` and its state in ``<keys>/<member>-witness-state/``)
pins the genesis act against the scenario, checks that the newest checkpoint includes
it, and cosigns it through ``POST /log/v1/cosignatures``. A member may go on witnessing
from the same state folder with ``truce witness --state``.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from truce.app import create_app
from truce.config import Settings
from truce.errors import ConfigurationError
from truce.ledger.keys import KeyFile
from truce.log.witness import Outcome, Witness
from truce.scenario.rules import load_scenario

STARTUP_SECONDS = 30.0


def state_dir(keys_dir: Path, member: str) -> Path:
    """Where a member's demo witness keeps its state."""
    return keys_dir / f"{member.lower()}-witness-state"


def witness_demo(database_url: str, scenario_dir: Path, keys_dir: Path) -> dict[str, Outcome]:
    """Serve the database on loopback, have every member's demo witness cosign its newest
    checkpoint, stop serving; each member's outcome."""
    scenario = load_scenario(scenario_dir)
    witnesses = {
        member.code: keys_dir / f"{member.code.lower()}-witness.key"
        for member in scenario.members
        if (keys_dir / f"{member.code.lower()}-witness.key").exists()
    }
    settings = Settings(
        database_url=database_url,
        log_key_file=keys_dir / f"{scenario.secretariat.code.lower()}-log.key",
        clock_key_file=None,
    )
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread)
        outcomes: dict[str, Outcome] = {}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as client:
            for member, key_path in sorted(witnesses.items()):
                folder = state_dir(keys_dir, member)
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                runner = Witness(client, KeyFile.load(key_path), folder, scenario=scenario)
                outcomes[member] = runner.run_once()
        return outcomes
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        listener.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigurationError("the demo's server did not start for its witnesses")
        time.sleep(0.02)
