"""``truce serve`` for real: a uvicorn subprocess on a loopback port, spoken to over HTTP."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.mechanism import SCENARIO_DIR, Mechanism
from truce.domain.scenario import load_scenario
from truce.ledger import merkle
from truce.ledger.checkpoint import log_verifier, open_checkpoint
from truce.ledger.keys import PublicKey

STARTUP_SECONDS = 60.0
STOP_SECONDS = 15.0


def _truce_script() -> str:
    beside = Path(sys.executable).with_name("truce")
    found = str(beside) if beside.exists() else shutil.which("truce")
    if found is None:
        pytest.fail("the truce console script is not installed (pip install -e .)")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running ``truce serve`` process and where its output goes."""

    process: subprocess.Popen[bytes]
    base_url: str
    stdout_path: Path
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """Terminate (SIGTERM), wait, kill if it will not stop; return the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_SECONDS)
        return int(self.process.returncode)


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error: Exception | None = None
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                pytest.fail(
                    f"truce serve exited with {server.process.returncode} before answering:\n"
                    f"{server.stderr()}"
                )
            try:
                response = client.get("/healthz")
            except httpx.TransportError as exc:
                last_error = exc
            else:
                if response.status_code == 200 and response.json() == {"status": "ok"}:
                    return
                last_error = RuntimeError(f"/healthz answered {response.status_code}")
            time.sleep(0.1)
    pytest.fail(
        f"truce serve did not answer /healthz within {STARTUP_SECONDS:.0f} s "
        f"({last_error!r}):\n{server.stderr()}"
    )


@pytest.fixture
def server(mechanism: Mechanism, tmp_path: Path) -> Iterator[Server]:
    """``truce serve`` over the initialised mechanism, stopped whatever happens."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    env["TRUCE_DATABASE_URL"] = mechanism.url
    env["TRUCE_LOG_KEY_FILE"] = str(mechanism.log_key_file)
    stdout_path = tmp_path / "serve.out"
    stderr_path = tmp_path / "serve.err"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = _start(env, port, stdout, stderr, tmp_path)
    running = Server(process, f"http://127.0.0.1:{port}", stdout_path, stderr_path)
    try:
        _wait_until_healthy(running)
        yield running
    finally:
        running.stop()


def _start(
    env: dict[str, str], port: int, stdout: IO[bytes], stderr: IO[bytes], cwd: Path
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [_truce_script(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=stdout,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
    )


def _checkpoint(client: httpx.Client) -> tuple[str, int, bytes]:
    response = client.get("/log/v1/checkpoint")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    scenario = load_scenario(SCENARIO_DIR)
    verifier = log_verifier(
        scenario.mechanism.origin, PublicKey.parse(scenario.mechanism.checkpoint_key)
    )
    opened, _ = open_checkpoint(response.content, verifier)
    return opened.origin, opened.size, opened.root


def _assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["type"] == f"/problems/{slug}"
    assert problem["status"] == status
    assert problem["detail"]
    return problem


def test_serve_answers_over_http(server: Server, mechanism: Mechanism) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        origin, size, root = _checkpoint(client)
        assert origin == mechanism.scenario.mechanism.origin
        assert size > 0

        act = mechanism.act(
            "pk-officer", body={"title": "t", "text": "over HTTP", "language": "en"}
        )
        headers = {"Authorization": f"Bearer {mechanism.token('pk-officer')}"}
        response = client.post("/log/v1/acts", json=act.to_dict(), headers=headers)
        assert response.status_code == 201, response.text
        receipt = response.json()
        assert receipt["index"] == size
        leaf_hash = bytes.fromhex(receipt["leaf_hash"])
        assert leaf_hash == merkle.hash_leaf(act.envelope.leaf_bytes())

        _, new_size, new_root = _checkpoint(client)
        assert new_size == size + 1
        proof = client.get(
            "/log/v1/proof/inclusion", params={"index": receipt["index"], "size": new_size}
        )
        assert proof.status_code == 200, proof.text
        audit_path = [base64.b64decode(node) for node in proof.json()["audit_path"]]
        merkle.verify_inclusion(leaf_hash, receipt["index"], new_size, audit_path, new_root)
        consistency = client.get(
            "/log/v1/proof/consistency", params={"first": size, "second": new_size}
        )
        merkle.verify_consistency(
            size,
            new_size,
            root,
            new_root,
            [base64.b64decode(node) for node in consistency.json()["consistency"]],
        )

        _assert_problem(
            client.post("/log/v1/acts", json=act.to_dict(), headers=headers), 409, "replayed-act"
        )
        _assert_problem(client.post("/log/v1/acts", json=act.to_dict()), 401, "unauthenticated")
        _assert_problem(
            client.get("/log/v1/proof/inclusion", params={"index": 0, "size": new_size + 1}),
            404,
            "not-found",
        )
        assert _checkpoint(client)[1:] == (new_size, new_root)

    # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught.
    assert server.stop() in (0, -signal.SIGTERM)
    log = server.stderr()
    assert "Finished server process" in log, log
    assert "Traceback" not in log, log
