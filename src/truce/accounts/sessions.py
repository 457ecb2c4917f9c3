"""Web sessions.

A session is a random cookie value (32 bytes, unpadded base64url); the database keeps
only its SHA-256 in ``web_sessions``, so a copy of the database signs nobody in. Each
session has an absolute expiry and an idle timeout, and its own CSRF token, which every
state-changing request must echo (form field ``csrf`` or header ``X-CSRF-Token``).

How sign-in failures are slowed down is :mod:`truce.accounts.throttle`'s.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from truce.accounts.service import Identity
from truce.storage.db import Database
from truce.storage.models import Account, WebSession

COOKIE = "truce_session"
#: A session ends this long after sign-in, however active.
LIFETIME = timedelta(hours=12)
#: A session ends after this long without a request.
IDLE_TIMEOUT = timedelta(minutes=60)
#: ``last_seen_at`` is written at most this often, so that reads stay reads.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def tokens_equal(given: str | None, expected: str) -> bool:
    """Compare a presented secret with the expected one in constant time."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Session:
    """A live session: whose it is, its CSRF token, and the account's language."""

    id_hash: str
    identity: Identity
    csrf: str
    language: str
    expires_at: datetime


def open_session(db: Database, identity: Identity, now: datetime) -> tuple[str, Session]:
    """Start a session for a signed-in account; return the cookie value and the session."""
    if identity.account_id is None:
        raise ValueError("a web session belongs to an account")
    value = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires_at = now + LIFETIME
    with db.write() as connection:
        connection.execute(
            delete(WebSession).where(WebSession.expires_at < now)
        )  # sweep ended sessions now and then: at every sign-in
        connection.execute(
            insert(WebSession).values(
                id_hash=_hash(value),
                account_id=identity.account_id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
        )
        language = connection.execute(
            select(Account.language).where(Account.id == identity.account_id)
        ).scalar_one()
    return value, Session(_hash(value), identity, csrf, language, expires_at)


def find_session(db: Database, value: str | None, now: datetime) -> Session | None:
    """The live session of a cookie value, or None (unknown, expired, idle, disabled)."""
    if not value or len(value) > 100:
        return None
    id_hash = _hash(value)
    with db.read() as connection:
        row = connection.execute(
            select(
                WebSession.csrf_token,
                WebSession.last_seen_at,
                WebSession.expires_at,
                Account.id,
                Account.member,
                Account.delegate,
                Account.role,
                Account.language,
                Account.disabled_at,
            )
            .join(Account, Account.id == WebSession.account_id)
            .where(WebSession.id_hash == id_hash)
        ).first()
    if row is None or row.disabled_at is not None:
        return None
    last_seen = row.last_seen_at
    if now >= row.expires_at or now - last_seen >= IDLE_TIMEOUT:
        close_session(db, value)
        return None
    if now - last_seen >= TOUCH_EVERY:
        with db.write() as connection:
            connection.execute(
                update(WebSession).where(WebSession.id_hash == id_hash).values(last_seen_at=now)
            )
    identity = Identity(row.member, row.delegate, row.role, row.id)
    return Session(id_hash, identity, row.csrf_token, row.language, row.expires_at)


def close_session(db: Database, value: str | None) -> None:
    """End the session of a cookie value (signing out); nothing if there is none."""
    if not value:
        return
    with db.write() as connection:
        connection.execute(delete(WebSession).where(WebSession.id_hash == _hash(value)))
