"""The delivery worker: sends what the outbox holds and records every attempt.

Each round it takes the deliveries that are due (``pending``, ``next_attempt_at``
passed), claims each by moving its ``next_attempt_at`` a lease ahead (a conditional
update, so two workers never take the same delivery at once), sends it through its
channel (:mod:`truce.notify.email`, :mod:`truce.notify.webhooks`) and records the
attempt, its outcome and time in ``notify_attempts``.

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

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
    """The page of a notification's case or request."""
    base = base_url.rstrip("/")
    if subject == "case":
        return f"{base}/cases/{subject_idx}"
    return f"{base}/joint-actions#request-{subject_idx}"


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
    ) -> None:
        self.db = db
        self.channels = dict(channels)
        self.now = now
        self.base_url = base_url
        self.interval = interval
        self.jitter = jitter or (lambda: random.uniform(-1.0, 1.0))  # noqa: S311 - not a secret
        self.disable_endpoint = disable_endpoint
        self.lease = lease

    def due(self, limit: int = 100) -> list[tuple[int, datetime]]:
        """The deliveries due now, oldest first, with their ``next_attempt_at``."""
        with self.db.read() as connection:
            rows = connection.execute(
                select(NotifyDelivery.id, NotifyDelivery.next_attempt_at)
                .where(
                    NotifyDelivery.status == "pending",
                    NotifyDelivery.next_attempt_at <= self.now(),
                    NotifyDelivery.channel.in_(list(self.channels)),
                )
                .order_by(NotifyDelivery.next_attempt_at, NotifyDelivery.id)
                .limit(limit)
            ).all()
        return [(row.id, row.next_attempt_at) for row in rows]

    def round(self) -> int:
        """Attempt every delivery due now, once; return how many were attempted."""
        done = 0
        for delivery_id, seen in self.due():
            claimed = self._claim(delivery_id, seen)
            if claimed is None:
                continue  # another worker took it
            channel, target, message, attempts = claimed
            at = self.now()
            try:
                outcome = self.channels[channel].send(message, target, at)
            except Exception as exc:  # a channel's bug must not stop the others
                log.exception("delivery %s failed", delivery_id)
                outcome = Outcome(detail=f"{type(exc).__name__}: {exc}"[:500])
            self._record(delivery_id, channel, target, attempts + 1, at, outcome)
            done += 1
        return done

    def run(self, stop: threading.Event) -> None:
        """Deliver every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                while self.round() and not stop.is_set():
                    pass
            except Exception:  # a background thread must outlive a bad round
                log.exception("the delivery worker's round failed")
            stop.wait(self.interval)

    def _claim(self, delivery_id: int, seen: datetime) -> tuple[str, str, Message, int] | None:
        with self.db.write() as connection:
            taken = connection.execute(
                update(NotifyDelivery)
                .where(
                    NotifyDelivery.id == delivery_id,
                    NotifyDelivery.status == "pending",
                    NotifyDelivery.next_attempt_at == seen,
                )
                .values(next_attempt_at=self.now() + self.lease)
            ).rowcount
            if taken != 1:
                return None
            d = connection.execute(
                select(
                    NotifyDelivery.channel,
                    NotifyDelivery.target,
                    NotifyDelivery.attempts,
                    NotifyDelivery.notification_id,
                ).where(NotifyDelivery.id == delivery_id)
            ).one()
            n = connection.execute(
                select(Notification).where(Notification.id == d.notification_id)
            ).one()
        message = Message(
            id=n.id,
            kind=n.kind,
            reason=n.reason,
            subject=n.subject,
            subject_idx=n.subject_idx,
            number=n.number,
            act_idx=n.act_idx,
            leaf_hash=n.leaf_hash,
            member=n.member,
            delegate=n.delegate,
            language=n.language,
            created_at=n.created_at,
            link=link(self.base_url, n.subject, n.subject_idx),
        )
        return d.channel, d.target, message, d.attempts

    def _record(
        self,
        delivery_id: int,
        channel: str,
        target: str,
        attempts: int,
        at: datetime,
        outcome: Outcome,
    ) -> None:
        values: dict[str, object] = {"attempts": attempts, "last_error": None}
        if outcome.delivered:
            word = "delivered"
            values |= {"status": "delivered", "delivered_at": at, "next_attempt_at": None}
        elif outcome.disable:
            word = "disabled"
            values |= {"status": "disabled", "next_attempt_at": None}
        elif outcome.final or attempts >= ATTEMPTS:
            word = "failed"
            values |= {"status": "failed", "next_attempt_at": None}
        else:
            word = "retry"
            wait = outcome.retry_after
            if wait is None:
                wait = next_wait(attempts, max(-1.0, min(1.0, self.jitter())))
            values |= {"next_attempt_at": at + wait}
        if not outcome.delivered:
            values["last_error"] = outcome.detail[:500]
        with self.db.write() as connection:
            connection.execute(
                update(NotifyDelivery).where(NotifyDelivery.id == delivery_id).values(**values)
            )
            connection.execute(
                insert(NotifyAttempt).values(
                    delivery_id=delivery_id,
                    at=at,
                    outcome=word,
                    status_code=outcome.status_code,
                    detail=outcome.detail[:500],
                )
            )
            if outcome.disable and self.disable_endpoint is not None and channel == "webhook":
                self.disable_endpoint(connection, target, outcome.detail, at)
