"""What delegates and the operator change about notifications: e-mail addresses,
webhook endpoints, sending a failed delivery again; and the delivery worker built from
the settings.

Each function takes the database and the caller's identity and checks what the caller
may do: a delegate sets its own address; a member's head registers, tests and removes
its member's endpoints; the secretariat sends any failed delivery again, a head its own
member's.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from truce.accounts.service import Identity
from truce.config import Settings
from truce.errors import ForbiddenError, InputError, NotFoundError
from truce.ledger.keys import KeyFile, SigningKey
from truce.notify import outbox, webhooks
from truce.notify.alarms import WitnessAlarms
from truce.notify.delivery import Channel, Deliverer, Outcome
from truce.notify.digest import Digest
from truce.notify.email import EmailChannel
from truce.notify.reminders import Reminders
from truce.notify.rules import SYSTEMS
from truce.storage.db import Database
from truce.storage.models_notify import (
    Notification,
    NotifyAddress,
    NotifyDelivery,
    NotifyEndpoint,
    NotifyPreference,
)

#: The role of the mechanism's notification key in its key file.
KEY_ROLE = "notify"
_EMAIL = re.compile(r"[^@\s<>\"]{1,64}@[^@\s<>\"]{1,255}")


def load_key(path: object) -> SigningKey:
    """The notification key from its key file (role ``notify``)."""
    from pathlib import Path

    key_file = KeyFile.load(Path(str(path)))
    if key_file.role != KEY_ROLE:
        raise InputError(f"{path} holds a {key_file.role} key, not the notification key")
    return key_file.key


def check_address(email: str) -> str:
    """``email`` if it looks like an e-mail address, else InputError."""
    if not _EMAIL.fullmatch(email):
        raise InputError(f"{email!r} is not an e-mail address", field="email")
    return email


def set_address(db: Database, who: Identity, email: str | None, now: datetime) -> None:
    """Set (or, with None, remove) the caller's own e-mail address for notifications."""
    if email is not None:
        check_address(email)
    with db.write() as connection:
        connection.execute(
            delete(NotifyAddress).where(
                NotifyAddress.member == who.member, NotifyAddress.delegate == who.delegate
            )
        )
        if email is not None:
            connection.execute(
                insert(NotifyAddress).values(
                    member=who.member, delegate=who.delegate, email=email, updated_at=now
                )
            )


def _head(who: Identity) -> None:
    if who.role != "head":
        raise ForbiddenError("only a member's head manages its webhook endpoints")


@dataclass(frozen=True, slots=True)
class EndpointInfo:
    """A registered endpoint, without its secret."""

    id: int
    member: str
    url: str
    signs_v1: bool
    created_by: str
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None


def add_endpoint(
    db: Database,
    who: Identity,
    url: str,
    secret: str | None,
    now: datetime,
    *,
    allow_private: bool = False,
) -> EndpointInfo:
    """Register a webhook endpoint of the caller's member (a head)."""
    _head(who)
    webhooks.check_url(url, allow_private)
    if secret is not None:
        webhooks.check_secret(secret)
    with db.write() as connection:
        new_id = connection.execute(
            insert(NotifyEndpoint)
            .values(
                member=who.member, url=url, secret=secret, created_by=who.delegate, created_at=now
            )
            .returning(NotifyEndpoint.id)
        ).scalar_one()
    return EndpointInfo(new_id, who.member, url, secret is not None, who.delegate, now, None, None)


def new_secret() -> str:
    """A fresh ``whsec_`` secret of 32 random bytes, for a member to choose."""
    import base64

    return webhooks.SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def endpoints(db: Database, member: str | None) -> list[EndpointInfo]:
    """A member's endpoints (every member's, for None), newest last."""
    query = select(NotifyEndpoint).order_by(NotifyEndpoint.id)
    if member is not None:
        query = query.where(NotifyEndpoint.member == member)
    with db.read() as connection:
        rows = connection.execute(query).all()
    return [
        EndpointInfo(
            e.id,
            e.member,
            e.url,
            e.secret is not None,
            e.created_by,
            e.created_at,
            e.disabled_at,
            e.disabled_reason,
        )
        for e in rows
    ]


def _own_endpoint(connection: Connection, who: Identity, endpoint_id: int) -> Any:
    endpoint = connection.execute(
        select(NotifyEndpoint).where(NotifyEndpoint.id == endpoint_id)
    ).one_or_none()
    if endpoint is None or (endpoint.member != who.member and who.role != "secretariat"):
        raise NotFoundError(f"no endpoint {endpoint_id} of {who.member}")
    return endpoint


def remove_endpoint(db: Database, who: Identity, endpoint_id: int, now: datetime) -> None:
    """Disable an endpoint of the caller's member: nothing more is sent to it."""
    _head(who)
    with db.write() as connection:
        _own_endpoint(connection, who, endpoint_id)
        disable_endpoint(connection, str(endpoint_id), f"removed by {who.delegate}", now)


def disable_endpoint(connection: Connection, target: str, reason: str, now: datetime) -> None:
    """Disable the endpoint ``target`` (its id) and every delivery pending for it."""
    connection.execute(
        update(NotifyEndpoint)
        .where(NotifyEndpoint.id == int(target), NotifyEndpoint.disabled_at.is_(None))
        .values(disabled_at=now, disabled_reason=reason[:500])
    )
    connection.execute(
        update(NotifyDelivery)
        .where(
            NotifyDelivery.channel == "webhook",
            NotifyDelivery.target == target,
            NotifyDelivery.status == "pending",
        )
        .values(status="disabled", next_attempt_at=None, last_error=reason[:500])
    )


def endpoint_lookup(db: Database) -> Callable[[str], webhooks.Endpoint | None]:
    """The webhook channel's view of an endpoint by id: None once disabled or removed."""

    def find(target: str) -> webhooks.Endpoint | None:
        with db.read() as connection:
            row = connection.execute(
                select(NotifyEndpoint).where(
                    NotifyEndpoint.id == int(target), NotifyEndpoint.disabled_at.is_(None)
                )
            ).one_or_none()
        return None if row is None else webhooks.Endpoint(row.id, row.member, row.url, row.secret)

    return find


def test_endpoint(
    db: Database, who: Identity, endpoint_id: int, channel: webhooks.WebhookChannel, now: datetime
) -> Outcome:
    """Send a signed ``notify.test`` webhook to an endpoint of the caller's member now."""
    _head(who)
    with db.read() as connection:
        row = _own_endpoint(connection, who, endpoint_id)
        endpoint = webhooks.Endpoint(row.id, row.member, row.url, row.secret)
    msg_id = "msg_test_" + secrets.token_hex(10)
    body = json.dumps(
        {
            "data": {"kind": "notify.test", "member": endpoint.member},
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "type": "notify.test",
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    return channel.post(endpoint, msg_id, body, now)


def send_again(db: Database, who: Identity, delivery_id: int, now: datetime) -> None:
    """Put a failed (or disabled) delivery back in the outbox, due now.

    The secretariat may for any delivery, a member's head for its own member's; a
    webhook whose endpoint is disabled is refused (register or re-enable it first).
    """
    if who.role not in ("secretariat", "head"):
        raise ForbiddenError("only the secretariat or a member's head sends a delivery again")
    with db.write() as connection:
        row = connection.execute(
            select(
                NotifyDelivery.status,
                NotifyDelivery.channel,
                NotifyDelivery.target,
                Notification.member,
            )
            .join(Notification, Notification.id == NotifyDelivery.notification_id)
            .where(NotifyDelivery.id == delivery_id)
        ).one_or_none()
        if row is None or (who.role != "secretariat" and row.member != who.member):
            raise NotFoundError(f"no delivery {delivery_id} that {who.member} may see")
        delivery = row
        if delivery.status not in ("failed", "disabled"):
            raise InputError(f"delivery {delivery_id} is {delivery.status}, not failed")
        if delivery.channel == "webhook":
            active = connection.execute(
                select(NotifyEndpoint.id).where(
                    NotifyEndpoint.id == int(delivery.target),
                    NotifyEndpoint.disabled_at.is_(None),
                )
            ).first()
            if active is None:
                raise InputError(f"the endpoint of delivery {delivery_id} is disabled")
        connection.execute(
            update(NotifyDelivery)
            .where(NotifyDelivery.id == delivery_id)
            .values(status="pending", attempts=0, next_attempt_at=now)
        )


def channels(settings: Settings, db: Database) -> dict[str, Channel]:
    """The channels the settings configure: e-mail with an SMTP host, webhooks with the
    notification key."""
    found: dict[str, Channel] = {}
    if settings.smtp_host:
        found["email"] = EmailChannel(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        )
    if settings.notify_key_file is not None:
        found["webhook"] = webhook_channel(settings, db)
    return found


def webhook_channel(settings: Settings, db: Database) -> webhooks.WebhookChannel:
    """The webhook channel of the settings (it needs the notification key)."""
    if settings.notify_key_file is None:
        raise InputError("no notification key: set TRUCE_NOTIFY_KEY_FILE")
    return webhooks.WebhookChannel(
        load_key(settings.notify_key_file),
        endpoint_lookup(db),
        allow_private=settings.notify_allow_private_addresses,
        timeout=settings.webhook_timeout_seconds,
    )


TIMINGS = ("each", "digest")


@dataclass(frozen=True, slots=True)
class Preference:
    """How a delegate is told: its own choice, and its member's default."""

    timing: str
    remind_hours: int | None
    member_timing: str | None
    member_remind_hours: int | None


def set_preference(
    db: Database,
    who: Identity,
    timing: str,
    remind_hours: int | None,
    now: datetime,
    *,
    member_default: bool = False,
) -> None:
    """Set the caller's own choices, or (a head, ``member_default``) its member's
    defaults: ``each`` notification as it comes or a daily ``digest`` of e-mails, and
    how many hours before a deadline to be reminded (None: the mechanism's)."""
    if timing not in TIMINGS:
        raise InputError(f"timing is each or digest, not {timing!r}", field="timing")
    if remind_hours is not None and not 1 <= remind_hours <= 24 * 14:
        raise InputError("remind_hours is 1 to 336", field="remind_hours")
    if member_default and who.role != "head":
        raise ForbiddenError("only a member's head sets its member's defaults")
    delegate = SYSTEMS if member_default else who.delegate
    with db.write() as connection:
        connection.execute(
            delete(NotifyPreference).where(
                NotifyPreference.member == who.member, NotifyPreference.delegate == delegate
            )
        )
        connection.execute(
            insert(NotifyPreference).values(
                member=who.member,
                delegate=delegate,
                timing=timing,
                remind_hours=remind_hours,
                updated_at=now,
            )
        )


def preference(db: Database, who: Identity) -> Preference:
    """The caller's choices and its member's defaults."""
    with db.read() as connection:
        choices = outbox.preferences(connection)
    own = choices.get((who.member, who.delegate))
    default = choices.get((who.member, SYSTEMS))
    timing, hours = outbox.chosen(choices, who.member, who.delegate)
    return Preference(
        timing=timing,
        remind_hours=own[1] if own else hours,
        member_timing=default[0] if default else None,
        member_remind_hours=default[1] if default else None,
    )


def digest(settings: Settings, db: Database, now: Callable[[], datetime]) -> Digest | None:
    """The daily digest's worker, when e-mail is configured."""
    found = channels(settings, db).get("email")
    if not isinstance(found, EmailChannel):
        return None
    return Digest(
        db, found, now, hour=settings.notify_digest_hour, base_url=settings.notify_base_url
    )


def reminders(settings: Settings, db: Database, now: Callable[[], datetime]) -> Reminders | None:
    """The reminders of near deadlines, when a channel is configured and the window is
    not 0."""
    if settings.notify_remind_hours <= 0 or not (settings.smtp_host or settings.notify_key_file):
        return None
    from truce.log.admission import Admission

    scenario = Admission(db).mechanism().scenario
    return Reminders(
        db,
        scenario,
        now,
        ahead=timedelta(hours=settings.notify_remind_hours),
        interval=max(settings.notify_interval_seconds, 30.0),
        digest_hour=settings.notify_digest_hour,
    )


def alarms(settings: Settings, db: Database, now: Callable[[], datetime]) -> WitnessAlarms | None:
    """The alarms of lapsed witnesses, when the scenario sets how long a witness may
    stay silent and a channel is configured."""
    if not (settings.smtp_host or settings.notify_key_file):
        return None
    from truce.log.admission import Admission

    scenario = Admission(db).mechanism().scenario
    minutes = scenario.procedure.witness_lapse_minutes
    if minutes is None:
        return None
    return WitnessAlarms(
        db,
        [member.code for member in scenario.witnesses],
        timedelta(minutes=minutes),
        now,
        interval=max(settings.notify_interval_seconds, 30.0),
    )


def deliverer(settings: Settings, db: Database, now: Callable[[], datetime]) -> Deliverer | None:
    """The delivery worker of the settings; None when no channel is configured."""
    found = channels(settings, db)
    if not found:
        return None
    return Deliverer(
        db,
        found,
        now,
        base_url=settings.notify_base_url,
        interval=settings.notify_interval_seconds,
        disable_endpoint=disable_endpoint,
        lease=timedelta(seconds=settings.notify_lease_seconds),
    )
