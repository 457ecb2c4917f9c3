"""Load on ``POST /log/v1/acts`` over loopback, beside ``GET /healthz`` of the same server.

Run from the repository root::

    .venv/bin/python benchmarks/api.py                                  # SQLite
    scripts/with-postgres .venv/bin/python benchmarks/api.py            # and PostgreSQL
    .venv/bin/python benchmarks/api.py --lodges 500 --concurrency 8     # a quick run
    .venv/bin/python benchmarks/api.py --profile                        # where time goes

For each backend: a fresh istanbul-2025 demo mechanism (``truce.log.setup.initialise``;
PostgreSQL in a throwaway database created on the server of ``--postgres-url`` or
``TRUCE_TEST_POSTGRES_URL`` and dropped at the end), a real ``truce serve`` subprocess on
a free loopback port, ``--lodges`` ``case.lodge`` acts pre-signed by ``pk-officer`` and
``af-officer`` outside the timed region and turned into HTTP/1.1 request bytes, then
``--concurrency`` asyncio tasks, each on its own keep-alive connection, sending them with
each author's bearer token. ``GET /healthz`` of the same server is timed in the same run
with the same concurrency, as the baseline of what the HTTP stack and one read of the
log's head cost. Every
phase stops after ``--budget`` seconds even if unfinished. Each row also gives the CPU
time per request of the server's processes and of this load generator. Before the timed
phases, 200 health checks and 256 further lodges warm the server up (untimed), and the
generator's own garbage collector is held off while it times, so that neither a cold
cache nor the generator's pauses count as the server's latency.

Target (the issue): at least 500 lodges/s with p99 under 100 ms on a 2-core machine.

``--profile`` adds, on SQLite, a breakdown of a lodge's cost inside the server's code
(the group-commit path in batches of ``--profile-batch``: token lookup, checks,
projections, log append, checkpoint, receipts) measured by wrapping those functions,
and a cProfile of the same work, without HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import inspect
import io
import json
import os
import pstats
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy

from truce.storage.scratch import postgres_database

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios" / "istanbul-2025"
AUTHORS = (("pk-officer", "AF"), ("af-officer", "PK"))
TARGET_RATE = 500.0
TARGET_P99_MS = 100.0
WARM_UP_LODGES = 256


# -- acts -------------------------------------------------------------------------------


def lodge_body(accused: str, number: int) -> dict[str, Any]:
    return {
        "incident": {
            "type": "shelling",
            "occurred_at": "2025-11-06T10:30:00Z",
            "time_precision": "hour",
            "place": {"place_id": "spin-boldak", "precision": "approximate"},
            "actors": ["unidentified"],
            "killed": {"civilians": 1},
            "injured": {"civilians": 2},
        },
        "accused": {"member": accused},
        "clauses": ["C4"],
        "narrative": f"Shells struck homes (report {number}).",
        "language": "en",
    }


@dataclass
class Prepared:
    """The pre-signed lodges, as the bytes to post, with the header of their author."""

    requests: list[tuple[bytes, dict[str, str]]]
    signing_seconds: float


def prepare(keys_dir: Path, count: int) -> Prepared:
    from truce.ledger.envelope import sign_act
    from truce.ledger.keys import KeyFile

    started = time.perf_counter()
    authors = []
    for name, accused in AUTHORS:
        key_file = KeyFile.load(keys_dir / f"{name}.key")
        token = (keys_dir / f"{name}.token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        authors.append((key_file, headers, accused))
    requests = []
    now = datetime.now(UTC)
    for number in range(count):
        key_file, headers, accused = authors[number % len(authors)]
        act = sign_act(
            kind="case.lodge",
            mechanism="istanbul-2025",
            member=key_file.member,
            delegate=key_file.delegate,
            key=key_file.key,
            body=lodge_body(accused, number),
            at=now,
        )
        requests.append((json.dumps(act.to_dict()).encode(), headers))
    return Prepared(requests, time.perf_counter() - started)


# -- databases and the server -----------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def truce_script() -> str:
    beside = Path(sys.executable).with_name("truce")
    if not beside.exists():
        sys.exit("the truce console script is not installed beside this Python (pip install -e .)")
    return str(beside)


@dataclass
class Server:
    """A running ``truce serve``: where it answers, and the CPU time its processes used."""

    base_url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system time of the server process and its workers so far (Linux)."""
        total = 0.0
        pids = [self.pid]
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        if children.exists():
            pids += [int(child) for child in children.read_text().split()]
        for pid in pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


@contextlib.contextmanager
def serve(url: str, keys_dir: Path, workdir: Path, workers: int) -> Iterator[Server]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    env["TRUCE_DATABASE_URL"] = url
    env["TRUCE_LOG_KEY_FILE"] = str(keys_dir / "sec-log.key")
    log_path = workdir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        command = [truce_script(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        if workers > 1:
            command += ["--workers", str(workers)]
        process = subprocess.Popen(
            command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, cwd=workdir
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                sys.exit(f"truce serve exited early:\n{log_path.read_text(errors='replace')}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                sys.exit("truce serve did not answer /healthz within 180 s")
            time.sleep(0.1)
        yield Server(base_url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


# -- load -------------------------------------------------------------------------------


@dataclass
class Figures:
    """What one timed phase measured."""

    name: str
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


class Connection:
    """One keep-alive HTTP/1.1 connection that sends prepared bytes and reads the answer.

    The load generator shares the machine's cores with the server, so it must cost far
    less per request than the server does: requests are built once, before the timed
    region, and an answer is read by its Content-Length alone.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return int(head[9:12])


def http_request(method: str, path: str, body: bytes | None, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def load(
    base_url: str,
    name: str,
    requests: list[bytes],
    concurrency: int,
    budget: float,
) -> Figures:
    """Send ``requests`` over ``concurrency`` connections, each waiting for its answer.

    Bounded twice: by the number of requests and by ``budget`` seconds.
    """
    figures = Figures(name)
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    pending = iter(requests)
    connections = [
        Connection(*await asyncio.open_connection(host, int(port))) for _ in range(concurrency)
    ]
    # The load generator's own garbage collector would pause every connection at once
    # (40 to 100 ms for the prepared requests it holds), which would count as server
    # latency: it is held off for the timed phase, whose allocations are bounded.
    gc.collect()
    gc.freeze()
    gc.disable()
    cpu = time.process_time()
    started = time.perf_counter()
    stop_at = started + budget

    async def worker(connection: Connection) -> None:
        for request in pending:
            if time.perf_counter() >= stop_at:
                return
            sent = time.perf_counter()
            try:
                status = await connection.exchange(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                figures.errors += 1
                return
            figures.latencies.append(time.perf_counter() - sent)
            figures.statuses[status] = figures.statuses.get(status, 0) + 1

    await asyncio.gather(*(worker(connection) for connection in connections))
    figures.seconds = time.perf_counter() - started
    figures.client_cpu = time.process_time() - cpu
    gc.enable()
    gc.unfreeze()
    for connection in connections:
        connection.writer.close()
    figures.sent = len(figures.latencies) + figures.errors
    return figures


def measure(
    server: Server, prepared: Prepared, health_count: int, concurrency: int, budget: float
) -> list[Figures]:
    base_url = server.base_url
    health = [http_request("GET", "/healthz", None, {})] * health_count
    lodges = [
        http_request("POST", "/log/v1/acts", body, headers) for body, headers in prepared.requests
    ]
    # Warm-up, untimed: the first requests of each kind fill the server's caches
    # (compiled SQL statements, the scenario) as any server in service has them.
    warm_up, lodges = lodges[:WARM_UP_LODGES], lodges[WARM_UP_LODGES:]
    asyncio.run(load(base_url, "warm-up", health[:200], concurrency, budget))
    asyncio.run(load(base_url, "warm-up", warm_up, concurrency, budget))
    before = httpx.get(f"{base_url}/api/v1/mechanism").json()["log"]["size"]
    figures = []
    for name, requests in (
        ("GET /healthz", health),
        ("POST /log/v1/acts (case.lodge)", lodges),
    ):
        cpu = server.cpu_seconds()
        phase = asyncio.run(load(base_url, name, requests, concurrency, budget))
        phase.server_cpu = server.cpu_seconds() - cpu
        figures.append(phase)
    after = httpx.get(f"{base_url}/api/v1/mechanism").json()["log"]["size"]
    accepted = figures[1].statuses.get(201, 0)
    if after - before != accepted:
        sys.exit(f"the log grew by {after - before} entries, but {accepted} acts were accepted")
    return figures


def row(backend: str, workers: int, concurrency: int, figures: Figures) -> str:
    statuses = ",".join(f"{code}:{count}" for code, count in sorted(figures.statuses.items()))
    errors = f" transport errors:{figures.errors}" if figures.errors else ""
    done = max(1, len(figures.latencies))
    return (
        f"| {backend} | {workers} | {concurrency} | {figures.name} | {figures.sent} | "
        f"{figures.rate:8.1f} | {figures.percentile(0.50):7.1f} | "
        f"{figures.percentile(0.99):7.1f} | {figures.server_cpu / done * 1000:6.2f} | "
        f"{figures.client_cpu / done * 1000:6.2f} | {statuses}{errors} |"
    )


# -- the breakdown under --profile ------------------------------------------------------


class Timers:
    """Wall time accumulated in wrapped functions, per label."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, attribute)
        timers = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timers.totals[label] = timers.totals.get(label, 0.0) + time.perf_counter() - started
                timers.calls[label] = timers.calls.get(label, 0) + 1

        static = isinstance(inspect.getattr_static(owner, attribute), staticmethod)
        setattr(owner, attribute, staticmethod(timed) if static else timed)


def breakdown(url: str, keys_dir: Path, count: int, batch: int) -> str:
    """Per-lodge cost of the server's parts, in process, without HTTP, then a cProfile.

    The lodges go through the group-commit path (``admit_each``) in batches of ``batch``,
    with their bearer tokens, as the writer thread of ``truce serve`` admits them.
    """
    from truce.log import admission as admission_module
    from truce.log import batching, checkpoints, projections
    from truce.log.admission import Admission
    from truce.log.batching import Submission, admit_each
    from truce.log.checkpoints import LogSigner
    from truce.log.store import LogStore
    from truce.storage.db import Database

    db = Database.from_url(url)
    admission = Admission(
        db,
        signer=LogSigner.from_key_file(
            admission_module.Admission(db).mechanism().scenario, keys_dir / "sec-log.key"
        ),
    )
    timers = Timers()
    timers.wrap(Admission, "_check", "checks (shape, time, key, signature, role, workflow)")
    timers.wrap(Admission, "_record", "projections + log append (Merkle nodes)")
    timers.wrap(projections, "apply", "  of which projection handlers")
    timers.wrap(Admission, "_sign", "checkpoint signing + insert (once per batch)")
    timers.wrap(checkpoints, "fresh_receipts", "receipts (from the subtrees the batch holds)")
    timers.wrap(batching, "identify_all", "token lookup, one query per batch (with BEGIN)")
    timers.wrap(LogStore, "logged", "replay lookup")
    timers.wrap(admission_module, "load_submission_bytes", "parse posted bytes (strict JSON)")
    prepared = prepare(keys_dir, 2 * count)
    statements: list[str] = []

    @sqlalchemy.event.listens_for(db.engine, "before_cursor_execute")
    def count_statement(*args: Any) -> None:
        statements.append(str(args[2]).split(None, 1)[0].upper())

    def run(requests: list[tuple[bytes, dict[str, str]]]) -> None:
        for start in range(0, len(requests), batch):
            submissions = [
                Submission(
                    admission_module.load_submission_bytes(body),
                    token=headers["Authorization"].split(" ", 1)[1],
                )
                for body, headers in requests[start : start + batch]
            ]
            outcomes = admit_each(admission, submissions)
            refused = [o for o in outcomes if isinstance(o, Exception)]
            if refused:
                sys.exit(f"a lodge was refused: {refused[0]}")

    statements.clear()
    started = time.perf_counter()
    run(prepared.requests[:count])
    elapsed = time.perf_counter() - started
    batches = -(-count // batch)
    kinds = {kind: statements.count(kind) for kind in sorted(set(statements))}
    lines = [
        f"in process, batches of {batch}, no HTTP: {count} lodges in {elapsed:.2f} s = "
        f"{count / elapsed:.0f}/s ({elapsed / count * 1000:.2f} ms each)",
        f"SQL statements per batch: {len(statements) / batches:.1f} ("
        + ", ".join(f"{kind} {number / batches:.1f}" for kind, number in kinds.items())
        + ")",
        "",
        "| part | ms per lodge | share |",
        "|---|---|---|",
    ]
    for label, total in sorted(timers.totals.items(), key=lambda item: -item[1]):
        lines.append(f"| {label} | {total / count * 1000:.3f} | {total / elapsed:.0%} |")
    profiler = cProfile.Profile()
    profiler.enable()
    run(prepared.requests[count:])
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    db.dispose()
    return "\n".join(lines) + "\n\ncProfile (tottime, top 25):\n" + out.getvalue()


# -- main -------------------------------------------------------------------------------


def run_backend(backend: str, url: str, args: argparse.Namespace, workdir: Path) -> list[str]:
    from truce.log.setup import initialise

    keys_dir = workdir / f"keys-{backend}-{uuid.uuid4().hex[:6]}"
    initialise(url, SCENARIO_DIR, keys_dir)
    prepared = prepare(keys_dir, WARM_UP_LODGES + args.lodges)
    print(
        f"{backend}: {args.lodges} lodges signed in {prepared.signing_seconds:.2f} s (untimed)",
        file=sys.stderr,
    )
    rows = []
    with serve(url, keys_dir, workdir, args.workers) as server:
        for figures in measure(server, prepared, args.health, args.concurrency, args.budget):
            rows.append(row(backend, args.workers, args.concurrency, figures))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lodges", type=int, default=2000, help="case.lodge acts to send")
    parser.add_argument("--health", type=int, default=2000, help="GET /healthz requests")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="truce serve --workers")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per phase, at most")
    parser.add_argument("--postgres-url", default=os.environ.get("TRUCE_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated; PostgreSQL only where --postgres-url is given",
    )
    parser.add_argument("--profile", action="store_true", help="add a breakdown on SQLite")
    parser.add_argument("--profile-lodges", type=int, default=500)
    parser.add_argument("--profile-batch", type=int, default=32, help="acts per batch")
    args = parser.parse_args()

    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}, load average at start: {load_average:.2f}", file=sys.stderr)
    rows = [
        "| backend | workers | clients | request | sent | per s | p50 ms | p99 ms "
        "| server CPU ms/req | client CPU ms/req | statuses |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="truce-bench-api-") as folder:
        workdir = Path(folder)
        backends = set(args.backends.split(","))
        if "sqlite" in backends:
            rows += run_backend("sqlite", f"sqlite:///{workdir / 'bench.db'}", args, workdir)
        if args.postgres_url and "postgresql" in backends:
            with postgres_database(args.postgres_url, "bench_api") as url:
                rows += run_backend("postgresql", url, args, workdir)
        print("\n".join(rows))
        print(
            f"\ntarget: >= {TARGET_RATE:.0f} lodges/s with p99 < {TARGET_P99_MS:.0f} ms "
            "(each lodge row above against it)"
        )
        if args.profile:
            url = f"sqlite:///{workdir / 'profile.db'}"
            keys_dir = workdir / "keys-profile"
            from truce.log.setup import initialise

            initialise(url, SCENARIO_DIR, keys_dir)
            print("\n" + breakdown(url, keys_dir, args.profile_lodges, args.profile_batch))


if __name__ == "__main__":
    main()
