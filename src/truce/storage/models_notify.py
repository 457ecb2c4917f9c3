"""Tables of notifications: who was to be told of which act, and every attempt to tell them.

Neither log nor projection. ``notifications`` and ``notify_deliveries`` are written by
admission, in the transaction that records the act (:mod:`truce.notify.outbox`), and
never by ``truce rebuild``: a rebuild replays the log without telling anyone again and
without losing this record. ``notify_attempts`` is only appended to, by the delivery
worker. ``notify_addresses``, ``notify_preferences`` and ``notify_endpoints`` are the
delegates' e-mail addresses and choices and the members' webhook endpoints
(preferences, like accounts).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from truce.storage.models import Base
from truce.storage.types import UTCDateTime


class Notification(Base):
    """One recipient to be told of one act: a delegate (by e-mail) or a member's systems
    (``delegate`` ``*``: its webhook endpoints).

    ``id`` is derived from the act's leaf hash and the recipient
    (:func:`truce.notify.rules.notification_id`), so the same act can never notify the
    same recipient twice; it is the ``webhook-id`` receivers deduplicate by.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_member_idx", "member", "act_idx"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    act_idx: Mapped[int] = mapped_column(BigInteger, index=True)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    #: ``case`` or ``joint``: what ``number`` counts and the link opens.
    subject: Mapped[str] = mapped_column(String(8))
    #: The log index of the act that opened the case or the request (the link's id).
    subject_idx: Mapped[int] = mapped_column(BigInteger)
    #: The case's number in the mechanism's sequence (None for a request for joint action).
    number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    member: Mapped[str] = mapped_column(String(8))
    delegate: Mapped[str] = mapped_column(String(64))
    #: ``action`` (something awaits the recipient) or ``outcome`` (for its information).
    reason: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The deadline a reminder is about (None for the notification of an act).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotifyDelivery(Base):
    """One channel of one notification: an e-mail to an address, or a POST to an endpoint.

    ``status`` is ``pending`` (``next_attempt_at`` says when), ``held`` (an e-mail kept
    for the delegate's daily digest), ``delivered``, ``failed``
    (every attempt of the schedule failed, or the target refuses: it can be sent again)
    or ``disabled`` (the endpoint answered 410 Gone).
    """

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", "target"),
        Index("ix_notify_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    #: The e-mail address, or the endpoint's id (as text).
    target: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class NotifyAttempt(Base):
    """One attempt to deliver: when, its outcome, and what the other side answered."""

    __tablename__ = "notify_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("notify_deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: ``delivered``, ``retry`` (another attempt is scheduled), ``failed`` or ``disabled``.
    outcome: Mapped[str] = mapped_column(String(10))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(String(500))


class NotifyAddress(Base):
    """A delegate's e-mail address for notifications."""

    __tablename__ = "notify_addresses"

    member: Mapped[str] = mapped_column(String(8), primary_key=True)
    delegate: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotifyEndpoint(Base):
    """A member's webhook endpoint, registered by its head.

    ``secret`` is the member's own ``whsec_`` secret for the optional HMAC signature
    (``v1``); every delivery is signed with the mechanism's notification key (``v1a``).
    """

    __tablename__ = "notify_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member: Mapped[str] = mapped_column(String(8), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class NotifyPreference(Base):
    """How a delegate wants to be told (``delegate`` ``*``: its member's default, set by
    the head): each notification as it comes, or one e-mail a day (``digest``); and how
    many hours before a deadline to be reminded (None: the mechanism's setting)."""

    __tablename__ = "notify_preferences"

    member: Mapped[str] = mapped_column(String(8), primary_key=True)
    delegate: Mapped[str] = mapped_column(String(64), primary_key=True)
    timing: Mapped[str] = mapped_column(String(8))
    remind_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
