"""The in-order half of offline verification: the key registry, the tree, the witnesses.

:class:`Replay` takes the :class:`~truce.verify.leaves.BatchResult` of each batch
in log order. It replays the key registry (:class:`~truce.verify.registry.KeyRegistry`,
the one admission and the mirror use: root keys from the genesis scenario, then every
``member.key`` register and revoke, with admission's rules), checks that each entry's key
was registered to its author and not revoked at that point, that the author's role may
sign the kind (:data:`truce.verify.registry.PERMISSIONS`), that its signature verified
and that its body (if present) matched its digest, and folds the batch's complete
subtrees into an RFC 6962 frontier. A batch's entries share a few signers, so an entry
whose signer has already passed the registry checks (and whose registry has not changed
since) costs a byte comparison: the per-entry work is in the workers.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Final

from truce.ledger.checkpoint import Checkpoint, verify_cosignature, witness_verifier
from truce.ledger.errors import LogMisbehaviourError, ProofError, TruceError
from truce.ledger.merkle import Frontier
from truce.ledger.note import Note, Verifier
from truce.verify.bundle import ENTRIES_PER_FILE, body_file_name
from truce.verify.genesis import Genesis
from truce.verify.leaves import BODY_ABSENT, BODY_MISMATCH, BODY_OK, SIG_OK, BatchResult, Signer
from truce.verify.registry import GENESIS, MEMBER_KEY, KeyRegistry

__all__ = ["GENESIS", "MEMBER_KEY", "AuditError", "Replay", "cosignatures"]

_GOOD: Final = (SIG_OK + BODY_ABSENT, SIG_OK + BODY_OK)
_GOOD_FLAGS: Final = bytes(_GOOD)


class AuditError(ProofError):
    """The bundle does not verify; ``index`` is the first bad entry, when it is one."""

    slug = "audit-failed"
    title = "The audit bundle does not verify"

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(f"entry {index}: {message}" if index is not None else message)
        self.index = index
        self.reason = message


def b64(data: bytes) -> str:
    """Standard base64, as checkpoints write roots."""
    return base64.b64encode(data).decode("ascii")


class Replay:
    """The state of one verification in log order: registry, tree, counters."""

    def __init__(self, genesis: Genesis, trusted: Checkpoint | None) -> None:
        self.genesis = genesis
        self.mechanism = genesis.mechanism
        self.trusted = trusted
        self.registry = KeyRegistry.from_genesis(genesis)
        self.size = 0
        self._hashes: list[bytes] = []
        self.checked = 0
        self.outside = 0
        self._passed: set[Signer] = set()

    def root(self) -> bytes:
        """The RFC 6962 root of the entries replayed so far."""
        return Frontier(self.size, self._hashes).root()

    def batch(self, result: BatchResult) -> None:
        """Check a batch of entries in log order, then add them to the tree.

        Raises :class:`AuditError` naming the first bad entry, or
        :class:`~truce.errors.LogMisbehaviourError` when the trusted checkpoint's root is
        not that of the log's first entries.
        """
        first, flags, ids, signers = result.first, result.flags, result.ids, result.signers
        if first != self.size:
            raise AssertionError(f"batch at {first} replayed at {self.size}")
        passed = self._passed
        if flags.translate(None, _GOOD_FLAGS) or not passed.issuperset(signers):
            good = _GOOD
            for offset, state in enumerate(flags):
                signer = signers[ids[offset]]
                if state in good and signer in passed:
                    continue
                self._entry(first + offset, signer, state, result)
        # Otherwise every entry is good and its signer has passed: nothing to check.
        self.outside += flags.count(SIG_OK + BODY_ABSENT)
        self.checked += len(flags) - flags.count(SIG_OK + BODY_ABSENT)
        trusted = self.trusted
        if trusted is not None and first < trusted.size <= first + len(flags):
            self._check_trusted(trusted, result)
        else:
            for level, node in result.subtrees:
                self._add(level, node)
        if result.error is not None:
            offset, message = result.error
            raise AuditError(message, index=first + offset)

    def _add(self, level: int, node: bytes) -> None:
        """Append a complete subtree of ``2**level`` leaves (the tree's size is a multiple)."""
        hashes = self._hashes
        units = self.size >> level
        while units & 1:
            node = hashlib.sha256(b"\x01" + hashes.pop() + node).digest()
            units >>= 1
        hashes.append(node)
        self.size += 1 << level

    def _check_trusted(self, trusted: Checkpoint, result: BatchResult) -> None:
        """Add the batch leaf by leaf, checking the root at the trusted checkpoint's size."""
        leaf_hashes = result.leaf_hashes
        for start in range(0, len(result.flags) * 32, 32):
            self._add(0, leaf_hashes[start : start + 32])
            if self.size == trusted.size:
                root = self.root()
                if root != trusted.root:
                    raise LogMisbehaviourError(
                        "the log was rewritten (split view or rollback): the root of its "
                        f"first {trusted.size} entries is {b64(root)}, but your trusted "
                        f"checkpoint of that size has {b64(trusted.root)}"
                    )

    def _entry(self, index: int, signer: Signer, state: int, result: BatchResult) -> None:
        """Every check of one entry, in the order that decides which reason is given."""
        kind, member, delegate, key_id, mechanism, to_all = signer
        if mechanism != self.mechanism:
            raise AuditError(
                f"the act is for mechanism {mechanism!r}, not {self.mechanism!r}", index=index
            )
        registry = self.registry
        try:
            registry.permitted(kind)
            if (kind == GENESIS) != (index == 0):
                raise AuditError(
                    "the first entry must be the mechanism.genesis act"
                    if index == 0
                    else "a second mechanism.genesis act",
                    index=index,
                )
            key = registry.signer(key_id, member, delegate)
            if state & ~3 != SIG_OK:
                raise AuditError(
                    f"the signature of {member}/{delegate} does not verify", index=index
                )
            registry.check_role(key, kind)
        except AuditError:
            raise
        except TruceError as exc:
            raise AuditError(exc.message, index=index) from exc
        if kind == GENESIS and delegate != "root":
            raise AuditError("the genesis act is signed by the secretariat's root key", index=index)
        body = state & 3
        if body == BODY_MISMATCH:
            digest = result.digests[index - result.first]
            raise AuditError(
                f"its body in {body_file_name(index // ENTRIES_PER_FILE)} does not match "
                f"body_digest {digest}",
                index=index,
            )
        if kind == MEMBER_KEY:
            self._member_key(index, member, to_all, result.bodies.get(index - result.first))
        elif kind != GENESIS:
            self._passed.add(signer)

    def _member_key(self, index: int, author: str, to_all: bool, content: bytes | None) -> None:
        """Replay one ``member.key`` act: a registration or a revocation."""
        if content is None:
            raise AuditError("key registration body not disclosed", index=index)
        # A registry change may turn a signer's verdict: check each one afresh.
        self._passed.clear()
        try:
            body = json.loads(content)
        except ValueError as exc:
            raise AuditError(f"bad key registration: {exc}", index=index) from exc
        try:
            self.registry.apply(index, author, to_all, body)
        except TruceError as exc:
            raise AuditError(f"bad key registration: {exc.message}", index=index) from exc

    def witness_verifiers(self) -> dict[str, list[Verifier]]:
        """Per party or mediator, its registered witness keys not revoked, each under the
        key name the genesis scenario gives the member's witness."""
        kinds = {member.code: member.kind for member in self.genesis.members}
        verifiers: dict[str, list[Verifier]] = {}
        for key in self.registry.keys.values():
            if (
                key.role == "witness"
                and key.revoked is None
                and kinds.get(key.member) in ("party", "mediator")
            ):
                name = self.genesis.witness_key_name(key.member)
                verifiers.setdefault(key.member, []).append(witness_verifier(name, key.public_key))
        return verifiers


def cosignatures(
    replay: Replay, checkpoint: Checkpoint, note: Note, log: Verifier
) -> tuple[tuple[str, ...], int]:
    """The members whose witness cosigned the checkpoint, and the signatures ignored.

    A cosignature from a witness key registered (and not revoked) in the log must verify
    (C2SP ``tlog-cosignature``); a signature by any other key is ignored and counted.
    """
    verifiers = replay.witness_verifiers()
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
                        raise AuditError(f"checkpoint.txt: bad cosignature: {exc.message}") from exc
                    cosigned.add(member)
        ignored += not matched
    return tuple(sorted(cosigned)), ignored
