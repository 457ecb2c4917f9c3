"""Benchmark of offline bundle verification and of a witness catching up.

Run from the repository root::

    .venv/bin/python benchmarks/verify.py                 # 1,000,000 acts
    .venv/bin/python benchmarks/verify.py --acts 100000   # quick run

What is measured, each figure beside a baseline measured in the same run:

1. **Raw Ed25519 verify rate** of each library on the machine, one core
   (pyca/cryptography with a fresh key object per call as threads need; PyNaCl's
   libsodium ``crypto_sign_open``; the same libsodium function called directly, as truce
   calls it; and truce's ``verify_raw``), ~400-byte messages. The fastest library's
   rate times the number of cores is the ceiling of any verifier on this machine.
2. **``truce verify``** of a real bundle of ``--acts`` signed acts (the istanbul-2025
   demo scenario as genesis, a few dozen registered delegate keys, statements signed by
   them, a checkpoint signed by the demo log key and cosigned by all four witnesses),
   run as the console script in a subprocess: acts per second beside the ceiling
   (target ≥ 85 %), where the raw rate is measured just before and just after the run
   and averaged (the machine may be shared), and the peak memory (target < 500 MB). The
   same ``truce verify`` picks forked worker processes for a bundle this large; the same
   bundle is then verified with worker threads instead, for comparison.
   The CPU time of the run (``wait4``: the process and the workers it waited for) per
   act, beside the CPU time of one raw verification, says how much of the work is the
   verifications themselves whatever else the machine runs.
   Peak memory is the largest sum of the PSS of the verifying process and its worker
   processes, sampled every 250 ms from ``/proc/PID/smaps_rollup``, beside the largest
   sum of their RSS (which counts the pages forked workers share with their parent
   once per process) and the process's own high-water mark (``VmHWM``).
   The bundle is written directly with :class:`truce.verify.bundle.BundleWriter`,
   every body beside its entry except those addressed to the mediators alone (the
   exporter is a party's officer); signing happens in worker processes.
3. **Witness catch-up**: a fresh SQLite mechanism (``truce.log.setup.initialise``)
   gets ``--witness-entries`` new entries through ``LogStore.append`` (the baseline is
   the time of that append and the signing of its checkpoint); then, against an
   in-process ``TestClient``, one witness fetches the checkpoint and the consistency
   proof, verifies both, cosigns, and posts its cosignature.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl import _sodium as sodium
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError
from rich.console import Console
from rich.table import Table

from truce.ledger import jcs
from truce.ledger.checkpoint import (
    Checkpoint,
    cosign,
    log_verifier,
    open_checkpoint,
    sign_checkpoint,
    witness_name,
)
from truce.ledger.envelope import sign_act
from truce.ledger.keys import PublicKey, SigningKey, demo_signing_key, verify_raw
from truce.ledger.merkle import Frontier, hash_leaf, verify_consistency
from truce.ledger.note import add_signature
from truce.scenario.rules import load_scenario
from truce.verify.bundle import (
    BundleWriter,
    make_manifest,
    manifest_bytes,
    read_members,
    readme_text,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "istanbul-2025"
OFFICERS_PER_MEMBER = 8
MEDIATOR_ONLY = 16
console = Console(highlight=False)

_UNSIGNED = (
    '{{"at":"{at}","audience":{audience},"author":{{"delegate":"{delegate}","key":"{key}",'
    '"member":"{member}"}},"body_digest":"sha256:{digest}","kind":"statement.publish",'
    '"mechanism":"{mechanism}","refs":[],"v":1}}'
)


def _body(number: int) -> bytes:
    return (
        f'{{"language":"en","text":"Patrol report {number}: the ceasefire holds along the '
        f'line.","title":"Report {number}"}}'
    ).encode()


def _mediators_only(number: int, period: int) -> bool:
    return number % period == 7


def _sign_range(
    start: int,
    end: int,
    signers: list[tuple[str, str, bytes]],
    mechanism: str,
    at: str,
    period: int,
) -> list[bytes]:
    """Statements ``start..end``: leaves, signed by the given (member, delegate, seed).

    Every ``period``-th statement is addressed to the mediators and signed by the last
    signer (a mediator's officer).
    """
    keys = [(m, d, SigningKey.from_seed(seed)) for m, d, seed in signers]
    leaves = []
    for number in range(start, end):
        mediators = _mediators_only(number, period)
        member, delegate, key = keys[-1] if mediators else keys[number % len(keys)]
        unsigned = _UNSIGNED.format(
            at=at,
            audience='"mediators"' if mediators else '"all"',
            delegate=delegate,
            key=key.key_id,
            member=member,
            digest=hashlib.sha256(_body(number)).hexdigest(),
            mechanism=mechanism,
        ).encode()
        sig = base64.urlsafe_b64encode(key.sign(unsigned)).rstrip(b"=")
        leaves.append(unsigned[:-6] + b'"sig":"' + sig + b'","v":1}')
    return leaves


def build_bundle(path: Path, acts: int, workers: int) -> tuple[int, bytes]:
    """Write a real bundle of ``acts`` acts; return its size and root."""
    scenario = load_scenario(SCENARIO / "mechanism.toml")
    assert scenario.demo is not None
    seed = scenario.demo.insecure_key_seed
    mechanism, origin = scenario.mechanism.id, scenario.mechanism.origin
    at = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    secretariat = scenario.secretariat
    genesis_body = scenario.model_dump(mode="json")
    head_acts = [
        sign_act(
            kind="mechanism.genesis",
            mechanism=mechanism,
            member=secretariat.code,
            delegate="root",
            key=demo_signing_key(seed, secretariat.code),
            body=genesis_body,
            at=at,
        )
    ]
    signers: list[tuple[str, str, bytes]] = []
    witnesses: dict[str, SigningKey] = {}
    for member in scenario.witnesses:
        root = demo_signing_key(seed, member.code)
        delegates = [(f"{member.code.lower()}-officer-{n}", "officer") for n in range(8)]
        delegates.append((f"{member.code.lower()}-witness", "witness"))
        for delegate, role in delegates:
            key = SigningKey.generate()
            if role == "witness":
                witnesses[member.code] = key
            else:
                signers.append((member.code, delegate, key.seed))
            head_acts.append(
                sign_act(
                    kind="member.key",
                    mechanism=mechanism,
                    member=member.code,
                    delegate="root",
                    key=root,
                    body={
                        "action": "register",
                        "delegate": delegate,
                        "role": role,
                        "public_key": key.public_key.text,
                    },
                    at=at,
                )
            )
    statements = acts - len(head_acts)
    period = max(8, statements // MEDIATOR_ONLY + 1)
    manifest = make_manifest(
        mechanism=mechanism,
        origin=origin,
        checkpoint_key=scenario.mechanism.checkpoint_key,
        member="PK",
        delegate="pk-officer-0",
        exported_at=at,
        size=acts,
    )
    frontier = Frontier.empty()
    with path.open("wb") as handle:
        writer = BundleWriter(handle)
        writer.add_file("README.txt", readme_text(manifest).encode())
        writer.add_file("manifest.json", manifest_bytes(manifest))
        writer.add_file("scenario.json", jcs.canonicalize(genesis_body))

        def entries() -> Iterator[tuple[bytes, bytes | None]]:
            for act in head_acts:
                yield act.envelope.leaf_bytes(), jcs.canonicalize(act.body)
            step = 20_000
            with ProcessPoolExecutor(workers) as pool:
                futures = [
                    pool.submit(
                        _sign_range, s, min(s + step, statements), signers, mechanism, at, period
                    )
                    for s in range(0, statements, step)
                ]
                number = 0
                for future in futures:
                    for leaf in future.result():
                        # The exporter is a party's officer: mediators-only bodies are withheld.
                        hidden = _mediators_only(number, period)
                        yield leaf, None if hidden else _body(number)
                        number += 1

        # The checkpoint goes before the entries, so the entries are hashed first into a
        # spooled file of leaves and bodies.
        spool = path.with_suffix(".leaves")
        with spool.open("wb") as out:
            for leaf, body in entries():
                frontier.append(hash_leaf(leaf))
                content = body or b""
                out.write(len(leaf).to_bytes(4, "big") + leaf)
                out.write(len(content).to_bytes(4, "big") + content)
        checkpoint = Checkpoint(origin, frontier.size, frontier.root())
        log_key = demo_signing_key(seed, "log")
        note = sign_checkpoint(checkpoint, origin, log_key)
        stamp = int(time.time())
        for code, key in sorted(witnesses.items()):
            note = add_signature(note, cosign(checkpoint, witness_name(origin, code), key, stamp))
        writer.add_file("checkpoint.txt", note.to_bytes())
        with spool.open("rb") as source:
            while header := source.read(4):
                leaf = source.read(int.from_bytes(header, "big"))
                content = source.read(int.from_bytes(source.read(4), "big"))
                writer.add_entries([(leaf, content or None)])
        spool.unlink()
        writer.close()
    return frontier.size, frontier.root()


RAW_CPU: list[float] = []
"""CPU seconds per raw verification with truce's verifier, one entry per measurement."""
RAW_MEAN: list[dict[str, float]] = []
"""Each library's mean rate over the rounds of one measurement, one entry per measurement."""


def _pyca_verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _pynacl_verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        crypto_sign_open(signature + message, public_key)
    except BadSignatureError:
        return False
    return True


_SODIUM_OPEN, _NULL = sodium.lib.crypto_sign_open, sodium.ffi.NULL


def _libsodium_verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    signed = signature + message
    return bool(_SODIUM_OPEN(_NULL, _NULL, signed, len(signed), public_key) == 0)


#: Each Ed25519 verifier on the machine, called as a verifier calls it (a fresh key
#: object per call for pyca/cryptography, as threads need), then truce's own rule.
#: libsodium is called both through PyNaCl's binding and directly through the cffi
#: module PyNaCl loads it with (no output buffer, no wrapper), as truce calls it: the
#: faster of the two is libsodium's rate.
LIBRARIES = {
    "pyca/cryptography (OpenSSL)": _pyca_verify,
    "PyNaCl (libsodium)": _pynacl_verify,
    "libsodium, called directly": _libsodium_verify,
}


def raw_rates(count: int = 4000, rounds: int = 3) -> dict[str, float]:
    """Verifications per second on one core of each library and of ``verify_raw``
    (truce's rule): the best of ``rounds`` rounds, the libraries interleaved in each, so
    that a busy moment of a shared machine does not favour one. The CPU time per call of
    ``verify_raw`` goes to RAW_CPU, and each library's mean rate over all its rounds (a
    rate sustained rather than the best moment) to RAW_MEAN."""
    key = SigningKey.generate()
    messages = [os.urandom(400) for _ in range(count)]
    jobs = [(key.public_key.raw, key.sign(m), m) for m in messages]
    rates: dict[str, float] = {}
    spent: dict[str, float] = {}
    cpu_per_call: list[float] = []
    for _ in range(rounds):
        for name, verify in [*LIBRARIES.items(), ("truce verify_raw", verify_raw)]:
            started, cpu = time.perf_counter(), time.process_time()
            for job in jobs:
                assert verify(*job)
            elapsed = time.perf_counter() - started
            rates[name] = max(rates.get(name, 0.0), count / elapsed)
            spent[name] = spent.get(name, 0.0) + elapsed
            if verify is verify_raw:
                cpu_per_call.append((time.process_time() - cpu) / count)
    RAW_CPU.append(min(cpu_per_call))
    RAW_MEAN.append({name: count * rounds / seconds for name, seconds in spent.items()})
    return rates


def fastest(rates: dict[str, float]) -> tuple[str, float]:
    """The fastest library (truce's own rule excluded) and its rate."""
    name = max(LIBRARIES, key=lambda library: rates[library])
    return name, rates[name]


def raw_verify_rate(count: int = 4000) -> float:
    """The rate of the fastest library on one core."""
    return fastest(raw_rates(count))[1]


def _tree_memory(pid: int) -> tuple[int, int]:
    """The summed RSS and PSS, in bytes, of a process and all its descendants (/proc).

    RSS counts a page shared by forked workers once per process; PSS divides it among
    them, so their sum is the memory the tree really holds.
    """
    rss = pss = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue
    return rss, pss


@dataclass(frozen=True)
class Run:
    """One timed command: wall time, CPU time, its own peak RSS, output, tree peaks."""

    elapsed: float
    cpu: float
    own_peak: int
    output: str
    tree_rss: int
    tree_pss: int


def run_measured(argv: list[str]) -> Run:
    """Run a command, sampling the memory of its process tree every 250 ms.

    Not more often: reading ``smaps_rollup`` walks every mapping of a process, and at
    every 50 ms it cost this process about 4 % of the two cores the verifier runs on.
    """
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(process.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    tree_rss = tree_pss = own_peak = 0
    while reader.is_alive():
        rss, pss = _tree_memory(process.pid)
        tree_rss, tree_pss = max(tree_rss, rss), max(tree_pss, pss)
        own_peak = max(own_peak, _high_water(process.pid))
        reader.join(0.25)
    output = b"".join(chunks)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{' '.join(argv)} failed with exit code {process.returncode}")
    cpu = usage.ru_utime + usage.ru_stime  # with the workers it waited for
    return Run(elapsed, cpu, own_peak, output.decode(), tree_rss, tree_pss)


def _high_water(pid: int) -> int:
    """The peak RSS of one process since its exec (``VmHWM``), in bytes.

    Not ``wait4``'s ``ru_maxrss``: exec keeps the high-water mark of the process that
    forked it, here this benchmark, which is far larger than the verifier.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def witness_catch_up(entries: int, workers: int) -> tuple[float, float]:
    """Time to append ``entries`` entries, and for one witness to catch up with them."""
    from fastapi.testclient import TestClient

    from truce.app import create_app
    from truce.config import Settings
    from truce.ledger.keys import KeyFile
    from truce.log import checkpoints
    from truce.log.checkpoints import LogSigner
    from truce.log.setup import initialise
    from truce.log.store import LogStore
    from truce.storage.db import Database

    with tempfile.TemporaryDirectory() as folder:
        keys = Path(folder) / "keys"
        url = f"sqlite:///{Path(folder) / 'truce.db'}"
        initialise(url, SCENARIO, keys)
        scenario = load_scenario(SCENARIO / "mechanism.toml")
        origin = scenario.mechanism.origin
        verifier = log_verifier(origin, PublicKey.parse(scenario.mechanism.checkpoint_key))
        db = Database.from_url(url)
        with db.read() as connection:
            old, _ = open_checkpoint(checkpoints.cosigned_note(connection).to_bytes(), verifier)
        officer = KeyFile.load(keys / "pk-officer.key")
        signer_seed = [(officer.member, officer.delegate, officer.key.seed)]
        step = 10_000
        with ProcessPoolExecutor(workers) as pool:
            batches = list(
                pool.map(
                    _sign_range,
                    range(0, entries, step),
                    [min(s + step, entries) for s in range(0, entries, step)],
                    [signer_seed] * len(range(0, entries, step)),
                    [scenario.mechanism.id] * len(range(0, entries, step)),
                    [datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
                    * len(range(0, entries, step)),
                    [entries + 8] * len(range(0, entries, step)),
                )
            )
        signer = LogSigner.from_key_file(scenario, keys / "sec-log.key")
        started = time.perf_counter()
        for batch in batches:
            with db.write() as connection:
                store = LogStore(connection)
                store.append([(leaf, hash_leaf(leaf)) for leaf in batch])
        with db.write() as connection:
            checkpoints.sign_head(LogStore(connection), signer, datetime.now(UTC))
        append_time = time.perf_counter() - started
        db.dispose()
        witness = KeyFile.load(keys / "pk-witness.key").key
        client = TestClient(
            create_app(Settings(database_url=url, log_key_file=keys / "sec-log.key"))
        )
        started = time.perf_counter()
        served = client.get("/log/v1/checkpoint").content
        new, note = open_checkpoint(served, verifier, origin=origin)
        proof = client.get(
            "/log/v1/proof/consistency", params={"first": old.size, "second": new.size}
        ).json()
        verify_consistency(
            old.size,
            new.size,
            old.root,
            new.root,
            [base64.b64decode(node) for node in proof["consistency"]],
        )
        signature = cosign(new, witness_name(origin, "PK"), witness, int(time.time()))
        posted = client.post(
            "/log/v1/cosignatures", content=add_signature(note, signature).to_bytes()
        )
        posted.raise_for_status()
        catch_up = time.perf_counter() - started
        assert json.loads(posted.content)["added"] == ["PK"]
    return append_time, catch_up


def _size_of(path: Path) -> int:
    """The number of entries of a bundle, from its manifest."""
    with path.open("rb") as stream:
        for member in read_members(stream, stop_after="manifest.json"):
            if member.name == "manifest.json" and member.data is not None:
                return int(json.loads(member.data)["size"])
    raise SystemExit(f"{path} has no manifest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acts", type=int, default=1_000_000)
    parser.add_argument("--witness-entries", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, help="Write the bundle here and keep it.")
    parser.add_argument(
        "--reuse", action="store_true", help="Verify the --keep bundle if it exists already."
    )
    parser.add_argument(
        "--no-threads", action="store_true", help="Skip the worker-threads comparison."
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    table = Table(title="truce verify", show_lines=False)
    for column in ("measure", "figure", "baseline", "ratio / target"):
        table.add_column(column)

    console.rule("baseline: raw Ed25519 verification, each library on one core")
    rates = raw_rates()
    for name, rate in rates.items():
        console.print(f"{name:30} {rate:>10,.0f} verifications/s")
    best, single = fastest(rates)
    console.print(
        f"fastest: {best}, {single:,.0f}/s on one core, x {cores} = {single * cores:,.0f}/s"
    )
    for name in LIBRARIES:
        table.add_row(
            f"raw Ed25519 verify, {name}",
            f"{rates[name]:,.0f}/s on one core",
            f"{single:,.0f}/s ({best})",
            f"{rates[name] / single:.0%} of the fastest",
        )

    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.bundle"
        if args.reuse and path.exists():
            size = _size_of(path)
            console.print(f"reusing {path}: {size:,} entries")
        else:
            console.rule(f"building a bundle of {args.acts:,} acts")
            started = time.perf_counter()
            path.parent.mkdir(parents=True, exist_ok=True)
            size, _ = build_bundle(path, args.acts, args.workers)
            built = time.perf_counter() - started
            console.print(
                f"built {path.name}: {size:,} entries, {path.stat().st_size / 1e6:,.0f} MB "
                f"in {built:.1f} s"
            )

        console.rule("truce verify")
        before = raw_verify_rate()
        script = str(Path(sys.executable).with_name("truce"))
        run = run_measured([script, "verify", str(path), "--workers", str(args.workers)])
        after = raw_verify_rate()
        console.print(run.output.strip(), markup=False)
        # The machine may be shared: the baseline is the mean of the rates measured just
        # before and just after the run.
        ceiling = (before + after) / 2 * cores
        console.print(
            f"raw verify rate of {best} {before:,.0f}/s before, {after:,.0f}/s after; "
            f"x {cores} cores = {ceiling:,.0f}/s"
        )
        throughput = size / run.elapsed
        table.add_row(
            "truce verify throughput",
            f"{throughput:,.0f} acts/s ({run.elapsed:.1f} s)",
            f"{ceiling:,.0f} verifies/s ({best}, raw x {cores}, best rounds)",
            f"{throughput / ceiling:.0%} (target ≥ 85%)",
        )
        sustained = (RAW_MEAN[-2][best] + RAW_MEAN[-1][best]) / 2 * cores
        table.add_row(
            "the same, against the mean raw rate",
            f"{throughput:,.0f} acts/s",
            f"{sustained:,.0f} verifies/s ({best}, raw x {cores}, mean of the rounds)",
            f"{throughput / sustained:.0%}",
        )
        raw_cpu = sum(RAW_CPU[-2:]) / 2
        table.add_row(
            "CPU time per act of truce verify",
            f"{run.cpu / size * 1e6:,.0f} µs ({run.cpu:,.1f} s in all)",
            f"{raw_cpu * 1e6:,.0f} µs per raw verification",
            f"{raw_cpu * size / run.cpu:.0%} of its CPU time is the raw verifications",
        )
        table.add_row(
            "peak memory of truce verify and its workers",
            f"{run.tree_pss / 1e6:,.0f} MB PSS; {run.tree_rss / 1e6:,.0f} MB summed RSS "
            f"(the process alone: {run.own_peak / 1e6:,.0f} MB)",
            f"{path.stat().st_size / 1e6:,.0f} MB bundle",
            "target < 500 MB",
        )
        if not args.no_threads:
            console.rule("verify_bundle with worker threads instead")
            code = (
                "import sys; from truce.verify.audit import verify_bundle; "
                f"r = verify_bundle(sys.argv[1], workers={args.workers}, executor='threads'); "
                "print(r.summary())"
            )
            before = raw_verify_rate()
            threaded = run_measured([sys.executable, "-c", code, str(path)])
            after = raw_verify_rate()
            console.print(threaded.output.strip(), markup=False)
            rate = size / threaded.elapsed
            table.add_row(
                "verify with threads",
                f"{rate:,.0f} acts/s ({threaded.elapsed:.1f} s)",
                f"{(before + after) / 2 * cores:,.0f} verifies/s (raw x {cores})",
                f"{rate / ((before + after) / 2 * cores):.0%}; "
                f"peak {threaded.tree_pss / 1e6:,.0f} MB",
            )

    console.rule(f"witness catching up {args.witness_entries:,} entries")
    append_time, catch_up = witness_catch_up(args.witness_entries, args.workers)
    console.print(
        f"append {args.witness_entries:,} entries: {append_time:.2f} s; "
        f"witness catch-up: {catch_up * 1000:.1f} ms"
    )
    table.add_row(
        f"witness catch-up of {args.witness_entries:,} entries",
        f"{catch_up * 1000:,.1f} ms",
        f"{append_time:,.2f} s to append them",
        f"{catch_up / append_time:.2%} of the append",
    )
    console.print(table)


if __name__ == "__main__":
    main()
