"""Offline verification of an audit bundle (:mod:`truce.verify.bundle`).

:func:`verify_bundle` trusts nothing in the bundle that it cannot recompute. It needs no
database and no network, and reads the bundle once, front to back, holding one pair of
entry and body files at a time, so its memory stays flat whatever the size of the log:

1. **Head.** ``manifest.json`` must be in the form truce writes; the genesis entry (entry
   0) and its body, the scenario, are read first: the scenario names the mechanism, its
   members' root keys and the checkpoint key. ``scenario.json`` and ``README.txt`` must
   be those of the genesis entry and the manifest.
2. **Entries.** Each pair of files is cut into batches of :data:`BATCH` entries, which
   worker processes (or threads) read from the open bundle and check on their own
   (:func:`truce.verify.leaves.check_file_batch`): RFC 8785 form, the Ed25519
   signature under the key ``author.key`` names, the body against its digest, and the
   batch's RFC 6962 subtree. The keys handed to them are the root keys and every key
   that a body read so far registers (a key is registered before it signs, so its body
   comes no later than the file of its first signature). This process takes the results
   in log order and replays the key registry (:class:`truce.verify.replay.Replay`).
3. **Checkpoint.** The recomputed root and size must be those of ``checkpoint.txt``,
   whose log signature must verify under the checkpoint key (given by the user, or
   else the genesis scenario's ``mechanism.checkpoint_key``); each cosignature from a
   witness key registered to a party or mediator, and not revoked, must verify, and
   enough of them make the checkpoint *witnessed*.
4. **Trusted checkpoint** (optional): a checkpoint the user saved before. The root of
   the bundle's first ``size`` entries, computed while streaming, must be its root.

The first problem stops the check: :class:`AuditError` names the entry and the reason.
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, Literal

from truce.ledger.checkpoint import Checkpoint, log_verifier, open_checkpoint
from truce.ledger.envelope import parse_time
from truce.ledger.errors import LogMisbehaviourError, TruceError
from truce.ledger.keys import PublicKey
from truce.ledger.note import Note, Verifier
from truce.verify import bundle as bundle_format
from truce.verify.bundle import (
    ENTRIES_PER_FILE,
    BundleError,
    body_file_name,
    entry_file_name,
    read_members,
    record_offsets,
)
from truce.verify.genesis import Genesis, read_genesis
from truce.verify.leaves import (
    BODY_MISMATCH,
    BODY_OK,
    BatchResult,
    check_batch,
    check_file_batch,
)
from truce.verify.replay import GENESIS, AuditError, Replay, b64, cosignatures

__all__ = [
    "AuditError",
    "Progress",
    "Report",
    "verify_bundle",
]

BATCH: Final = 8192
"""Entries per task handed to a worker: a power of two that divides
:data:`~truce.verify.bundle.ENTRIES_PER_FILE`, so that each batch is a subtree of the log."""

Progress = Callable[[int, int], None]
"""Called as ``progress(entries_done, entries_total)``."""

Executors = Literal["auto", "threads", "processes"]
PROCESSES_FROM_BYTES: Final = 16 << 20
"""``auto`` checks a bundle of this size or more in forked worker processes, which
measured faster than threads on 2 cores (``benchmarks/verify.py``), and a smaller one in
threads, which start at once."""

_PUBLIC_KEY: Final = re.compile(rb'"public_key":"([A-Za-z0-9_-]{43})"')
_FIXED: Final = {
    "README.txt": "readme",
    "manifest.json": "manifest",
    "scenario.json": "scenario",
    "checkpoint.txt": "checkpoint",
}


@dataclass(frozen=True, slots=True)
class Report:
    """What a successful check established."""

    mechanism: str
    origin: str
    size: int
    root: bytes
    checkpoint_key: str
    checkpoint_key_source: Literal["--log-key", "scenario"]
    cosigned_by: tuple[str, ...]
    witness_threshold: int
    witness_members: int
    bodies_checked: int
    bodies_outside_audience: int
    exported_by: str
    trusted_size: int | None
    ignored_signatures: int
    elapsed: float

    @property
    def witnessed(self) -> bool:
        """Whether the checkpoint carries the scenario's quorum of valid cosignatures."""
        return len(self.cosigned_by) >= self.witness_threshold

    def summary(self) -> str:
        """One line for people."""
        witnesses = f"{len(self.cosigned_by)} of {self.witness_members} witnesses"
        if not self.witnessed:
            witnesses += f" (NOT WITNESSED: the quorum is {self.witness_threshold})"
        trusted = (
            f", consistent with your checkpoint {self.trusted_size}"
            if self.trusted_size is not None
            else ""
        )
        key = "--log-key" if self.checkpoint_key_source == "--log-key" else "the scenario"
        return (
            f"verified {self.size:,} entries up to checkpoint {self.size} "
            f"(root {base64.b64encode(self.root).decode()}, log key from {key})"
            f", {witnesses}, {self.bodies_checked:,} bodies checked, "
            f"{self.bodies_outside_audience:,} outside your audience{trusted}"
            f" — in {self.elapsed:.1f} s"
        )


@dataclass(slots=True)
class _Head:
    """The four fixed members."""

    readme: bytes = b""
    manifest: bytes = b""
    scenario: bytes = b""
    checkpoint: bytes = b""


@dataclass(frozen=True, slots=True)
class _Pair:
    """One entry file and its body file, with the offsets of their batches."""

    number: int
    entries: bytes
    bodies: bytes
    entries_at: int
    bodies_at: int
    entry_offsets: list[int]
    body_offsets: list[int]
    count: int


def _fail(message: str, index: int | None = None) -> AuditError:
    return AuditError(message, index=index)


def _read(stream: IO[bytes]) -> tuple[_Head, Iterator[_Pair]]:
    """The fixed members, and an iterator over the pairs of files that follow them."""
    members = read_members(stream)
    head = _Head()
    for expected in bundle_format.FIXED_MEMBERS:
        member = next(members, None)
        if member is None:
            raise _fail(f"the bundle lacks {expected}")
        if member.name != expected:
            raise _fail(
                f"the bundle's members are out of order: {member.name} where {expected} belongs"
            )
        assert member.data is not None
        setattr(head, _FIXED[expected], member.data)
    return head, _pairs(members)


def _pairs(members: Iterator[bundle_format.Member]) -> Iterator[_Pair]:
    for number, member in enumerate(members):
        name = member.name
        if bundle_format.ENTRY_NAME.match(name) or bundle_format.BODY_NAME.match(name):
            if name != entry_file_name(number):
                raise _fail(f"{name} is out of sequence (expected {entry_file_name(number)})")
        else:
            raise _fail(f"the bundle holds an unexpected file {name}")
        bodies = next(members, None)
        if bodies is None or bodies.name != body_file_name(number):
            raise _fail(f"{body_file_name(number)} does not follow {name}")
        assert member.data is not None
        assert bodies.data is not None
        entry_offsets, count = record_offsets(member.data, BATCH, leaves=True, name=name)
        body_offsets, body_count = record_offsets(
            bodies.data, BATCH, leaves=False, name=bodies.name
        )
        if body_count != count:
            raise _fail(f"{bodies.name} holds {body_count} records for the {count} entries")
        yield _Pair(
            number,
            member.data,
            bodies.data,
            member.offset,
            bodies.offset,
            entry_offsets,
            body_offsets,
            count,
        )
        del member, bodies  # hold no pair while the next is read


def _manifest(head: _Head) -> dict[str, Any]:
    """The manifest, in the form truce writes it (its agreement with the log comes later)."""
    try:
        manifest = json.loads(head.manifest)
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        raise _fail(f"manifest.json is not valid JSON: {exc}") from exc
    if manifest.get("format") != bundle_format.FORMAT:
        raise _fail(f"manifest.json: the format is not {bundle_format.FORMAT}")
    exporter = manifest.get("exported_by")
    if (
        not isinstance(exporter, dict)
        or set(exporter) != {"member", "delegate"}
        or not all(isinstance(value, str) for value in exporter.values())
    ):
        raise _fail("manifest.json: exported_by does not name a member of the mechanism")
    try:
        parse_time(manifest.get("exported_at"), field="exported_at")
    except TruceError as exc:
        raise _fail(f"manifest.json: {exc.message}") from exc
    size = manifest.get("size")
    if type(size) is not int or size < 1:
        raise _fail("manifest.json: size is not a positive integer")
    if manifest.get("entry_files") != bundle_format.entry_file_names(size):
        raise _fail("manifest.json: entry_files are not the entry files of the bundle")
    if not all(isinstance(manifest.get(name), str) for name in ("mechanism", "origin")):
        raise _fail("manifest.json: mechanism and origin must be strings")
    expected = bundle_format.manifest_bytes(
        bundle_format.make_manifest(
            mechanism=manifest["mechanism"],
            origin=manifest["origin"],
            checkpoint_key=manifest.get("checkpoint_key"),  # type: ignore[arg-type]
            member=exporter["member"],
            delegate=exporter["delegate"],
            exported_at=manifest["exported_at"],
            size=size,
        )
    )
    if head.manifest != expected:
        raise _fail("manifest.json is not in the form truce writes (edited by hand?)")
    if head.readme != bundle_format.readme_text(manifest).encode("utf-8"):
        raise _fail("README.txt differs from the README of this manifest")
    return manifest


def _scenario(pair: _Pair) -> tuple[bytes, Genesis]:
    """The scenario carried by entry 0 (its signature is checked with the entry)."""
    leaf = next(bundle_format.iter_leaves(pair.entries, entry_file_name(0)))
    body = next(bundle_format.iter_bodies(pair.bodies, body_file_name(0)))
    record = len(leaf).to_bytes(4, "big") + leaf
    body_record = bytes(4) if body is None else len(body).to_bytes(4, "big") + body
    result = check_batch(0, record, body_record, {})
    if result.error is not None:
        raise _fail(result.error[1], 0)
    if result.signers[0][0] != GENESIS:
        raise _fail("the first entry must be the mechanism.genesis act", 0)
    state = result.flags[0] & 3
    if state != BODY_OK:
        raise _fail(
            "the genesis body does not match its body_digest"
            if state == BODY_MISMATCH
            else "the genesis body (the scenario) is not in the bundle",
            0,
        )
    content = result.bodies[0]
    try:
        scenario = read_genesis(json.loads(content))
    except (ValueError, TruceError) as exc:
        raise _fail(f"the genesis body is not a valid scenario: {exc}", 0) from exc
    return content, scenario


def _check_head(
    head: _Head, manifest: dict[str, Any], scenario_bytes: bytes, scenario: Genesis
) -> None:
    wanted = {
        "mechanism": scenario.mechanism,
        "origin": scenario.origin,
        "checkpoint_key": scenario.checkpoint_key.text,
    }
    for name, value in wanted.items():
        if manifest.get(name) != value:
            raise _fail(f"manifest.json: {name} is not the genesis scenario's {value!r}")
    if scenario.member(manifest["exported_by"]["member"]) is None:
        raise _fail("manifest.json: exported_by does not name a member of the mechanism")
    if head.scenario != scenario_bytes:
        raise _fail("scenario.json differs from the scenario of the genesis entry")


def _open(data: bytes, verifier: Verifier, origin: str, what: str) -> tuple[Checkpoint, Note]:
    try:
        return open_checkpoint(data, verifier, origin=origin)
    except TruceError as exc:
        raise _fail(f"{what}: {exc.message}") from exc


def _named_keys(bodies: bytes, keys: dict[str, bytes]) -> dict[str, bytes]:
    """``keys`` and every public key a body of the file names (a new dict if any is new).

    Over-inclusion is harmless: a key only counts once the registry replay accepts its
    registration; this is only what the workers may verify signatures with.
    """
    found: dict[str, bytes] = {}
    for text in set(_PUBLIC_KEY.findall(bodies)):
        try:
            key = PublicKey.parse(text.decode("ascii"))
        except TruceError:
            continue
        if key.key_id not in keys:
            found[key.key_id] = key.raw
    return {**keys, **found} if found else keys


def verify_bundle(
    path: Path | str,
    *,
    trusted_checkpoint: bytes | None = None,
    log_key: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
    executor: Executors = "auto",
) -> Report:
    """Check a bundle completely; return a :class:`Report` or raise :class:`AuditError`.

    ``trusted_checkpoint`` is a signed checkpoint note the user saved before; ``log_key``
    the checkpoint public key (unpadded base64url) the user trusts, instead of the one
    the genesis scenario names. ``workers`` (default: one per core) check batches of
    entries on ``executor`` threads or forked processes (``auto``: see
    :data:`PROCESSES_FROM_BYTES`); processes are forked first, while this one is small. A
    checkpoint that is not witnessed is *not* an error here: see :attr:`Report.witnessed`.
    """
    started = time.perf_counter()
    path = Path(path)
    count = workers or os.cpu_count() or 1
    if executor == "auto":
        try:
            large = path.stat().st_size >= PROCESSES_FROM_BYTES
        except OSError:
            large = False
        executor = "processes" if large else "threads"
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from exc
    # Workers read their batches from this open file: forked ones inherit it.
    pool: Executor
    if executor == "processes":
        pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
        pool.submit(int).result()  # fork every worker now, while this process is small
    else:
        pool = ThreadPoolExecutor(count)
    try:
        return _verify(stream, pool, count, trusted_checkpoint, log_key, progress, started)
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from exc
    except BundleError as exc:
        raise _fail(exc.message) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        stream.close()


def _verify(
    stream: IO[bytes],
    pool: Executor,
    count: int,
    trusted_checkpoint: bytes | None,
    log_key: str | None,
    progress: Progress | None,
    started: float,
) -> Report:
    fd, seekable = stream.fileno(), stream.seekable()
    head, pairs = _read(stream)
    manifest = _manifest(head)
    size: int = manifest["size"]
    files = len(manifest["entry_files"])
    first_pair = next(pairs, None)
    if first_pair is None:
        raise _fail("the bundle holds no entries")
    scenario_bytes, scenario = _scenario(first_pair)
    _check_head(head, manifest, scenario_bytes, scenario)
    origin = scenario.origin
    if log_key is not None:
        try:
            checkpoint_key = PublicKey.parse(log_key.strip())
        except TruceError as exc:
            raise _fail(f"--log-key: {exc.message}") from exc
        source: Literal["--log-key", "scenario"] = "--log-key"
    else:
        checkpoint_key = scenario.checkpoint_key
        source = "scenario"
    verifier = log_verifier(origin, checkpoint_key)
    checkpoint, note = _open(head.checkpoint, verifier, origin, "checkpoint.txt")
    trusted: Checkpoint | None = None
    if trusted_checkpoint is not None:
        trusted, _ = _open(trusted_checkpoint, verifier, origin, "your trusted checkpoint")
        if trusted.size > checkpoint.size:
            raise LogMisbehaviourError(
                "the log was rewritten (split view or rollback): your trusted checkpoint "
                f"has {trusted.size} entries, this bundle's log only {checkpoint.size}"
            )
        if trusted.size == checkpoint.size and trusted.root != checkpoint.root:
            raise LogMisbehaviourError(
                "the log was rewritten (split view or rollback): checkpoint.txt and your "
                f"trusted checkpoint both have {trusted.size} entries but different roots"
            )
        if trusted.size == 0:
            trusted = None
    replay = Replay(scenario, trusted)
    keys = {key_id: key.public_key.raw for key_id, key in replay.registry.keys.items()}
    pending: deque[Future[BatchResult]] = deque()
    try:
        held = [first_pair]
        del first_pair
        for pair in _chain(held, pairs):
            if pair.number >= files:
                raise _fail(f"the bundle holds more entry files than the {files} of its manifest")
            if pair.number < files - 1 and pair.count != ENTRIES_PER_FILE:
                raise _fail(
                    f"{entry_file_name(pair.number)} holds {pair.count} entries, "
                    f"not {ENTRIES_PER_FILE}"
                )
            keys = _named_keys(pair.bodies, keys)
            base = pair.number * ENTRIES_PER_FILE
            entry_offsets, body_offsets = pair.entry_offsets, pair.body_offsets
            for batch in range(len(entry_offsets) - 1):
                first = base + batch * BATCH
                entries = _span(pair.entries_at, entry_offsets, batch)
                bodies = _span(pair.bodies_at, body_offsets, batch)
                boundary = trusted is not None and first < trusted.size <= first + BATCH
                if seekable:
                    task = pool.submit(check_file_batch, fd, first, entries, bodies, keys, boundary)
                else:  # a pipe: the batch itself goes to the worker
                    entry_bytes = pair.entries[entry_offsets[batch] : entry_offsets[batch + 1]]
                    body_bytes = pair.bodies[body_offsets[batch] : body_offsets[batch + 1]]
                    task = pool.submit(check_batch, first, entry_bytes, body_bytes, keys, boundary)
                pending.append(task)
                if len(pending) >= 3 * count:
                    _drain(replay, pending.popleft(), size, progress)
            del pair
        while pending:
            _drain(replay, pending.popleft(), size, progress)
    finally:
        for future in pending:
            future.cancel()
    total = replay.size
    if total != size:
        raise _fail(f"the bundle holds {total:,} entries, but its manifest says {size:,}")
    if total != checkpoint.size:
        raise _fail(
            f"the bundle holds {total:,} entries, but checkpoint.txt covers {checkpoint.size:,}"
        )
    root = replay.root()
    if root != checkpoint.root:
        raise _fail(
            f"the entries lead to the root {b64(root)}, not to checkpoint.txt's "
            f"{b64(checkpoint.root)}: entries were changed, removed, added or reordered"
        )
    cosigned, ignored = cosignatures(replay, checkpoint, note, verifier)
    return Report(
        mechanism=scenario.mechanism,
        origin=origin,
        size=total,
        root=root,
        checkpoint_key=checkpoint_key.text,
        checkpoint_key_source=source,
        cosigned_by=cosigned,
        witness_threshold=scenario.witness_threshold,
        witness_members=len(scenario.witnesses),
        bodies_checked=replay.checked,
        bodies_outside_audience=replay.outside,
        exported_by=f"{manifest['exported_by']['member']}/{manifest['exported_by']['delegate']}",
        trusted_size=None if trusted_checkpoint is None else (trusted.size if trusted else 0),
        ignored_signatures=ignored,
        elapsed=time.perf_counter() - started,
    )


def _span(at: int, offsets: list[int], batch: int) -> tuple[int, int]:
    """The ``(offset, length)`` in the bundle file of batch ``batch`` of a member at ``at``."""
    return at + offsets[batch], offsets[batch + 1] - offsets[batch]


def _chain(first: list[_Pair], rest: Iterator[_Pair]) -> Iterator[_Pair]:
    """The pairs, holding none of them once handed out (each is tens of megabytes)."""
    while first:
        yield first.pop()
    yield from rest


def _drain(
    replay: Replay, future: Future[BatchResult], size: int, progress: Progress | None
) -> None:
    replay.batch(future.result())
    if progress is not None:
        progress(replay.size, size)
