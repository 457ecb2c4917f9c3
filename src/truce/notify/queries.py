"""The record of who was told what: every notification, its deliveries, every attempt.

The secretariat reads every member's record; any other reader only its own member's
(its delegates, and its member's systems). One function per question, each with the
viewer's member (``None``: the secretariat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from truce.storage.models_notify import (
    Notification,
    NotifyAddress,
    NotifyAttempt,
    NotifyDelivery,
)


@dataclass(frozen=True, slots=True)
class AttemptLine:
    """One attempt, with what it tried to deliver (one line of ``truce notify log``)."""

    at: datetime
    outcome: str
    status_code: int | None
    detail: str
    delivery_id: int
    channel: str
    target: str
    notification_id: str
    kind: str
    number: int | None
    act_idx: int
    member: str
    delegate: str


def attempts(
    connection: Connection,
    viewer: str | None,
    *,
    member: str | None = None,
    kind: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    limit: int = 1000,
) -> list[AttemptLine]:
    """Attempts in the order they were made, filtered; only ``viewer``'s own member's
    unless ``viewer`` is None (the secretariat)."""
    query = (
        select(
            NotifyAttempt.at,
            NotifyAttempt.outcome,
            NotifyAttempt.status_code,
            NotifyAttempt.detail,
            NotifyDelivery.id.label("delivery_id"),
            NotifyDelivery.channel,
            NotifyDelivery.target,
            Notification.id.label("notification_id"),
            Notification.kind,
            Notification.number,
            Notification.act_idx,
            Notification.member,
            Notification.delegate,
        )
        .join(NotifyDelivery, NotifyDelivery.id == NotifyAttempt.delivery_id)
        .join(Notification, Notification.id == NotifyDelivery.notification_id)
        .order_by(NotifyAttempt.at, NotifyAttempt.id)
        .limit(limit)
    )
    if viewer is not None:
        query = query.where(Notification.member == viewer)
    if member is not None:
        query = query.where(Notification.member == member)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    if outcome is not None:
        query = query.where(NotifyAttempt.outcome == outcome)
    if since is not None:
        query = query.where(NotifyAttempt.at >= since)
    return [AttemptLine(**row._asdict()) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of a delivery."""

    at: datetime
    outcome: str
    status_code: int | None
    detail: str


@dataclass(slots=True)
class Delivery:
    """One channel of a notification, where it stands, and its attempts."""

    id: int
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    tries: list[Attempt] = field(default_factory=list)


@dataclass(slots=True)
class NotificationRecord:
    """Who was to be told of which act, and how it went."""

    id: str
    act_idx: int
    leaf_hash: str
    kind: str
    subject: str
    subject_idx: int
    number: int | None
    member: str
    delegate: str
    reason: str
    created_at: datetime
    deliveries: list[Delivery] = field(default_factory=list)


def notifications(
    connection: Connection,
    viewer: str | None,
    *,
    member: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[NotificationRecord]:
    """Notifications, newest act first, each with its deliveries and their attempts;
    ``status`` keeps those with a delivery in that status."""
    query = select(Notification).order_by(Notification.act_idx.desc(), Notification.id)
    if viewer is not None:
        query = query.where(Notification.member == viewer)
    if member is not None:
        query = query.where(Notification.member == member)
    if status is not None:
        query = query.where(
            Notification.id.in_(
                select(NotifyDelivery.notification_id).where(NotifyDelivery.status == status)
            )
        )
    found = [
        NotificationRecord(
            id=n.id,
            act_idx=n.act_idx,
            leaf_hash=n.leaf_hash,
            kind=n.kind,
            subject=n.subject,
            subject_idx=n.subject_idx,
            number=n.number,
            member=n.member,
            delegate=n.delegate,
            reason=n.reason,
            created_at=n.created_at,
        )
        for n in connection.execute(query.offset(offset).limit(limit))
    ]
    by_id = {record.id: record for record in found}
    deliveries: dict[int, Delivery] = {}
    for d in connection.execute(
        select(NotifyDelivery)
        .where(NotifyDelivery.notification_id.in_(list(by_id)))
        .order_by(NotifyDelivery.id)
    ):
        delivery = Delivery(
            d.id,
            d.channel,
            d.target,
            d.status,
            d.attempts,
            d.next_attempt_at,
            d.delivered_at,
            d.last_error,
        )
        deliveries[d.id] = delivery
        by_id[d.notification_id].deliveries.append(delivery)
    for a in connection.execute(
        select(NotifyAttempt)
        .where(NotifyAttempt.delivery_id.in_(list(deliveries)))
        .order_by(NotifyAttempt.at, NotifyAttempt.id)
    ):
        deliveries[a.delivery_id].tries.append(Attempt(a.at, a.outcome, a.status_code, a.detail))
    return found


def address(connection: Connection, member: str, delegate: str) -> str | None:
    """A delegate's own e-mail address for notifications, if it gave one."""
    found: str | None = connection.execute(
        select(NotifyAddress.email).where(
            NotifyAddress.member == member, NotifyAddress.delegate == delegate
        )
    ).scalar_one_or_none()
    return found
