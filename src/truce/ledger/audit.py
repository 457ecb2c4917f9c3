"""Offline verification of an audit bundle (:mod:`truce.ledger.bundle`).

:func:`verify_bundle` trusts nothing in the bundle that it cannot recompute. It needs no
database and no network, and reads the bundle twice as a stream, so its memory stays
flat whatever the size of the log:

1. **Bodies.** Every ``bodies/<hex>.json`` is hashed and must match its name (a body
   that does not is reported at the first entry that carries it). The bodies of
   ``member.key`` acts, and of the genesis act, are kept: they replay the key registry.
2. **Entries.** Worker threads (or processes) parse each leaf with
   :meth:`~truce.ledger.envelope.Envelope.from_dict`, check that it is in RFC 8785
   form, and verify its Ed25519 signature with the public key its ``author.key`` names
   (Ed25519 verification releases the GIL). The main thread takes the results in log
   order, replays the key registry (root keys from the genesis scenario, then every
   ``member.key`` register and revoke), checks that each key was registered to its
   author and not revoked at that point and that the author's role may sign the kind
   (:data:`truce.domain.acts.PERMISSIONS`), checks the body against its digest, and
   hashes the leaf into an RFC 6962 :class:`~truce.ledger.merkle.Frontier`.
3. **Checkpoint.** The recomputed root and size must be those of ``checkpoint.txt``,
   whose log signature must verify under the checkpoint key (given by the user, or
   else the genesis scenario's ``mechanism.checkpoint_key``); each cosignature from a
   witness key registered to a party or mediator, and not revoked, must verify, and
   enough of them make the checkpoint *witnessed*.
4. **Trusted checkpoint** (optional): a checkpoint the user saved before. The root of
   the bundle's first ``size`` entries, kept while streaming, must be its root.

The first problem stops the check: :class:`AuditError` names the entry and the reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, Final, Literal

from pydantic import ValidationError

from truce.domain.acts import PERMISSIONS, parse_body
from truce.domain.scenario import Scenario
from truce.errors import LogMisbehaviourError, ProofError, TruceError
from truce.ledger import bundle as bundle_format
from truce.ledger.bundle import BODY_NAME, ENTRIES_PER_FILE, BundleError, read_members
from truce.ledger.checkpoint import (
    Checkpoint,
    log_verifier,
    open_checkpoint,
    verify_cosignature,
    witness_name,
    witness_verifier,
)
from truce.ledger.envelope import Envelope, parse_time
from truce.ledger.keys import PublicKey, verify_raw
from truce.ledger.merkle import Frontier
from truce.ledger.note import Note, Verifier

__all__ = [
    "AuditError",
    "Progress",
    "Report",
    "verify_bundle",
]

GENESIS: Final = "mechanism.genesis"
MEMBER_KEY: Final = "member.key"
BATCH: Final = 2048
"""Entries per task handed to a worker."""

_KEPT_BODY_PREFIX = b'{"action":'
_KEPT_BODY_LIMIT = 4096
_PRESENT, _REFERENCED, _MISMATCH = 0, 1, 2

Progress = Callable[[int, int], None]
"""Called as ``progress(entries_done, entries_total)``."""

Executors = Literal["auto", "threads", "processes"]
PROCESSES_FROM_BYTES: Final = 32 << 20
"""``auto`` checks a bundle of this size or more in forked worker processes, which
measured up to twice as fast as threads on 2 cores (``benchmarks/verify.py``), and a
smaller one in threads, which start at once."""


class AuditError(ProofError):
    """The bundle does not verify; ``index`` is the first bad entry, when it is one."""

    slug = "audit-failed"
    title = "The audit bundle does not verify"

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(f"entry {index}: {message}" if index is not None else message)
        self.index = index
        self.reason = message


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


# --------------------------------------------------------------------------- workers

# A worker's verdict on one leaf: an error message, or
# (leaf hash, kind, member, delegate, key id, body digest, audience is "all",
#  mechanism, signature verifies: True / False / None when the key is unknown).
_Checked = str | tuple[bytes, str, str, str, str, str, bool, str, bool | None]


def _canonical(envelope: Envelope) -> bytes:
    """The RFC 8785 bytes of an envelope that :meth:`Envelope.from_dict` accepted.

    Every value of such an envelope is an ASCII string matched by a pattern that admits
    no character JSON escapes, a list of them, or the integer 1, so the canonical form is
    the keys in sorted order with the values quoted: the same bytes as
    :meth:`Envelope.leaf_bytes`, several times faster.
    """
    audience = envelope.audience
    audience_text = f'"{audience}"' if isinstance(audience, str) else _quoted_list(audience)
    return (
        f'{{"at":"{envelope.at}","audience":{audience_text},"author":{{"delegate":'
        f'"{envelope.delegate}","key":"{envelope.key_id}","member":"{envelope.member}"}},'
        f'"body_digest":"{envelope.body_digest}","kind":"{envelope.kind}",'
        f'"mechanism":"{envelope.mechanism}","refs":{_quoted_list(envelope.refs)},'
        f'"sig":"{envelope.sig}","v":1}}'
    ).encode("ascii")


def _quoted_list(values: Sequence[str]) -> str:
    return "[" + ",".join(f'"{value}"' for value in values) + "]"


def _check_leaves(leaves: Sequence[bytes], keys: dict[str, bytes]) -> list[_Checked]:
    """Parse, check the form of, and verify the signature of each leaf.

    ``keys`` maps key ids to raw public keys: every key the bundle's registrations name.
    Whether a key was *valid* for its author at that point is for the registry replay.
    """
    results: list[_Checked] = []
    append = results.append
    sha256 = hashlib.sha256
    for leaf in leaves:
        try:
            data = json.loads(leaf)
            envelope = Envelope.from_dict(data)
        except (ValueError, RecursionError) as exc:
            append(f"the entry is not a JSON act envelope: {exc}")
            continue
        except TruceError as exc:
            append(f"malformed envelope: {exc.message}")
            continue
        if type(data["v"]) is not int or _canonical(envelope) != leaf:
            append("the entry is not in RFC 8785 canonical form")
            continue
        public_key = keys.get(envelope.key_id)
        if public_key is None:
            signature_ok = None
        else:
            # The leaf is the canonical envelope, whose last two members are "sig" and
            # "v": without "sig" it is exactly the signed bytes.
            signed = leaf.replace(b'"sig":"' + envelope.sig.encode() + b'",', b"", 1)
            signature = base64.urlsafe_b64decode(envelope.sig + "==")
            signature_ok = verify_raw(public_key, signature, signed)
        append(
            (
                sha256(b"\x00" + leaf).digest(),
                envelope.kind,
                envelope.member,
                envelope.delegate,
                envelope.key_id,
                envelope.body_digest,
                envelope.audience == "all",
                envelope.mechanism,
                signature_ok,
            )
        )
    return results


# --------------------------------------------------------------------------- registry


@dataclass(slots=True)
class _Key:
    member: str
    delegate: str
    role: str
    public_key: bytes
    registered: int
    revoked: int | None = None


@dataclass(slots=True)
class _Bodies:
    """What the first pass learnt about the bodies in the bundle."""

    state: dict[bytes, int] = field(default_factory=dict)
    kept: dict[bytes, bytes] = field(default_factory=dict)


@dataclass(slots=True)
class _Head:
    """The fixed members and what the first pass saw of the rest."""

    readme: bytes | None = None
    manifest: bytes | None = None
    scenario: bytes | None = None
    checkpoint: bytes | None = None
    entry_files: list[str] = field(default_factory=list)
    genesis_leaf: bytes | None = None


_FIELDS = {
    "README.txt": "readme",
    "manifest.json": "manifest",
    "scenario.json": "scenario",
    "checkpoint.txt": "checkpoint",
}


def _fail(message: str, index: int | None = None) -> AuditError:
    return AuditError(message, index=index)


# --------------------------------------------------------------------------- pass one


def _first_pass(stream: IO[bytes]) -> tuple[_Head, _Bodies]:
    head = _Head()
    bodies = _Bodies()
    expected = list(bundle_format.FIXED_MEMBERS)
    genesis_digest: bytes | None = None
    for member in read_members(
        stream, skip=lambda name: name.startswith("entries/") and name != "entries/000000.bin"
    ):
        name = member.name
        if expected:
            if name != expected[0]:
                raise _fail(
                    f"the bundle's members are out of order: {name} where {expected[0]} belongs"
                )
            setattr(head, _FIELDS[name], member.data)
            expected.pop(0)
            continue
        if match := bundle_format.ENTRY_NAME.match(name):
            if bodies.state:
                raise _fail(f"{name} comes after the bodies")
            if int(match.group(1)) != len(head.entry_files):
                wanted = bundle_format.entry_file_name(len(head.entry_files))
                raise _fail(f"{name} is out of sequence (expected {wanted})")
            head.entry_files.append(name)
            if member.data is not None:
                leaves = bundle_format.iter_leaves(member.data, name)
                head.genesis_leaf = next(leaves, None)
                genesis_digest = _digest_of(head.genesis_leaf)
            continue
        if match := BODY_NAME.match(name):
            assert member.data is not None
            digest = bytes.fromhex(match.group(1))
            if digest in bodies.state:
                raise _fail(f"{name} appears twice")
            ok = hashlib.sha256(member.data).digest() == digest
            bodies.state[digest] = _PRESENT if ok else _MISMATCH
            if ok and (
                digest == genesis_digest
                or (
                    member.data.startswith(_KEPT_BODY_PREFIX)
                    and len(member.data) <= _KEPT_BODY_LIMIT
                )
            ):
                bodies.kept[digest] = member.data
            continue
        raise _fail(f"the bundle holds an unexpected file {name}")
    if expected:
        raise _fail(f"the bundle lacks {expected[0]}")
    if not head.entry_files or head.genesis_leaf is None:
        raise _fail("the bundle holds no entries")
    return head, bodies


def _digest_of(leaf: bytes | None) -> bytes | None:
    """The body digest a leaf names, read loosely (only to know which body to keep)."""
    if leaf is None:
        return None
    marker = b'"body_digest":"sha256:'
    at = leaf.find(marker)
    if at < 0:
        return None
    try:
        return bytes.fromhex(leaf[at + len(marker) : at + len(marker) + 64].decode("ascii"))
    except ValueError:
        return None


# --------------------------------------------------------------------------- the check


class _Audit:
    """The state of one verification: registry, tree, counters."""

    def __init__(self, scenario: Scenario, bodies: _Bodies, trusted: Checkpoint | None) -> None:
        self.scenario = scenario
        self.mechanism = scenario.mechanism.id
        self.secretariat = scenario.secretariat.code
        self.bodies = bodies
        self.trusted = trusted
        self.registry: dict[str, _Key] = {}
        self.frontier = Frontier.empty()
        self.checked = 0
        self.outside = 0
        for member in scenario.members:
            key = member.public_key()
            self.registry[key.key_id] = _Key(
                member=member.code,
                delegate="root",
                role="secretariat" if member.kind == "secretariat" else "head",
                public_key=key.raw,
                registered=0,
            )

    def public_keys(self) -> dict[str, bytes]:
        """Every key the bundle names: root keys, and every disclosed registration."""
        keys = {key_id: key.public_key for key_id, key in self.registry.items()}
        for content in self.bodies.kept.values():
            try:
                body = json.loads(content)
                key = PublicKey.parse(body["public_key"])
            except (ValueError, TypeError, KeyError, TruceError):
                continue
            keys[key.key_id] = key.raw
        return keys

    def step(self, index: int, checked: _Checked) -> None:
        """Check one entry in log order, then hash it into the tree."""
        if isinstance(checked, str):
            raise _fail(checked, index)
        leaf_hash, kind, member, delegate, key_id, digest, to_all, mechanism, sig_ok = checked
        if mechanism != self.mechanism:
            raise _fail(f"the act is for mechanism {mechanism!r}, not {self.mechanism!r}", index)
        allowed = PERMISSIONS.get(kind)
        if allowed is None:
            raise _fail(f"unknown act kind {kind!r}", index)
        if (kind == GENESIS) != (index == 0):
            raise _fail(
                "the first entry must be the mechanism.genesis act"
                if index == 0
                else "a second mechanism.genesis act",
                index,
            )
        key = self.registry.get(key_id)
        if key is None or (key.member, key.delegate) != (member, delegate):
            raise _fail(f"key {key_id} is not registered to {member}/{delegate}", index)
        if key.revoked is not None:
            raise _fail(
                f"key {key_id} of {member}/{delegate} was revoked at entry {key.revoked}, "
                "before it signed this act",
                index,
            )
        if not sig_ok:
            raise _fail(f"the signature of {member}/{delegate} does not verify", index)
        if key.role not in allowed:
            raise _fail(f"a {key.role} may not sign {kind}", index)
        if kind == GENESIS and delegate != "root":
            raise _fail("the genesis act is signed by the secretariat's root key", index)
        raw_digest = bytes.fromhex(digest[7:])
        state = self.bodies.state.get(raw_digest)
        if state is None:
            self.outside += 1
        elif state == _MISMATCH:
            raise _fail(
                f"its body {bundle_format.body_name(digest)} does not match body_digest {digest}",
                index,
            )
        else:
            self.checked += 1
            if state == _PRESENT:
                self.bodies.state[raw_digest] = _REFERENCED
        if kind == MEMBER_KEY:
            self._member_key(index, member, to_all, raw_digest, state)
        self.frontier.append(leaf_hash)
        trusted = self.trusted
        if trusted is not None and self.frontier.size == trusted.size:
            root = self.frontier.root()
            if root != trusted.root:
                raise LogMisbehaviourError(
                    "the log was rewritten (split view or rollback): the root of its first "
                    f"{trusted.size} entries is {_b64(root)}, but your trusted checkpoint "
                    f"of that size has {_b64(trusted.root)}"
                )

    def _member_key(
        self, index: int, author: str, to_all: bool, digest: bytes, state: int | None
    ) -> None:
        content = self.bodies.kept.get(digest)
        if content is None:
            raise _fail(
                "key registration body not disclosed"
                if state is None
                else "the member.key body is not a key registration",
                index,
            )
        if not to_all:
            raise _fail('a member.key act must be addressed to "all"', index)
        try:
            body = json.loads(content)
            parse_body(MEMBER_KEY, body)
            key = PublicKey.parse(body["public_key"])
        except TruceError as exc:
            raise _fail(f"bad key registration: {exc.message}", index) from exc
        action, delegate, role = body["action"], body["delegate"], body["role"]
        known = self.registry.get(key.key_id)
        if action == "register":
            if known is not None:
                raise _fail(
                    f"key {key.key_id} is already registered to {known.member}/{known.delegate}",
                    index,
                )
            if (role == "secretariat") != (author == self.secretariat):
                raise _fail(
                    "only the secretariat registers secretariat keys, and only those", index
                )
            self.registry[key.key_id] = _Key(author, delegate, role, key.raw, index)
            return
        if known is None or (known.member, known.delegate) != (author, delegate):
            raise _fail(f"revokes key {key.key_id}, which is not {author}/{delegate}'s", index)
        if known.revoked is not None:
            raise _fail(f"key {key.key_id} was already revoked at entry {known.revoked}", index)
        known.revoked = index

    def witness_verifiers(self, origin: str) -> dict[str, list[Verifier]]:
        """Per party or mediator, its registered witness keys not revoked."""
        kinds = {member.code: member.kind for member in self.scenario.members}
        verifiers: dict[str, list[Verifier]] = {}
        for key in self.registry.values():
            if (
                key.role == "witness"
                and key.revoked is None
                and kinds.get(key.member) in ("party", "mediator")
            ):
                name = witness_name(origin, key.member)
                verifiers.setdefault(key.member, []).append(
                    witness_verifier(name, PublicKey(key.public_key))
                )
        return verifiers


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _batches(stream: IO[bytes], head: _Head) -> Iterator[tuple[int, list[bytes]]]:
    """``(first index, leaves)`` for every entry after the genesis, in order."""
    index = 0
    last = head.entry_files[-1]
    for member in read_members(
        stream, skip=lambda name: not name.startswith("entries/"), stop_after=last
    ):
        if member.data is None:
            continue
        leaves = bundle_format.split_leaves(member.data, member.name)
        if member.name != last and len(leaves) != ENTRIES_PER_FILE:
            raise _fail(f"{member.name} holds {len(leaves)} entries, not {ENTRIES_PER_FILE}")
        start = 1 if index == 0 else 0
        for offset in range(start, len(leaves), BATCH):
            yield index + offset, leaves[offset : offset + BATCH]
        index += len(leaves)
        del leaves


def _check_head(head: _Head, scenario_bytes: bytes, scenario: Scenario) -> dict[str, Any]:
    try:
        manifest = json.loads(head.manifest or b"")
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        raise _fail(f"manifest.json is not valid JSON: {exc}") from exc
    if manifest.get("format") != bundle_format.FORMAT:
        raise _fail(f"manifest.json: the format is not {bundle_format.FORMAT}")
    wanted = {
        "mechanism": scenario.mechanism.id,
        "origin": scenario.mechanism.origin,
        "checkpoint_key": scenario.mechanism.checkpoint_key,
    }
    for name, value in wanted.items():
        if manifest.get(name) != value:
            raise _fail(f"manifest.json: {name} is not the genesis scenario's {value!r}")
    exporter = manifest.get("exported_by")
    if (
        not isinstance(exporter, dict)
        or set(exporter) != {"member", "delegate"}
        or scenario.member(str(exporter["member"])) is None
        or not isinstance(exporter["delegate"], str)
    ):
        raise _fail("manifest.json: exported_by does not name a member of the mechanism")
    try:
        parse_time(manifest.get("exported_at"), field="exported_at")
    except TruceError as exc:
        raise _fail(f"manifest.json: {exc.message}") from exc
    size = manifest.get("size")
    if type(size) is not int or size < 1:
        raise _fail("manifest.json: size is not a positive integer")
    if manifest.get("entry_files") != head.entry_files or head.entry_files != (
        bundle_format.entry_file_names(size)
    ):
        raise _fail("manifest.json: entry_files are not the entry files of the bundle")
    expected = bundle_format.manifest_bytes(
        bundle_format.make_manifest(
            mechanism=manifest["mechanism"],
            origin=manifest["origin"],
            checkpoint_key=manifest["checkpoint_key"],
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
    if head.scenario != scenario_bytes:
        raise _fail("scenario.json differs from the scenario of the genesis entry")
    return manifest


def _scenario(head: _Head, bodies: _Bodies) -> tuple[bytes, Scenario]:
    """The scenario carried by entry 0 (its signature is checked with the entry)."""
    assert head.genesis_leaf is not None
    checked = _check_leaves([head.genesis_leaf], {})[0]
    if isinstance(checked, str):
        raise _fail(checked, 0)
    if checked[1] != GENESIS:
        raise _fail("the first entry must be the mechanism.genesis act", 0)
    digest = bytes.fromhex(checked[5][7:])
    content = bodies.kept.get(digest)
    if content is None:
        state = bodies.state.get(digest)
        raise _fail(
            "the genesis body (the scenario) is not in the bundle"
            if state is None
            else "the genesis body does not match its body_digest",
            0,
        )
    try:
        scenario = Scenario.model_validate(json.loads(content))
    except (ValueError, ValidationError) as exc:
        raise _fail(f"the genesis body is not a valid scenario: {exc}", 0) from exc
    return content, scenario


def _open(data: bytes, verifier: Verifier, origin: str, what: str) -> tuple[Checkpoint, Note]:
    try:
        return open_checkpoint(data, verifier, origin=origin)
    except TruceError as exc:
        raise _fail(f"{what}: {exc.message}") from exc


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
    the genesis scenario names. ``workers`` (default: one per core) parse entries and
    verify signatures on ``executor`` threads or forked processes (``auto``: see
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
    pool: Executor
    if executor == "processes":
        pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
        pool.submit(int).result()  # fork every worker now, before the first pass grows
    else:
        pool = ThreadPoolExecutor(count)
    try:
        return _verify(path, pool, count, trusted_checkpoint, log_key, progress, started)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _verify(
    path: Path,
    pool: Executor,
    count: int,
    trusted_checkpoint: bytes | None,
    log_key: str | None,
    progress: Progress | None,
    started: float,
) -> Report:
    try:
        with path.open("rb") as stream:
            head, bodies = _first_pass(stream)
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from exc
    except BundleError as exc:
        raise _fail(exc.message) from exc
    scenario_bytes, scenario = _scenario(head, bodies)
    manifest = _check_head(head, scenario_bytes, scenario)
    origin = scenario.mechanism.origin
    if log_key is not None:
        try:
            checkpoint_key = PublicKey.parse(log_key.strip())
        except TruceError as exc:
            raise _fail(f"--log-key: {exc.message}") from exc
        source: Literal["--log-key", "scenario"] = "--log-key"
    else:
        checkpoint_key = PublicKey.parse(scenario.mechanism.checkpoint_key)
        source = "scenario"
    verifier = log_verifier(origin, checkpoint_key)
    assert head.checkpoint is not None
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
    size = manifest["size"]
    audit = _Audit(scenario, bodies, trusted)
    keys = audit.public_keys()
    audit.step(0, _check_leaves([head.genesis_leaf or b""], keys)[0])
    if progress is not None:
        progress(1, size)
    task = partial(_check_leaves, keys=keys)
    pending: deque[tuple[int, Future[list[_Checked]]]] = deque()
    try:
        with path.open("rb") as stream:
            for first, leaves in _batches(stream, head):
                pending.append((first, pool.submit(task, leaves)))
                if len(pending) >= 4 * count:
                    _drain(audit, pending.popleft(), size, progress)
            while pending:
                _drain(audit, pending.popleft(), size, progress)
    except BundleError as exc:
        raise _fail(exc.message) from exc
    finally:
        for _, future in pending:
            future.cancel()
    total = audit.frontier.size
    if total != size:
        raise _fail(f"the bundle holds {total:,} entries, but its manifest says {size:,}")
    if total != checkpoint.size:
        raise _fail(
            f"the bundle holds {total:,} entries, but checkpoint.txt covers {checkpoint.size:,}"
        )
    root = audit.frontier.root()
    if root != checkpoint.root:
        raise _fail(
            f"the entries lead to the root {_b64(root)}, not to checkpoint.txt's "
            f"{_b64(checkpoint.root)}: entries were changed, removed, added or reordered"
        )
    unreferenced = [d for d, state in bodies.state.items() if state != _REFERENCED]
    if unreferenced:
        raise _fail(
            f"{bundle_format.body_name(unreferenced[0].hex())} is the body of no entry "
            f"({len(unreferenced)} such files)"
        )
    cosigned, ignored = _cosignatures(audit, checkpoint, note, verifier, origin)
    return Report(
        mechanism=scenario.mechanism.id,
        origin=origin,
        size=total,
        root=root,
        checkpoint_key=checkpoint_key.text,
        checkpoint_key_source=source,
        cosigned_by=cosigned,
        witness_threshold=scenario.witness_threshold,
        witness_members=len(scenario.witnesses),
        bodies_checked=audit.checked,
        bodies_outside_audience=audit.outside,
        exported_by=f"{manifest['exported_by']['member']}/{manifest['exported_by']['delegate']}",
        trusted_size=None if trusted_checkpoint is None else (trusted.size if trusted else 0),
        ignored_signatures=ignored,
        elapsed=time.perf_counter() - started,
    )


def _drain(
    audit: _Audit,
    item: tuple[int, Future[list[_Checked]]],
    size: int,
    progress: Progress | None,
) -> None:
    first, future = item
    step = audit.step
    for offset, checked in enumerate(future.result()):
        step(first + offset, checked)
    if progress is not None:
        progress(audit.frontier.size, size)


def _cosignatures(
    audit: _Audit, checkpoint: Checkpoint, note: Note, log: Verifier, origin: str
) -> tuple[tuple[str, ...], int]:
    """The members whose witness cosigned the checkpoint, and the signatures ignored."""
    verifiers = audit.witness_verifiers(origin)
    cosigned: set[str] = set()
    ignored = 0
    for signature in note.signatures:
        if log.matches(signature):
            continue
        matched = False
        for member, candidates in verifiers.items():
            for candidate in candidates:
                if candidate.matches(signature):
                    matched = True
                    try:
                        verify_cosignature(checkpoint, signature, candidate)
                    except TruceError as exc:
                        raise _fail(f"checkpoint.txt: bad cosignature: {exc.message}") from exc
                    cosigned.add(member)
        ignored += not matched
    return tuple(sorted(cosigned)), ignored
