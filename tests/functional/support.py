"""What the end-to-end tests share: the console script, real servers, delegations."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.mechanism import Mechanism

STARTUP_SECONDS = 60.0
STOP_SECONDS = 15.0


def truce_script() -> str:
    """The installed ``truce`` console script."""
    beside = Path(sys.executable).with_name("truce")
    found = str(beside) if beside.exists() else shutil.which("truce")
    if found is None:
        pytest.fail("the truce console script is not installed (pip install -e .)")
    return found


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def truce_env(**settings: str) -> dict[str, str]:
    """This process's environment without TRUCE_ settings, plus ``settings`` as TRUCE_*."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    env.update({f"TRUCE_{key.upper()}": value for key, value in settings.items()})
    return env


@dataclass
class Server:
    """A running ``truce serve`` and where its output goes."""

    process: subprocess.Popen[bytes]
    base_url: str
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


def serve(env: dict[str, str], cwd: Path, name: str = "serve") -> Server:
    """Start ``truce serve`` on a free loopback port and wait until it answers."""
    port = free_port()
    stderr_path = cwd / f"{name}.err"
    with (cwd / f"{name}.out").open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [truce_script(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
        )
    server = Server(process, f"http://127.0.0.1:{port}", stderr_path)
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error: Exception | None = None
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"truce serve exited with {process.returncode} before answering:\n"
                    f"{server.stderr()}"
                )
            try:
                response = client.get("/healthz")
            except httpx.TransportError as exc:
                last_error = exc
            else:
                if response.status_code == 200 and response.json()["status"] == "ok":
                    return server
                last_error = RuntimeError(f"/healthz answered {response.status_code}")
            time.sleep(0.1)
    server.stop()
    pytest.fail(
        f"truce serve did not answer /healthz within {STARTUP_SECONDS:.0f} s "
        f"({last_error!r}):\n{server.stderr()}"
    )


class Delegations:
    """Signs acts as demo delegates (dated by the clock) and posts them with their tokens."""

    def __init__(self, client: TestClient, mechanism: Mechanism) -> None:
        self.client = client
        self.mechanism = mechanism

    def headers(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mechanism.token(name)}"}

    def post(
        self,
        name: str,
        kind: str,
        body: dict[str, Any],
        refs: tuple[str, ...] = (),
        audience: Any = "all",
        expect: int = 201,
    ) -> dict[str, Any]:
        act = self.mechanism.act(name, kind, body, refs=refs, audience=audience)
        response = self.client.post("/log/v1/acts", json=act.to_dict(), headers=self.headers(name))
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    def get(self, name: str, path: str, expect: int = 200, **params: Any) -> Any:
        response = self.client.get(path, params=params, headers=self.headers(name))
        assert response.status_code == expect, response.text
        return response.json()
