"""Delegate accounts: API bearer tokens.

A token is 32 random bytes (unpadded base64url) shown once when issued; the database
keeps only its SHA-256, which is enough for a secret of that entropy (passwords, which
are not, get argon2 in the web application). Tokens authenticate; signatures authorise:
every write must carry both, and they must name the same delegate.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from truce.errors import AuthenticationError
from truce.storage.db import Database
from truce.storage.models import Account


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling: a delegate of a member."""

    member: str
    delegate: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(db: Database, member: str, delegate: str) -> str:
    """Create a token for a delegate and return it; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with db.write() as connection:
        connection.execute(
            insert(Account).values(
                token_hash=_hash(token),
                member=member,
                delegate=delegate,
                created_at=datetime.now(UTC),
            )
        )
    return token


def authenticate(db: Database, token: str) -> Identity:
    """The identity a token belongs to; :class:`AuthenticationError` when none."""
    with db.read() as connection:
        row = connection.execute(
            select(Account.member, Account.delegate).where(Account.token_hash == _hash(token))
        ).first()
    if row is None:
        raise AuthenticationError("the bearer token is not valid")
    return Identity(member=row.member, delegate=row.delegate)
