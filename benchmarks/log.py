"""Benchmarks of the log, each figure printed beside a baseline measured in the same run.

Run from the repository root::

    .venv/bin/python benchmarks/log.py                                   # full run, SQLite
    scripts/with-postgres .venv/bin/python benchmarks/log.py             # and PostgreSQL
    .venv/bin/python benchmarks/log.py --entries 100000 --acts 5000      # quick run

What is measured:

1. **Raw Ed25519 verify rate** of this machine, one core (pyca/cryptography, 64-byte
   signatures over 400-byte messages, the public key already loaded). It is the baseline
   of the import figure: admission cannot be faster than checking the signatures.
2. **Batched import**: a fresh istanbul-2025 mechanism, acts pre-signed by four demo
   delegates outside the timed region, then ``Admission.submit_many`` over batches (every
   check: shape, digest, time, key registry, signature, role, replay, projections, log
   entries and Merkle nodes, commit). Appends/s beside the raw verify rate.
3. **Proof latency** on a log of ``--entries`` synthetic leaves written straight through
   ``LogStore.append``: median and p99 of ``inclusion_proof`` and ``consistency_proof``
   for random index/size pairs, each call in its own read transaction as the API does,
   beside a trivial single-row primary-key SELECT in its own read transaction. A sample
   of the proofs is verified against ``LogStore.root``. The build time is printed beside
   the time to hash the same leaves into an in-memory ``merkle.Frontier``, and the
   database size beside the bytes of leaves and hashes it holds.

PostgreSQL is measured too when ``--postgres-url`` or ``TRUCE_TEST_POSTGRES_URL`` gives
an admin URL (``scripts/with-postgres`` exports one); throwaway databases are created
and dropped. ``--profile`` adds a cProfile of the SQLite import path.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import event, func, select, text

from truce.errors import ProofError
from truce.ledger import merkle
from truce.ledger.envelope import SignedAct, sign_act
from truce.ledger.keys import KeyFile
from truce.log.admission import Admission, parse_submission
from truce.log.setup import initialise, scenario_path
from truce.log.store import LogStore
from truce.scenario.rules import load_scenario
from truce.storage import schema
from truce.storage.db import Database
from truce.storage.models import LogEntry, LogNode
from truce.storage.scratch import postgres_database

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios" / "istanbul-2025"
DELEGATES = ("pk-officer", "af-officer", "tr-officer", "qa-officer")
IMPORT_TARGET = 0.5  # appends/s as a fraction of the raw verify rate
PROOF_TARGET_MS = 5.0  # median proof latency
VERIFY_MESSAGE_BYTES = 400

# Wide enough for the summary table when the output goes to a file or a pipe.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)


# --------------------------------------------------------------------------- helpers


@dataclass
class Row:
    """One line of the summary table."""

    figure: str
    value: str
    baseline: str
    ratio: str
    target: str
    passed: bool | None = None


@dataclass
class Report:
    """Everything measured in this run, in the order it was measured."""

    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)


def progress_bar() -> Progress:
    """A rich progress display for one long step."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def rate(value: float) -> str:
    return f"{value:,.0f}/s"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def size_text(count: int) -> str:
    return f"{count / 2**20:,.1f} MiB"


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (``fraction`` in 0..1)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def fixed_clock() -> Callable[[], datetime]:
    """A clock stopped at the start of the run, so that every act is dated alike."""
    now = datetime.now(UTC).replace(microsecond=0)
    return lambda: now


# --------------------------------------------------------------------------- 1. verify


def measure_verify_rate(seconds: float) -> float:
    """Ed25519 verifies per second on one core, with the public key already loaded."""
    private = Ed25519PrivateKey.generate()
    verify = private.public_key().verify
    messages = [os.urandom(VERIFY_MESSAGE_BYTES) for _ in range(64)]
    pairs = [(private.sign(message), message) for message in messages]
    count = 0
    with progress_bar() as progress:
        task = progress.add_task("Raw Ed25519 verify", total=round(seconds * 10))
        start = now = perf_counter()
        deadline = start + seconds
        while now < deadline:
            for signature, message in pairs:
                verify(signature, message)
            count += len(pairs)
            now = perf_counter()
            progress.update(task, completed=min(round((now - start) * 10), round(seconds * 10)))
    return count / (now - start)


# --------------------------------------------------------------------------- 2. import


@dataclass
class ImportResult:
    acts: int
    seconds: float
    batches: int
    signing_bytes: float
    sign_seconds: float

    @property
    def rate(self) -> float:
        return self.acts / self.seconds


def sign_statements(
    keys_dir: Path, mechanism: str, count: int, clock: Callable[[], datetime]
) -> list[SignedAct]:
    """``count`` statements with unique bodies, signed in turn by the demo officers."""
    key_files = [KeyFile.load(keys_dir / f"{name}.key") for name in DELEGATES]
    at = clock()
    acts: list[SignedAct] = []
    with progress_bar() as progress:
        task = progress.add_task("Pre-signing acts (untimed)", total=count)
        for number in range(count):
            key_file = key_files[number % len(key_files)]
            body = {
                "title": f"Statement {number} of the benchmark",
                "text": (
                    f"Statement {number}: the ceasefire held along the border overnight; "
                    "no violation was reported at any crossing point."
                ),
                "language": "en",
            }
            acts.append(
                sign_act(
                    kind="statement.publish",
                    mechanism=mechanism,
                    member=key_file.member,
                    delegate=key_file.delegate,
                    key=key_file.key,
                    body=body,
                    at=at,
                )
            )
            if number % 500 == 0:
                progress.update(task, completed=number)
        progress.update(task, completed=count)
    return acts


def prepare_mechanism(
    url: str, workdir: Path, count: int, clock: Callable[[], datetime]
) -> tuple[Database, list[SignedAct], float]:
    """Initialise the scenario at ``url``; return it with ``count`` pre-signed acts."""
    keys_dir = workdir / f"keys-{uuid.uuid4().hex[:8]}"
    initialise(url, SCENARIO_DIR, keys_dir, clock=clock)
    mechanism = load_scenario(scenario_path(SCENARIO_DIR)).mechanism.id
    started = perf_counter()
    signed = sign_statements(keys_dir, mechanism, count, clock)
    seconds = perf_counter() - started
    # Admit what a client would post: envelopes parsed afresh from their JSON form, with
    # nothing computed in advance by the signing side.
    acts = [parse_submission(act.to_dict()) for act in signed]
    return Database.from_url(url), acts, seconds


def submit_in_batches(
    db: Database,
    acts: Sequence[SignedAct],
    batch: int,
    clock: Callable[[], datetime],
    label: str,
    profiler: cProfile.Profile | None = None,
) -> float:
    """Submit ``acts`` in batches; return the seconds spent inside ``submit_many``."""
    admission = Admission(db, clock=clock)
    with db.read() as connection:
        before = LogStore(connection).head().size
    elapsed = 0.0
    with progress_bar() as progress:
        task = progress.add_task(label, total=len(acts))
        for start in range(0, len(acts), batch):
            chunk = acts[start : start + batch]
            if profiler is not None:
                profiler.enable()
            began = perf_counter()
            receipts = admission.submit_many(chunk)
            elapsed += perf_counter() - began
            if profiler is not None:
                profiler.disable()
            if [r.index for r in receipts] != list(
                range(before + start, before + start + len(chunk))
            ):
                raise AssertionError("submit_many returned unexpected indices")
            progress.update(task, advance=len(chunk))
    with db.read() as connection:
        after = LogStore(connection).head().size
    if after != before + len(acts):
        raise AssertionError(f"the log grew by {after - before}, not {len(acts)}")
    return elapsed


def run_import(url: str, workdir: Path, count: int, batch: int, label: str) -> ImportResult:
    """Measure batched admission of ``count`` acts into a fresh mechanism at ``url``."""
    clock = fixed_clock()
    db, acts, sign_seconds = prepare_mechanism(url, workdir, count, clock)
    try:
        seconds = submit_in_batches(db, acts, batch, clock, f"{label}: submit_many x{batch}")
    finally:
        db.dispose()
    signing = statistics.fmean(len(act.envelope.signing_bytes()) for act in acts[:100])
    return ImportResult(
        acts=count,
        seconds=seconds,
        batches=-(-count // batch),
        signing_bytes=signing,
        sign_seconds=sign_seconds,
    )


def report_import(report: Report, backend: str, result: ImportResult, verify_rate: float) -> None:
    ratio = result.rate / verify_rate
    console.print(
        f"  {backend} import: [bold]{rate(result.rate)}[/] appends "
        f"({result.acts:,} acts in {result.batches} batches, {result.seconds:.2f} s in "
        f"submit_many; signing took {result.sign_seconds:.1f} s untimed; "
        f"{result.signing_bytes:.0f}-byte signed envelopes)"
    )
    console.print(
        f"  baseline: raw verify {rate(verify_rate)} -> ratio [bold]{ratio:.2f}x[/] "
        f"(target >= {IMPORT_TARGET}x)"
    )
    report.add(
        Row(
            f"{backend} import (appends)",
            rate(result.rate),
            f"raw verify {rate(verify_rate)}",
            f"{ratio:.2f}x",
            f">= {IMPORT_TARGET}x verify",
            ratio >= IMPORT_TARGET,
        )
    )


# --------------------------------------------------------------------------- 3. proofs


def synthetic_leaf(index: int, size: int) -> bytes:
    """A unique leaf of ``size`` bytes (proofs depend only on leaf hashes)."""
    head = b'{"synthetic":%d,"pad":"' % index
    return head + b"x" * max(0, size - len(head) - 2) + b'"}'


@dataclass
class BuildResult:
    entries: int
    seconds: float
    memory_seconds: float
    stored_bytes: int
    payload_bytes: int
    root_matches: bool


def build_in_memory(entries: int, leaf_size: int) -> tuple[bytes, float]:
    """The root of the synthetic log hashed into a ``merkle.Frontier``, and the seconds."""
    frontier = merkle.Frontier.empty()
    with progress_bar() as progress:
        task = progress.add_task("Baseline: same leaves into merkle.Frontier", total=entries)
        started = perf_counter()
        for index in range(entries):
            frontier.append(merkle.hash_leaf(synthetic_leaf(index, leaf_size)))
            if index % 50_000 == 0:
                progress.update(task, completed=index)
        seconds = perf_counter() - started
        progress.update(task, completed=entries)
    return frontier.root(), seconds


def build_log(db: Database, entries: int, leaf_size: int, chunk: int, label: str) -> float:
    """Write ``entries`` synthetic leaves through ``LogStore.append``; return the seconds."""
    started = perf_counter()
    schema.upgrade(db.engine)
    with db.write() as connection:
        LogStore(connection).initialise()
    with progress_bar() as progress:
        task = progress.add_task(f"{label}: LogStore.append x{chunk}", total=entries)
        for start in range(0, entries, chunk):
            leaves = []
            for index in range(start, min(entries, start + chunk)):
                leaf = synthetic_leaf(index, leaf_size)
                leaves.append((leaf, merkle.hash_leaf(leaf)))
            with db.write() as connection:
                LogStore(connection).append(leaves)
            progress.update(task, advance=len(leaves))
    return perf_counter() - started


def stored_size(db: Database, sqlite_file: Path | None) -> int:
    """Bytes the log takes: the SQLite file after a checkpoint, or the PostgreSQL tables."""
    if sqlite_file is not None:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = sqlite_file.with_name(sqlite_file.name + "-wal")
        return sqlite_file.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    with db.read() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT pg_total_relation_size('log_entries') "
                    "+ pg_total_relation_size('log_nodes')"
                )
            ).scalar_one()
        )


@dataclass
class Latencies:
    baseline: list[float]
    baseline_query: list[float]
    inclusion: list[float]
    consistency: list[float]
    statements: dict[str, float]
    verified_inclusion: int
    verified_consistency: int
    sample: int


def count_statements(db: Database, call: Callable[[], object], repeat: int = 3) -> float:
    """SQL statements SQLAlchemy sends per ``call`` (BEGIN and queries; not the PRAGMAs)."""
    seen = 0

    def listener(*_args: Any) -> None:
        nonlocal seen
        seen += 1

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for _ in range(repeat):
            call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen / repeat


def measure_proofs(
    db: Database,
    entries: int,
    args: argparse.Namespace,
    label: str,
) -> Latencies:
    """Time proofs and the trivial SELECT, interleaved, each in its own read transaction.

    Stops after ``args.pairs`` rounds or ``args.proof_budget`` seconds, whichever comes
    first, so that a slow store cannot stall the run; the count is reported.
    """
    rng = random.Random(args.seed)
    inclusion_args = []
    consistency_args = []
    point_args = []
    for _ in range(args.pairs):
        size = rng.randint(1, entries)
        inclusion_args.append((rng.randrange(size), size))
        second = rng.randint(1, entries)
        consistency_args.append((rng.randint(1, second), second))
        point_args.append(rng.randrange(entries))

    def point(index: int) -> None:
        with db.read() as connection:
            connection.execute(
                select(LogNode.hash).where(LogNode.level == 0, LogNode.idx == index)
            ).one()

    def inclusion(index: int, size: int) -> None:
        with db.read() as connection:
            LogStore(connection).inclusion_proof(index, size)

    def consistency(first: int, second: int) -> None:
        with db.read() as connection:
            LogStore(connection).consistency_proof(first, second)

    for number in range(min(10, args.pairs)):  # warm-up, untimed
        point(point_args[-1 - number])
        inclusion(*inclusion_args[-1 - number])
        consistency(*consistency_args[-1 - number])

    result = Latencies([], [], [], [], {}, 0, 0, 0)
    deadline = perf_counter() + args.proof_budget
    with progress_bar() as progress:
        task = progress.add_task(f"{label}: proofs and baseline", total=args.pairs)
        for number in range(args.pairs):
            began = perf_counter()
            point(point_args[number])
            middle = perf_counter()
            inclusion(*inclusion_args[number])
            after = perf_counter()
            consistency(*consistency_args[number])
            end = perf_counter()
            result.baseline.append(middle - began)
            result.inclusion.append(after - middle)
            result.consistency.append(end - after)
            progress.update(task, completed=number + 1)
            if end > deadline:
                break

    # The same SELECT inside one open transaction: what a round-trip costs without the
    # connection and transaction set-up.
    with db.read() as connection:
        for index in point_args:
            query = select(LogNode.hash).where(LogNode.level == 0, LogNode.idx == index)
            began = perf_counter()
            connection.execute(query).one()
            result.baseline_query.append(perf_counter() - began)

    result.statements = {
        "baseline": count_statements(db, lambda: point(point_args[0])),
        "inclusion": count_statements(db, lambda: inclusion(*inclusion_args[0])),
        "consistency": count_statements(db, lambda: consistency(*consistency_args[0])),
    }

    # Verify a sample of the proofs, each against roots read from the store; bounded by
    # a quarter of the budget (at least ten of each kind).
    deadline = perf_counter() + args.proof_budget / 4
    with db.read() as connection:
        store = LogStore(connection)
        for number in range(min(args.verify_sample, len(result.inclusion))):
            index, size = inclusion_args[number]
            leaf_hash = merkle.hash_leaf(synthetic_leaf(index, args.leaf_bytes))
            first, second = consistency_args[number]
            try:
                proof = store.inclusion_proof(index, size)
                merkle.verify_inclusion(leaf_hash, index, size, proof, store.root(size))
                result.verified_inclusion += 1
            except ProofError as error:
                console.print(f"  [red]inclusion proof {index}/{size} fails:[/] {error}")
            try:
                proof = store.consistency_proof(first, second)
                merkle.verify_consistency(
                    first, second, store.root(first), store.root(second), proof
                )
                result.verified_consistency += 1
            except ProofError as error:
                console.print(f"  [red]consistency proof {first}/{second} fails:[/] {error}")
            result.sample += 1
            if number >= 9 and perf_counter() > deadline:
                break
    return result


def run_proofs(
    db: Database,
    sqlite_file: Path | None,
    backend: str,
    args: argparse.Namespace,
    memory: tuple[bytes, float],
    report: Report,
) -> None:
    """Build the big log at ``db``, measure proof latency, and add the rows."""
    entries = args.entries
    seconds = build_log(db, entries, args.leaf_bytes, args.build_chunk, f"{backend}: build")
    if sqlite_file is None:
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    with db.read() as connection:
        store = LogStore(connection)
        head = store.head()
        nodes = connection.execute(select(func.count()).select_from(LogNode)).scalar_one()
        count = connection.execute(select(func.count()).select_from(LogEntry)).scalar_one()
    root, memory_seconds = memory
    build = BuildResult(
        entries=entries,
        seconds=seconds,
        memory_seconds=memory_seconds,
        stored_bytes=stored_size(db, sqlite_file),
        payload_bytes=count * (args.leaf_bytes + 32) + nodes * 32,
        root_matches=head.size == entries and head.root == root,
    )
    latencies = measure_proofs(db, entries, args, backend)

    build_ratio = build.seconds / build.memory_seconds
    size_ratio = build.stored_bytes / build.payload_bytes
    console.print(
        f"  {backend} build of {entries:,} entries ({args.leaf_bytes}-byte leaves, "
        f"{nodes:,} stored nodes): [bold]{build.seconds:.1f} s[/] "
        f"({rate(entries / build.seconds)}); baseline merkle.Frontier in memory "
        f"{build.memory_seconds:.1f} s -> {build_ratio:.1f}x"
    )
    console.print(
        f"  {backend} size: [bold]{size_text(build.stored_bytes)}[/]; baseline leaves + "
        f"hashes {size_text(build.payload_bytes)} -> {size_ratio:.2f}x; root "
        f"{'matches' if build.root_matches else '[red]DIFFERS from[/]'} the in-memory root"
    )
    report.add(
        Row(
            f"{backend} build, {entries:,} entries",
            f"{build.seconds:.1f} s",
            f"in-memory Frontier {build.memory_seconds:.1f} s",
            f"{build_ratio:.1f}x",
            "root = in-memory root",
            build.root_matches,
        )
    )
    report.add(
        Row(
            f"{backend} log size",
            size_text(build.stored_bytes),
            f"leaves + hashes {size_text(build.payload_bytes)}",
            f"{size_ratio:.2f}x",
            "-",
        )
    )

    timed = len(latencies.inclusion)
    console.print(
        f"  {backend}: {timed:,} random pairs timed"
        + ("" if timed == args.pairs else f" (the {args.proof_budget:g} s budget ran out)")
    )
    base_median = statistics.median(latencies.baseline)
    base_p99 = percentile(latencies.baseline, 0.99)
    query_median = statistics.median(latencies.baseline_query)
    console.print(
        f"  {backend} baseline, point SELECT in its own read transaction: median "
        f"{ms(base_median)}, p99 {ms(base_p99)} ({latencies.statements['baseline']:.0f} "
        f"statements); the SELECT alone in an open transaction: median {ms(query_median)}"
    )
    for name, values, verified in (
        ("inclusion_proof", latencies.inclusion, latencies.verified_inclusion),
        ("consistency_proof", latencies.consistency, latencies.verified_consistency),
    ):
        median = statistics.median(values)
        p99 = percentile(values, 0.99)
        console.print(
            f"  {backend} {name}: median [bold]{ms(median)}[/] "
            f"({median / base_median:.1f}x baseline), p99 {ms(p99)} "
            f"({p99 / base_p99:.1f}x baseline p99); "
            f"{latencies.statements[name.split('_')[0]]:.0f} statements per call; "
            f"{verified}/{latencies.sample} sampled proofs verified"
        )
        report.add(
            Row(
                f"{backend} {name.split('_')[0]} median",
                ms(median),
                f"point SELECT {ms(base_median)}",
                f"{median / base_median:.1f}x",
                f"< {PROOF_TARGET_MS:g} ms, {latencies.sample} verified",
                median * 1000 < PROOF_TARGET_MS and 0 < verified == latencies.sample,
            )
        )
        report.add(
            Row(
                f"{backend} {name.split('_')[0]} p99",
                ms(p99),
                f"point SELECT {ms(base_p99)}",
                f"{p99 / base_p99:.1f}x",
                "-",
            )
        )


# --------------------------------------------------------------------------- profile


def profile_import(workdir: Path, count: int, batch: int, top: int) -> None:
    """cProfile of ``submit_many`` on a fresh SQLite mechanism (timings are inflated)."""
    clock = fixed_clock()
    url = f"sqlite:///{workdir / 'profile.db'}"
    db, acts, _ = prepare_mechanism(url, workdir, count, clock)
    profiler = cProfile.Profile()
    try:
        seconds = submit_in_batches(
            db, acts, batch, clock, "Profiling SQLite submit_many", profiler
        )
    finally:
        db.dispose()
    console.print(
        f"  profiled: {count:,} acts in {seconds:.2f} s ({rate(count / seconds)} under cProfile)"
    )
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        console.rule(f"cProfile of submit_many, by {order}")
        console.print(stream.getvalue(), markup=False, highlight=False)


# --------------------------------------------------------------------------- main


def summary(report: Report) -> None:
    table = Table(title="truce log benchmark: summary", show_lines=False)
    for column in ("figure", "value", "baseline", "ratio", "target"):
        table.add_column(column, justify="left" if column in ("figure", "target") else "right")
    table.add_column("pass/fail", justify="center")
    for row in report.rows:
        verdict = (
            "-" if row.passed is None else ("[green]pass[/]" if row.passed else "[red]FAIL[/]")
        )
        table.add_row(row.figure, row.value, row.baseline, row.ratio, row.target, verdict)
    console.print(table)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the proof log")
    parser.add_argument("--acts", type=int, default=20_000, help="acts to import per backend")
    parser.add_argument("--batch", type=int, default=1000, help="acts per submit_many call")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TRUCE_TEST_POSTGRES_URL"),
        help="admin URL of a PostgreSQL server (default: $TRUCE_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--pairs", type=int, default=2000, help="random proofs of each kind")
    parser.add_argument(
        "--proof-budget", type=float, default=120.0, help="seconds of proof timing per backend"
    )
    parser.add_argument("--verify-sample", type=int, default=200, help="proofs to verify")
    parser.add_argument("--verify-seconds", type=float, default=3.0, help="verify baseline")
    parser.add_argument("--leaf-bytes", type=int, default=400, help="synthetic leaf size")
    parser.add_argument("--build-chunk", type=int, default=50_000, help="leaves per append")
    parser.add_argument("--seed", type=int, default=6962, help="seed of the random pairs")
    parser.add_argument("--workdir", type=Path, default=None, help="temp folder parent")
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile of the SQLite import"
    )
    parser.add_argument("--profile-acts", type=int, default=5000, help="acts to profile")
    parser.add_argument("--profile-top", type=int, default=30, help="profile rows to print")
    parser.add_argument(
        "--skip", choices=("import", "proofs"), action="append", default=[], help="skip a part"
    )
    args = parser.parse_args(argv)
    if args.entries < 2 or args.acts < 1 or args.batch < 1 or args.pairs < 1:
        parser.error("--entries must be at least 2; --acts, --batch and --pairs at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report()
    postgres: str | None = args.postgres_url
    started = perf_counter()
    console.rule("truce log benchmark")
    console.print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at start; entries={args.entries:,} "
        f"acts={args.acts:,} batch={args.batch} pairs={args.pairs}; PostgreSQL: "
        f"{'yes' if postgres else 'no (give --postgres-url or use scripts/with-postgres)'}"
    )
    with tempfile.TemporaryDirectory(prefix="truce-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)

        console.rule("1. Raw Ed25519 verify rate (baseline)")
        verify_rate = measure_verify_rate(args.verify_seconds)
        console.print(
            f"  [bold]{rate(verify_rate)}[/] verifies on one core "
            f"({VERIFY_MESSAGE_BYTES}-byte messages)"
        )
        report.add(
            Row("raw Ed25519 verify, 1 core", rate(verify_rate), "(is the baseline)", "1.00x", "-")
        )

        if "import" not in args.skip:
            console.rule("2. Batched import through Admission.submit_many")
            result = run_import(
                f"sqlite:///{workdir / 'import.db'}", workdir, args.acts, args.batch, "SQLite"
            )
            report_import(report, "SQLite", result, verify_rate)
            if postgres:
                with postgres_database(postgres, "bench_import") as url:
                    result = run_import(url, workdir, args.acts, args.batch, "PostgreSQL")
                report_import(report, "PostgreSQL", result, verify_rate)

        if "proofs" not in args.skip:
            console.rule(f"3. Proof latency on a {args.entries:,}-entry log")
            memory = build_in_memory(args.entries, args.leaf_bytes)
            sqlite_file = workdir / "proofs.db"
            db = Database.from_url(f"sqlite:///{sqlite_file}")
            try:
                run_proofs(db, sqlite_file, "SQLite", args, memory, report)
            finally:
                db.dispose()
            sqlite_file.unlink()
            if postgres:
                with postgres_database(postgres, "bench_proofs") as url:
                    db = Database.from_url(url)
                    try:
                        run_proofs(db, None, "PostgreSQL", args, memory, report)
                    finally:
                        db.dispose()

        if args.profile:
            console.rule("Profile of the SQLite import path")
            profile_import(workdir, min(args.profile_acts, args.acts), args.batch, args.profile_top)

    console.rule("4. Summary")
    summary(report)
    console.print(f"Total run time {perf_counter() - started:.0f} s.")
    failed = [row.figure for row in report.rows if row.passed is False]
    if failed:
        console.print(f"[red]Below target:[/] {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
