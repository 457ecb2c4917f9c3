"""The daily digest: one e-mail a day to each delegate who chose it, of everything held.

A delegate (or its member's default, set by the head) may choose ``digest``: the outbox
then writes its e-mail deliveries ``held`` instead of ``pending``. Once a day, from
``TRUCE_NOTIFY_DIGEST_HOUR`` (UTC), this worker sends each address one message listing
every notification held for it since (titles and links only, as every notification),
and records an attempt for each notification it carried: ``delivered``, or ``retry``
(it stays held, and is tried again after :data:`RETRY`), or ``failed`` when the server
refuses the address.
It keeps no state: what is held before today's hour goes in today's digest.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import insert, or_, select, update

from truce.notify.delivery import message_of
from truce.notify.email import EmailChannel, compose_digest
from truce.storage.db import Database
from truce.storage.models_notify import Notification, NotifyAttempt, NotifyDelivery

log = logging.getLogger(__name__)
#: How long a digest the server did not take waits before it is tried again.
RETRY = timedelta(minutes=15)


def next_run(at: datetime, hour: int) -> datetime:
    """When the first digest to carry a notification written at ``at`` is sent: the
    next ``hour`` o'clock (UTC) after ``at``."""
    today = datetime.combine(at.date(), time(hour), tzinfo=at.tzinfo)
    return today if at < today else today + timedelta(days=1)


class Digest:
    """Sends the daily digests; see the module docstring."""

    def __init__(
        self,
        db: Database,
        channel: EmailChannel,
        now: Callable[[], datetime],
        *,
        hour: int = 6,
        base_url: str = "http://127.0.0.1:8000",
        interval: float = 60.0,
    ) -> None:
        self.db = db
        self.channel = channel
        self.now = now
        self.hour = hour
        self.base_url = base_url
        self.interval = interval

    def cutoff(self, at: datetime) -> datetime:
        """The start of the latest digest hour at or before ``at``."""
        today = datetime.combine(at.date(), time(self.hour), tzinfo=at.tzinfo)
        return today if at >= today else today - timedelta(days=1)

    def tick(self) -> int:
        """Send every digest due now; return how many e-mails were sent."""
        at = self.now()
        with self.db.read() as connection:
            rows = connection.execute(
                select(NotifyDelivery.id.label("delivery_id"), NotifyDelivery.target, Notification)
                .join(Notification, Notification.id == NotifyDelivery.notification_id)
                .where(
                    NotifyDelivery.status == "held",
                    NotifyDelivery.channel == "email",
                    Notification.created_at < self.cutoff(at),
                    or_(
                        NotifyDelivery.next_attempt_at.is_(None),
                        NotifyDelivery.next_attempt_at <= at,
                    ),
                )
                .order_by(NotifyDelivery.target, Notification.created_at, Notification.id)
            ).all()
        by_address: dict[str, list[tuple[int, object]]] = {}
        for row in rows:
            by_address.setdefault(row.target, []).append((row.delivery_id, row))
        sent = 0
        for address, items in by_address.items():
            messages = [message_of(row, self.base_url) for _, row in items]
            email = compose_digest(messages, self.channel.sender, address, at)
            outcome = self.channel.send_email(email)
            word = "delivered" if outcome.delivered else "failed" if outcome.final else "retry"
            values: dict[str, object] = {
                "last_error": None if outcome.delivered else outcome.detail
            }
            if outcome.delivered:
                values |= {"status": "delivered", "delivered_at": at}
            elif outcome.final:
                values |= {"status": "failed"}
            else:
                values |= {"next_attempt_at": at + RETRY}
            with self.db.write() as connection:
                for delivery_id, _ in items:
                    connection.execute(
                        update(NotifyDelivery)
                        .where(NotifyDelivery.id == delivery_id, NotifyDelivery.status == "held")
                        .values(attempts=NotifyDelivery.attempts + 1, **values)
                    )
                    connection.execute(
                        insert(NotifyAttempt).values(
                            delivery_id=delivery_id,
                            at=at,
                            outcome=word,
                            status_code=outcome.status_code,
                            detail=f"daily digest: {outcome.detail}"[:500],
                        )
                    )
            sent += outcome.delivered
        return sent

    def run(self, stop: threading.Event) -> None:
        """Look every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a background thread must outlive a bad round
                log.exception("the daily digest failed")
            stop.wait(self.interval)
