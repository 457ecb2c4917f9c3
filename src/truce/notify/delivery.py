"""The delivery worker: sends what the outbox holds and records every attempt.

Each round claims the deliveries that are due (``pending``, ``next_attempt_at``
passed) in one write transaction, moving their ``next_attempt_at`` a lease ahead so
that no other worker takes them meanwhile; sends them through their channels
(:mod:`truce.notify.email`, :mod:`truce.notify.webhooks`), several at once; and records
every attempt, its outcome and time in ``notify_attempts``, in one more transaction.

A failed attempt is tried again on the Standard Webhooks schedule
(:data:`SCHEDULE`: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and
24 h after each failure), each wait spread by up to a tenth either way (jitter) so
that a receiver coming back is not met by every retry at once; a ``Retry-After`` (429,
503) replaces the step's wait; after the tenth failure the delivery is ``failed``,
until someone sends it again (:func:`truce.notify.service.send_again`). ``410 Gone``
disables the endpoint and every delivery pending for it. The worker keeps no state: a
worker killed at any point leaves each delivery pending, to be claimed again once its
lease has run out, so nothing is lost; a delivery sent but not yet recorded when the
worker died is sent again, with the same ``webhook-id`` and ``Message-ID`` for
receivers to deduplicate by.

The clock and the jitter are injected, so a test runs a day of retries without sleeping.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, insert, select, update

from truce.storage.db import Database
from truce.storage.models_notify import Notification, NotifyAttempt, NotifyDelivery

log = logging.getLogger(__name__)

#: The waits after the 1st, 2nd, … 9th failed attempt (the first attempt is immediate).
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
ATTEMPTS = len(SCHEDULE) + 1
#: How far either way a wait may be moved at random.
JITTER = 0.1
#: How long a claimed delivery is left to the worker that claimed it.
LEASE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Message:
    """What a channel sends: one notification, as its recipient is to read it."""

    id: str
    kind: str
    reason: str
    subject: str
    subject_idx: int
    number: int | None
    act_idx: int
    leaf_hash: str
    member: str
    delegate: str
    language: str
    created_at: datetime
    link: str
    #: The deadline a reminder is about.
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to: ``delivered``; or not, with the receiver's status code,
    the wait it asked for (``Retry-After``), whether trying again is pointless
    (``final``) or the endpoint is gone (``disable``)."""

    delivered: bool = False
    status_code: int | None = None
    retry_after: timedelta | None = None
    final: bool = False
    disable: bool = False
    detail: str = ""


class Channel(Protocol):
    """Sends a message to one target (an e-mail address, an endpoint's id)."""

    def send(self, message: Message, target: str, now: datetime) -> Outcome: ...


def link(base_url: str, subject: str, subject_idx: int) -> str:
    """The page of a notification's case or request; the log's, for an alarm about a
    witness (whose subject is the witness's member)."""
    base = base_url.rstrip("/")
    if subject == "case":
        return f"{base}/cases/{subject_idx}"
    if subject == "joint":
        return f"{base}/joint-actions#request-{subject_idx}"
    if subject == "report":
        return f"{base}/reports/published#report-{subject_idx}"
    return f"{base}/log"


def message_of(row: Any, base_url: str) -> Message:
    """The message of a ``notifications`` row."""
    return Message(
        id=row.id,
        kind=row.kind,
        reason=row.reason,
        subject=row.subject,
        subject_idx=row.subject_idx,
        number=row.number,
        act_idx=row.act_idx,
        leaf_hash=row.leaf_hash,
        member=row.member,
        delegate=row.delegate,
        language=row.language,
        created_at=row.created_at,
        link=link(base_url, row.subject, row.subject_idx),
        due_at=row.due_at,
    )


def next_wait(attempts: int, jitter: float) -> timedelta:
    """The wait after the ``attempts``-th failed attempt, moved by ``jitter`` (-1 to 1)
    times :data:`JITTER` of itself."""
    step = SCHEDULE[min(attempts, len(SCHEDULE)) - 1]
    return step * (1 + JITTER * jitter)


class Deliverer:
    """Delivers the outbox; see the module docstring."""

    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        now: Callable[[], datetime],
        *,
        base_url: str = "http://127.0.0.1:8000",
        interval: float = 2.0,
        jitter: Callable[[], float] | None = None,
        disable_endpoint: Callable[[Connection, str, str, datetime], None] | None = None,
        lease: timedelta = LEASE,
        batch: int = 100,
        concurrency: int = 8,
    ) -> None:
        self.db = db
        self.channels = dict(channels)
        self.now = now
        self.base_url = base_url
        self.interval = interval
        self.jitter = jitter or (lambda: random.uniform(-1.0, 1.0))  # noqa: S311 - not a secret
        self.disable_endpoint = disable_endpoint
        self.lease = lease
        self.batch = batch
        self.concurrency = concurrency

    def round(self) -> int:
        """Attempt every delivery due now (at most ``batch``), once; return how many."""
        claimed = self._claim()
        if not claimed:
            return 0
        if len(claimed) == 1 or self.concurrency == 1:
            results = [self._send(claim) for claim in claimed]
        else:
            with ThreadPoolExecutor(min(self.concurrency, len(claimed))) as pool:
                results = list(pool.map(self._send, claimed))
        self._record(results)
        return len(results)

    def run(self, stop: threading.Event) -> None:
        """Deliver every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                while self.round() and not stop.is_set():
                    pass
            except Exception:  # a background thread must outlive a bad round
                log.exception("the delivery worker's round failed")
            stop.wait(self.interval)

    def _claim(self) -> list[_Claim]:
        """Take the deliveries due now in one write transaction, each moved a lease ahead
        so that no other worker takes it meanwhile (on PostgreSQL, rows another worker
        is claiming are skipped, not waited for)."""
        now = self.now()
        with self.db.write() as connection:
            rows = connection.execute(
                select(
                    NotifyDelivery.id.label("delivery_id"),
                    NotifyDelivery.channel,
                    NotifyDelivery.target,
                    NotifyDelivery.attempts,
                    Notification,
                )
                .join(Notification, Notification.id == NotifyDelivery.notification_id)
                .where(
                    NotifyDelivery.status == "pending",
                    NotifyDelivery.next_attempt_at <= now,
                    NotifyDelivery.channel.in_(list(self.channels)),
                )
                .order_by(NotifyDelivery.next_attempt_at, NotifyDelivery.id)
                .limit(self.batch)
                .with_for_update(of=NotifyDelivery, skip_locked=True)
            ).all()
            if not rows:
                return []
            connection.execute(
                update(NotifyDelivery)
                .where(NotifyDelivery.id.in_([row.delivery_id for row in rows]))
                .values(next_attempt_at=now + self.lease)
            )
        return [
            _Claim(
                delivery_id=row.delivery_id,
                channel=row.channel,
                target=row.target,
                attempts=row.attempts,
                message=message_of(row, self.base_url),
            )
            for row in rows
        ]

    def _send(self, claim: _Claim) -> tuple[_Claim, datetime, Outcome]:
        at = self.now()
        try:
            outcome = self.channels[claim.channel].send(claim.message, claim.target, at)
        except Exception as exc:  # a channel's bug must not stop the others
            log.exception("delivery %s failed", claim.delivery_id)
            outcome = Outcome(detail=f"{type(exc).__name__}: {exc}"[:500])
        return claim, at, outcome

    def _record(self, results: list[tuple[_Claim, datetime, Outcome]]) -> None:
        """Record every attempt of a round, and where each delivery stands, in one write
        transaction."""
        with self.db.write() as connection:
            for claim, at, outcome in results:
                word, values = self._judge(claim.attempts + 1, at, outcome)
                connection.execute(
                    update(NotifyDelivery)
                    .where(NotifyDelivery.id == claim.delivery_id)
                    .values(**values)
                )
                connection.execute(
                    insert(NotifyAttempt).values(
                        delivery_id=claim.delivery_id,
                        at=at,
                        outcome=word,
                        status_code=outcome.status_code,
                        detail=outcome.detail[:500],
                    )
                )
                if outcome.disable and self.disable_endpoint and claim.channel == "webhook":
                    self.disable_endpoint(connection, claim.target, outcome.detail, at)

    def _judge(
        self, attempts: int, at: datetime, outcome: Outcome
    ) -> tuple[str, dict[str, object]]:
        """The attempt's outcome in a word, and the delivery's new values."""
        values: dict[str, object] = {"attempts": attempts, "last_error": None}
        if outcome.delivered:
            return "delivered", values | {
                "status": "delivered",
                "delivered_at": at,
                "next_attempt_at": None,
            }
        values["last_error"] = outcome.detail[:500]
        if outcome.disable:
            return "disabled", values | {"status": "disabled", "next_attempt_at": None}
        if outcome.final or attempts >= ATTEMPTS:
            return "failed", values | {"status": "failed", "next_attempt_at": None}
        wait = outcome.retry_after
        if wait is None:
            wait = next_wait(attempts, max(-1.0, min(1.0, self.jitter())))
        return "retry", values | {"next_attempt_at": at + wait}


@dataclass(frozen=True, slots=True)
class _Claim:
    """A delivery a worker has taken: its channel, target, attempts so far, message."""

    delivery_id: int
    channel: str
    target: str
    attempts: int
    message: Message
