"""Delegate accounts: who may call the API and sign in to the web application.

One account per delegate (``member``/``delegate``), administered by the secretariat (and,
for its own member's delegates, by a member's head). An account holds:

- **API bearer tokens**: 32 random bytes (unpadded base64url) shown once when issued;
  the database keeps only their SHA-256, which is enough for a secret of that entropy.
  A token is named afterwards by its *token id*, that hash in hex, which reveals nothing
  of the token.
- **A password** for the web application, hashed with argon2id (RFC 9106) through
  ``argon2-cffi``'s :class:`~argon2.PasswordHasher`; a hash made with older parameters
  is replaced by a fresh one at the next successful sign-in.
- **A role and a language**, which choose what the web application offers. What a
  delegate may *sign* is decided by its registered key's role in the log, never here:
  tokens and passwords authenticate, signatures authorise, and every write carries both.

Sign-in failures all read the same, and an unknown delegate costs as much time as a
wrong password (its password is checked against a dummy hash), so that neither the
message nor the timing tells who has an account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from argon2 import Parameters, PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from truce.acts.bodies import LanguageTag, Name
from truce.errors import AuthenticationError, ConflictError, InputError, NotFoundError
from truce.storage.db import Database
from truce.storage.models import Account, ApiToken, Member
from truce.verify.registry import ROLES, SECRETARIAT_ROLES

#: The shortest password accepted. Length is what makes a passphrase strong (NIST SP
#: 800-63B §5.1.1.2); no composition rules are imposed.
MIN_PASSWORD_LENGTH = 12
#: The longest: argon2 hashes any length, but a bound keeps one request from being costly.
MAX_PASSWORD_LENGTH = 1024
#: The one message for every failed password sign-in.
SIGN_IN_FAILED = "the delegate or the password is not valid"

_NAME = Name.__metadata__[0].pattern  # type: ignore[attr-defined]
_LANGUAGE = LanguageTag.__metadata__[0].pattern  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling: a delegate of a member, with its account's role.

    ``account_id`` is ``None`` for an identity proved otherwise than by an account (a
    key file, for an export or a mirror).
    """

    member: str
    delegate: str
    role: str = "observer"
    account_id: int | None = None


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """An account as an administrator sees it (never its secrets)."""

    id: int
    member: str
    delegate: str
    role: str
    display_name: str | None
    language: str
    has_password: bool
    active_tokens: int
    created_at: datetime
    disabled_at: datetime | None

    @property
    def identity(self) -> Identity:
        """The identity this account signs in as."""
        return Identity(self.member, self.delegate, self.role, self.id)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as listed: its id (the SHA-256 of the token), never the token."""

    token_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


@cache
def _hasher() -> PasswordHasher:
    """argon2id with the first recommended parameters of RFC 9106 §4 (argon2-cffi's own)."""
    return PasswordHasher()


@cache
def demo_hasher() -> PasswordHasher:
    """argon2id at a trivial cost, for the demo's passwords only.

    The demo's keys are derived from a seed published with the scenario, so slow hashes
    would protect nothing there, while ``truce init --demo`` (and every test built on
    it) would pay one full hash per demo delegate. A demo password's hash is replaced
    by a production-strength one at its first sign-in, as any outdated hash is.
    """
    return PasswordHasher.from_parameters(
        Parameters(
            type=Type.ID,
            version=19,
            salt_len=16,
            hash_len=32,
            time_cost=1,
            memory_cost=1024,
            parallelism=1,
        )
    )


@cache
def _dummy_hash() -> str:
    """A hash of a random password, verified against when there is no real one to check."""
    return _hasher().hash(secrets.token_urlsafe(16))


def token_hash(token: str) -> str:
    """The SHA-256 hex under which a token is stored: its token id."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputError(
            f"a password has at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )


def _account_row(connection: Connection, member: str, delegate: str) -> Any:
    row = connection.execute(
        select(Account).where(Account.member == member, Account.delegate == delegate)
    ).first()
    if row is None:
        raise NotFoundError(f"no account for {member}/{delegate}")
    return row


def _info(connection: Connection, account: Any) -> AccountInfo:
    active = connection.execute(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
    ).scalar_one()
    return AccountInfo(
        id=account.id,
        member=account.member,
        delegate=account.delegate,
        role=account.role,
        display_name=account.display_name,
        language=account.language,
        has_password=account.password_hash is not None,
        active_tokens=int(active),
        created_at=account.created_at,
        disabled_at=account.disabled_at,
    )


def create_account(
    db: Database,
    *,
    member: str,
    delegate: str,
    role: str,
    password: str | None = None,
    language: str = "en",
    display_name: str | None = None,
    hasher: PasswordHasher | None = None,
) -> Identity:
    """Create the account of ``member``/``delegate``; refuse a second one.

    The member must be one of the mechanism's; the secretariat's staff have the
    ``secretariat`` or ``clock`` role and nobody else does. ``hasher`` is for :func:`demo_hasher`.
    """
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} (roles: {', '.join(ROLES)})", field="role")
    if not re.fullmatch(_NAME, delegate):
        raise InputError(
            "a delegate name is 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="delegate",
        )
    if not re.fullmatch(_LANGUAGE, language):
        raise InputError(f"{language!r} is not a language tag", field="language")
    if display_name is not None and len(display_name) > 200:
        raise InputError("a display name has at most 200 characters", field="display_name")
    if password is not None:
        _check_password(password)
    password_hash = (hasher or _hasher()).hash(password) if password is not None else None
    try:
        with db.write() as connection:
            kind = connection.execute(select(Member.kind).where(Member.code == member)).scalar()
            if kind is None:
                raise NotFoundError(f"{member} is not a member of this mechanism", field="member")
            if (kind == "secretariat") != (role in SECRETARIAT_ROLES):
                raise InputError(
                    "the secretariat's staff, and only they, have the secretariat and clock roles",
                    field="role",
                )
            exists = connection.execute(
                select(Account.id).where(Account.member == member, Account.delegate == delegate)
            ).first()
            if exists is not None:
                raise ConflictError(f"{member}/{delegate} already has an account", field="delegate")
            account_id = connection.execute(
                insert(Account)
                .values(
                    member=member,
                    delegate=delegate,
                    role=role,
                    display_name=display_name,
                    password_hash=password_hash,
                    language=language,
                    created_at=_now(),
                )
                .returning(Account.id)
            ).scalar_one()
    except IntegrityError as exc:
        raise ConflictError(
            f"{member}/{delegate} already has an account", field="delegate"
        ) from exc
    return Identity(member, delegate, role, int(account_id))


def get_account(db: Database, member: str, delegate: str) -> AccountInfo:
    """The account of ``member``/``delegate``; :class:`NotFoundError` when none."""
    with db.read() as connection:
        return _info(connection, _account_row(connection, member, delegate))


def list_accounts(db: Database, member: str | None = None) -> list[AccountInfo]:
    """Every account, or those of one member, by member then delegate."""
    query = select(Account).order_by(Account.member, Account.delegate)
    if member is not None:
        query = query.where(Account.member == member)
    with db.read() as connection:
        return [_info(connection, row) for row in connection.execute(query).all()]


def set_password(db: Database, member: str, delegate: str, password: str) -> None:
    """Set (or replace) the account's password, after checking the length policy."""
    _check_password(password)
    hashed = _hasher().hash(password)
    with db.write() as connection:
        account = _account_row(connection, member, delegate)
        connection.execute(
            update(Account).where(Account.id == account.id).values(password_hash=hashed)
        )


def verify_password(db: Database, member: str, delegate: str, password: str) -> Identity:
    """The identity whose password this is; :class:`AuthenticationError` otherwise.

    Unknown delegates, accounts without a password and wrong passwords all cost one
    argon2 verification and raise the same message. A disabled account is refused only
    after its password has been proved, so the refusal reveals nothing to a guesser.
    """
    with db.read() as connection:
        row = connection.execute(
            select(Account).where(Account.member == member, Account.delegate == delegate)
        ).first()
    account: Any = row
    stored = account.password_hash if account is not None else None
    too_long = len(password) > MAX_PASSWORD_LENGTH  # no password set is that long
    candidate = password[:MAX_PASSWORD_LENGTH]
    try:
        _hasher().verify(stored or _dummy_hash(), candidate)
    except (VerificationError, InvalidHashError):
        raise AuthenticationError(SIGN_IN_FAILED) from None
    if account is None or stored is None or too_long:
        raise AuthenticationError(SIGN_IN_FAILED)
    if account.disabled_at is not None:
        raise AuthenticationError(f"the account of {member}/{delegate} is disabled")
    if _hasher().check_needs_rehash(stored):
        with db.write() as connection:
            connection.execute(
                update(Account)
                .where(Account.id == account.id, Account.password_hash == stored)
                .values(password_hash=_hasher().hash(candidate))
            )
    return Identity(account.member, account.delegate, account.role, account.id)


def set_language(db: Database, member: str, delegate: str, language: str) -> None:
    """Set the language the web application speaks to this delegate."""
    if not re.fullmatch(_LANGUAGE, language):
        raise InputError(f"{language!r} is not a language tag", field="language")
    with db.write() as connection:
        account = _account_row(connection, member, delegate)
        connection.execute(
            update(Account).where(Account.id == account.id).values(language=language)
        )


def _set_disabled(db: Database, member: str, delegate: str, at: datetime | None) -> None:
    with db.write() as connection:
        account = _account_row(connection, member, delegate)
        if (account.disabled_at is None) == (at is None):
            return
        connection.execute(update(Account).where(Account.id == account.id).values(disabled_at=at))


def disable_account(db: Database, member: str, delegate: str) -> None:
    """Refuse the account's tokens and password from now on (kept, so it can be enabled)."""
    _set_disabled(db, member, delegate, _now())


def enable_account(db: Database, member: str, delegate: str) -> None:
    """Accept the account's unrevoked tokens and its password again."""
    _set_disabled(db, member, delegate, None)


def issue_token(db: Database, member: str, delegate: str, label: str = "") -> str:
    """Create an API token for the account and return it; only its hash is stored."""
    if len(label) > 100:
        raise InputError("a token label has at most 100 characters", field="label")
    token = secrets.token_urlsafe(32)
    with db.write() as connection:
        account = _account_row(connection, member, delegate)
        add_token_hash(connection, account.id, token_hash(token), label)
    return token


def add_token_hash(connection: Connection, account_id: int, digest: str, label: str) -> None:
    """Record a token known only by its hash (a mirror keeps its server's token)."""
    connection.execute(
        insert(ApiToken).values(
            token_hash=digest, account_id=account_id, label=label, created_at=_now()
        )
    )


def _token_info(row: Any, revoked_at: datetime | None = None) -> TokenInfo:
    return TokenInfo(
        token_id=row.token_hash,
        label=row.label,
        created_at=row.created_at,
        revoked_at=revoked_at or row.revoked_at,
    )


def list_tokens(db: Database, member: str, delegate: str) -> list[TokenInfo]:
    """The account's tokens, revoked ones included, oldest first."""
    with db.read() as connection:
        account = _account_row(connection, member, delegate)
        rows = connection.execute(
            select(ApiToken)
            .where(ApiToken.account_id == account.id)
            .order_by(ApiToken.created_at, ApiToken.token_hash)
        ).all()
        return [_token_info(t) for t in rows]


def revoke_token(db: Database, member: str, delegate: str, token_id: str) -> TokenInfo:
    """Revoke one of the account's tokens, named by its id or a unique prefix of 8+ hex.

    Revoking a revoked token changes nothing. Another account's token is not found.
    """
    wanted = token_id.strip().lower()
    if len(wanted) < 8 or any(c not in "0123456789abcdef" for c in wanted):
        raise InputError(
            "a token id is the hex SHA-256 of the token, or at least its first 8 digits",
            field="token_id",
        )
    with db.write() as connection:
        account = _account_row(connection, member, delegate)
        rows = list(
            connection.execute(
                select(ApiToken).where(
                    ApiToken.account_id == account.id, ApiToken.token_hash.startswith(wanted)
                )
            ).all()
        )
        if not rows:
            raise NotFoundError(f"{member}/{delegate} has no token {wanted}", field="token_id")
        if len(rows) > 1:
            raise InputError(f"{wanted} names several tokens: give more digits", field="token_id")
        found = rows[0]
        revoked_at = found.revoked_at or _now()
        if found.revoked_at is None:
            connection.execute(
                update(ApiToken)
                .where(ApiToken.token_hash == found.token_hash)
                .values(revoked_at=revoked_at)
            )
        return _token_info(found, revoked_at)


def authenticate(db: Database, token: str) -> Identity:
    """The identity a token belongs to; :class:`AuthenticationError` when none.

    A revoked token, or any token of a disabled account, authenticates no one.
    """
    with db.read() as connection:
        return identify(connection, token)


#: The accounts of some token hashes; built once, as every group commit runs it.
_IDENTIFY = (
    select(
        ApiToken.token_hash,
        Account.id,
        Account.member,
        Account.delegate,
        Account.role,
        Account.disabled_at,
        ApiToken.revoked_at,
    )
    .join(ApiToken, ApiToken.account_id == Account.id)
    .where(ApiToken.token_hash.in_(bindparam("hashes", expanding=True)))
)


def identify(connection: Connection, token: str) -> Identity:
    """:func:`authenticate` inside a transaction the caller holds (the group commit's)."""
    found = identify_all(connection, [token])[token]
    if isinstance(found, AuthenticationError):
        raise found
    return found


def identify_all(
    connection: Connection, tokens: Iterable[str]
) -> dict[str, Identity | AuthenticationError]:
    """:func:`identify` for several tokens in one query: each token's identity, or the
    error that says why it authenticates no one."""
    wanted = {token_hash(token): token for token in tokens}
    rows = connection.execute(_IDENTIFY, {"hashes": sorted(wanted)}).all()
    found: dict[str, Identity | AuthenticationError] = {
        token: AuthenticationError("the bearer token is not valid") for token in wanted.values()
    }
    for row in rows:
        token = wanted[row.token_hash]
        if row.revoked_at is not None:
            found[token] = AuthenticationError("the bearer token was revoked")
        elif row.disabled_at is not None:
            found[token] = AuthenticationError(
                f"the account of {row.member}/{row.delegate} is disabled"
            )
        else:
            found[token] = Identity(row.member, row.delegate, row.role, row.id)
    return found
