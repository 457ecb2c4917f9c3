"""A 300 MB body without a token, sent to a real ``truce serve``, costs it no memory.

The accounts routes once read a whole body before they authenticated: 300 MB sent with
no token raised the server's peak memory by 750 MB. Here each of them is sent 300 MB
(streamed in chunks, and once with its length declared) over a raw socket, and the
server's peak resident memory (``VmHWM`` of ``/proc/<pid>/status``, reset to the idle
figure first by writing 5 to ``/proc/<pid>/clear_refs``) must stay within a few MB of
what it was idle.
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.functional.support import Server, serve, truce_env
from tests.mechanism import Mechanism

BODY_BYTES = 300 * 1024 * 1024
CHUNK = 1024 * 1024
#: How much the server's peak memory may grow while it refuses all the bodies.
ALLOWED_GROWTH_KB = 8 * 1024

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/<pid>/status"
)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the memory is the server's, whatever its database."""
    return sqlite_url


def status_kb(pid: int, field: str) -> int:
    """A ``kB`` figure of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def reset_peak(pid: int) -> None:
    """Make ``VmHWM`` the current resident size (Linux 4.0 and later)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def send_body(server: Server, method: str, path: str, declare_length: bool) -> bytes:
    """Send ``BODY_BYTES`` to the server, without a token, until it answers or closes
    the connection; the start of its answer."""
    address = urlsplit(server.base_url)
    assert address.hostname is not None
    assert address.port is not None
    framing = f"Content-Length: {BODY_BYTES}" if declare_length else "Transfer-Encoding: chunked"
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {address.hostname}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode("ascii")
    chunk = b"x" * CHUNK
    framed = chunk if declare_length else f"{CHUNK:x}\r\n".encode() + chunk + b"\r\n"
    answer = b""
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(head)
        connection.setblocking(False)
        sent = 0
        while sent < BODY_BYTES:
            try:
                answer += connection.recv(65536)
            except BlockingIOError:
                pass
            except OSError:
                break
            if answer:
                break
            try:
                connection.sendall(framed)
            except BlockingIOError:
                time.sleep(0.001)
                continue
            except OSError:  # the server closed the connection: it read no further
                break
            sent += CHUNK
        connection.setblocking(True)
        if not declare_length and sent >= BODY_BYTES:
            connection.sendall(b"0\r\n\r\n")
        deadline = time.monotonic() + 30
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            try:
                more = connection.recv(65536)
            except OSError:
                break
            if not more:
                break
            answer += more
    return answer


def test_a_stranger_s_300_mb_body_does_not_grow_the_server(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    server = serve(
        truce_env(database_url=mechanism.url, log_key_file=str(mechanism.log_key_file)),
        tmp_path,
    )
    try:
        pid = server.process.pid
        # Warm up every path a refusal takes (parsing, problem+json, the database).
        for _ in range(3):
            send_body(server, "GET", "/healthz", declare_length=False)
        idle = status_kb(pid, "VmRSS")
        reset_peak(pid)
        answers = []
        for method, path in (
            ("POST", "/api/v1/accounts"),
            ("PUT", "/api/v1/accounts/PK/pk-officer/password"),
            ("POST", "/api/v1/accounts/PK/pk-officer/tokens"),
        ):
            for declare_length in (False, True):
                answer = send_body(server, method, path, declare_length)
                answers.append((method, path, declare_length, answer.split(b"\r\n", 1)[0]))
        peak = status_kb(pid, "VmHWM")
    finally:
        server.stop()
    for method, path, declared, status_line in answers:
        expected = b" 413 " if declared else b" 401 "
        assert expected in status_line, (method, path, declared, status_line)
    assert peak - idle < ALLOWED_GROWTH_KB, (
        f"idle {idle} kB, peak {peak} kB while refusing 6 bodies of {BODY_BYTES >> 20} MB"
    )
