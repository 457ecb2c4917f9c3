"""Group commit: concurrent submissions admitted together, each with its own outcome.

Admitting one act in its own write transaction costs a transaction, a walk of the
Merkle frontier, a signed checkpoint and a second transaction for the receipt; under
load, most of a request's time was spent waiting for the write lock that every other
request held for the same fixed costs. :class:`GroupCommit` queues the submissions
that arrive while a batch is being written, and a single writer thread admits each
queue in one transaction (:func:`admit_each`):

- every act is checked on its own, against the log and projections as the acts before
  it in the batch leave them (:meth:`truce.log.admission.Admission.admit`), so a
  replay, a key change or two conflicting workflow steps inside one batch are judged
  exactly as if the acts had come one by one, in queue order;
- a refused act gets its own precise error; nothing of it is written, and the others
  are not affected;
- the accepted acts are appended with one set of Merkle node writes, and one
  checkpoint is signed for the batch (the log's rule is a checkpoint after every batch
  of appends), in the same transaction;
- each receipt (leaf, that checkpoint, inclusion proof) is built in the same
  transaction, from one lookup of stored subtrees.

Nobody waits for a batch to fill: the writer takes whatever is queued as soon as the
previous batch commits, so a lone request is written at once, and batches grow only as
fast as requests arrive while the database is busy. The writer thread exists only while
there is work; the first submission of a quiet period starts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from truce.accounts.service import Identity, identify_all
from truce.errors import AuthenticationError, TruceError
from truce.ledger.envelope import SignedAct
from truce.log import checkpoints
from truce.log.admission import Admission, Receipt
from truce.log.store import LogStore

#: The most acts one transaction admits: bounds a batch's latency under a flood.
MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class Submission:
    """An act, with who posted it: an identity, or a bearer token still to check.

    A token is checked by the writer, once per distinct token in a batch, instead of
    once per request. With neither, the caller is trusted (set-up, tests).
    """

    act: SignedAct
    submitter: Identity | None = None
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Admitted:
    """An accepted act: where it sits, and its receipt document (None without a signer)."""

    receipt: Receipt
    document: dict[str, Any] | None


Outcome = Admitted | Exception


def admit_each(admission: Admission, submissions: Sequence[Submission]) -> list[Outcome]:
    """Admit ``submissions`` in one transaction; one outcome per submission, in order.

    A refusal is an outcome, not a failure of the batch. Anything else that goes wrong
    (a database error, a projection that cannot be written) rolls the transaction back;
    each submission is then admitted alone, so that only the one that causes the fault
    fails with it.
    """
    try:
        return _together(admission, submissions)
    except Exception:
        if len(submissions) == 1:
            raise
    outcomes: list[Outcome] = []
    for submission in submissions:
        try:
            outcomes.extend(_together(admission, [submission]))
        except Exception as exc:  # delivered to its own submitter
            outcomes.append(exc)
    return outcomes


def _submitters(
    connection: Connection, submissions: Sequence[Submission]
) -> list[Identity | AuthenticationError | None]:
    """Who sent each submission; a token that names nobody is that submission's error.

    Tokens are looked up in the batch's own transaction, all in one query: a token
    revoked before the batch began authenticates none of its acts.
    """
    tokens = {submission.token for submission in submissions if submission.token is not None}
    found = identify_all(connection, tokens) if tokens else {}
    return [
        submission.submitter if submission.token is None else found[submission.token]
        for submission in submissions
    ]


def _together(admission: Admission, submissions: Sequence[Submission]) -> list[Outcome]:
    refusals: dict[int, Exception] = {}
    positions: list[int] = []
    submitters: list[Identity | None] = []

    def refuse(at: int, error: TruceError) -> None:
        refusals[positions[at]] = error

    with admission.db.write() as connection:
        for position, submitter in enumerate(_submitters(connection, submissions)):
            if isinstance(submitter, AuthenticationError):
                refusals[position] = submitter
            else:
                positions.append(position)
                submitters.append(submitter)
        acts = [submissions[position].act for position in positions]
        store = LogStore(connection)
        store.head(lock=True)
        admitted = [
            (positions[at], receipt)
            for at, receipt in admission.admit(store, acts, submitters, refuse)
        ]
        documents: list[dict[str, Any] | None] = [None] * len(admitted)
        if admitted:
            note = admission.sign(store, fresh=True)
            if note is not None:
                documents = list(
                    checkpoints.fresh_receipts(
                        store,
                        note,
                        admission.mechanism(connection).id,
                        [
                            (
                                receipt.index,
                                submissions[position].act.envelope.leaf_bytes(),
                                receipt.leaf_hash,
                            )
                            for position, receipt in admitted
                        ],
                    )
                )
    outcomes: list[Outcome | None] = [None] * len(submissions)
    for position, error in refusals.items():
        outcomes[position] = error
    for (position, receipt), document in zip(admitted, documents, strict=True):
        outcomes[position] = Admitted(receipt, document)
    return [outcome for outcome in outcomes if outcome is not None]


class GroupCommit:
    """The queue of one :class:`Admission` and the writer thread that drains it."""

    def __init__(self, admission: Admission, *, max_batch: int = MAX_BATCH) -> None:
        self.admission = admission
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[tuple[Submission, _Waiter]] = []
        self._writing = False

    @property
    def queued(self) -> int:
        """How many submissions wait for the writer to take them."""
        with self._lock:
            return len(self._pending)

    def enqueue(self, submission: Submission) -> Future[Admitted]:
        """Queue a submission; its future ends with :class:`Admitted` or its own error."""
        future: Future[Admitted] = Future()
        self._put(submission, future)
        return future

    async def submit(
        self, act: SignedAct, submitter: Identity | None = None, *, token: str | None = None
    ) -> Admitted:
        """Admit ``act`` with whatever else is queued, without blocking the event loop.

        The writer settles the futures of one event loop with one callback per batch,
        not one wake-up of the loop per act.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Admitted] = loop.create_future()
        self._put(Submission(act, submitter, token), (loop, future))
        return await future

    def submit_sync(self, act: SignedAct, submitter: Identity | None = None) -> Admitted:
        """Admit ``act`` with whatever else is queued, waiting in this thread."""
        return self.enqueue(Submission(act, submitter)).result()

    def _put(self, submission: Submission, waiter: _Waiter) -> None:
        with self._lock:
            self._pending.append((submission, waiter))
            if self._writing:
                return
            self._writing = True
        threading.Thread(target=self._drain, name="truce-group-commit", daemon=True).start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                if not batch:
                    self._writing = False
                    return
            self._write(batch)

    def _write(self, batch: list[tuple[Submission, _Waiter]]) -> None:
        try:
            outcomes = admit_each(self.admission, [submission for submission, _ in batch])
        except Exception as exc:  # e.g. the database is unreachable
            outcomes = [exc] * len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Admitted], Outcome]]]
        by_loop = {}
        for (_, waiter), outcome in zip(batch, outcomes, strict=True):
            if isinstance(waiter, Future):
                _settle_one(waiter, outcome)
            else:
                loop, future = waiter
                by_loop.setdefault(loop, []).append((future, outcome))
        for loop, settled in by_loop.items():
            # A loop closed meanwhile has no one left waiting.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle_all, settled)


#: Who waits for an outcome: a thread, or a coroutine on an event loop.
_Waiter = Future[Admitted] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[Admitted]"]


def _settle_one(future: Future[Admitted] | asyncio.Future[Admitted], outcome: Outcome) -> None:
    if isinstance(outcome, Admitted):
        future.set_result(outcome)
    else:
        future.set_exception(outcome)


def _settle_all(settled: list[tuple[asyncio.Future[Admitted], Outcome]]) -> None:
    """Called on the futures' event loop: end each that is still awaited."""
    for future, outcome in settled:
        if not future.done():  # done: its request was cancelled
            _settle_one(future, outcome)
