"""Signatures of a batch of acts: checked against the keys as registered, on every core.

Admission asks :class:`Signatures` for each run of acts it checks. The keys an act
names are read from the ``delegate_keys`` projection into the batch's
:class:`~truce.verify.registry.KeyRegistry` (one query for the keys a run names), and
every signature is verified with the one acceptance rule of
:func:`truce.ledger.keys.verify_raw`. Ed25519 verification releases the GIL, so a run's
signatures are verified in worker threads while admission goes on with the other
checks, and the server may verify an act as it arrives (:meth:`Signatures.precheck`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection

from truce.ledger.envelope import SignedAct
from truce.ledger.keys import PublicKey, b64url_decode, verify_raw
from truce.log.queries import registered_keys
from truce.verify.registry import KeyRegistry


@dataclass(slots=True)
class BatchKeys:
    """The key registry as the batch's transaction sees it, filled on demand from rows;
    ``looked_up`` holds every key id already asked for, registered or not."""

    registry: KeyRegistry
    looked_up: set[str]

    @classmethod
    def empty(cls, secretariat: str) -> BatchKeys:
        """No key looked up yet."""
        return cls(KeyRegistry(secretariat), set())


_WORKERS = os.cpu_count() or 1
#: From this many signatures in a run, they are verified in the worker threads.
PARALLEL_FROM = 16
#: Registered public keys a process keeps for :meth:`Signatures.precheck`.
_PUBLIC_KEYS_KEPT = 10_000
_pool: ThreadPoolExecutor | None = None


def _verifier_pool() -> ThreadPoolExecutor:
    """The threads that verify signatures (created on first use, one per core)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="truce-verify")
    return _pool


def _verify_chunk(jobs: Sequence[tuple[bytes, bytes, bytes]]) -> list[bool]:
    """Verify ``(public key, signature, message)`` triples; the work runs without the GIL."""
    return [verify_raw(*job) for job in jobs]


class Signatures:
    """Verifies the signatures of the acts admission checks, and keeps the public keys
    this process found registered.

    A key id is the RFC 7638 thumbprint of its key, so a kept key never goes stale;
    whether it is still registered and unrevoked is checked in each batch.
    """

    def __init__(self) -> None:
        self._public_keys: dict[str, PublicKey] = {}

    def precheck(self, act: SignedAct) -> None:
        """Verify the act's signature now, in the calling thread, if this process knows
        the key it names; admission then takes the answer instead of verifying again.

        The server calls it on the event loop's thread as it receives an act. Ed25519
        verification releases the GIL, so the writer admitting the previous batch goes
        on meanwhile, and the batch no longer waits for the largest single cost of an
        act. An unknown or since revoked key changes nothing: admission checks the key
        as registered in its own transaction, and verifies whatever was not verified.
        """
        key = self._public_keys.get(act.envelope.key_id)
        if key is not None:
            act.envelope.verify_signature(key)

    def verify(
        self, connection: Connection, acts: Sequence[SignedAct], keys: BatchKeys
    ) -> Iterator[bool | None]:
        """Check the signatures of a run of acts; None where no key is known.

        An answer :meth:`precheck` found for the registered key is taken as
        it is. The rest are verified on every core: Ed25519 verification releases the
        GIL, so worker threads verify contiguous chunks while the caller goes on with
        the other checks, taking each result as it needs it.
        """
        self.load(connection, {act.envelope.key_id for act in acts}, keys)
        get = keys.registry.keys.get
        found = [get(act.envelope.key_id) for act in acts]
        known = [
            None if key is None else act.envelope.verified_by(key.public_key)
            for act, key in zip(acts, found, strict=True)
        ]
        jobs = [
            (key.public_key.raw, b64url_decode(act.envelope.sig), act.envelope.signing_bytes())
            for act, key, answer in zip(acts, found, known, strict=True)
            if key is not None and answer is None
        ]
        verified = iter(self.verify_jobs(jobs))
        for key, answer in zip(found, known, strict=True):
            yield next(verified) if key is not None and answer is None else answer

    @staticmethod
    def verify_jobs(jobs: Sequence[tuple[bytes, bytes, bytes]]) -> Iterator[bool]:
        """``verify_raw`` of each job, in order; in the pool's threads for many jobs."""
        if len(jobs) < PARALLEL_FROM:
            yield from _verify_chunk(jobs)
            return
        size = -(-len(jobs) // (2 * _WORKERS))
        futures = [
            _verifier_pool().submit(_verify_chunk, jobs[start : start + size])
            for start in range(0, len(jobs), size)
        ]
        try:
            for future in futures:
                yield from future.result()
        finally:
            for future in futures:
                future.cancel()

    def load(self, connection: Connection, key_ids: set[str], keys: BatchKeys) -> None:
        """Put the registered keys among ``key_ids`` in the registry, with one query for
        those not looked up yet."""
        wanted = sorted(key_ids - keys.looked_up)
        if not wanted:
            return
        keys.looked_up.update(wanted)
        add = keys.registry.add
        public_keys = self._public_keys
        for key in registered_keys(connection, wanted):
            add(key)
            if len(public_keys) >= _PUBLIC_KEYS_KEPT:
                public_keys.clear()
            public_keys[key.key_id] = key.public_key
