"""Enrolment: a new browser tied to an account, and a head's first browser approved.

Two ways in for a browser that holds no registered key yet:

- **One-time enrolment codes.** The secretariat issues a code for an account
  (:func:`issue_code`: ``truce account enrol-code``, ``POST /api/v1/accounts/{member}/
  {delegate}/enrol-code`` or the secretariat's page ``/keys/enrol-code``). The new
  browser enters it on the sign-in page (:func:`redeem_code`): it signs that browser in
  once, as the account, and its device key then waits for the head's approval as any
  other (or, for a head, is approved with the member's root key). A code is random, kept
  only as its SHA-256, valid for :data:`CODE_LIFETIME` and for one use; redeeming is
  throttled as sign-in is (:mod:`truce.accounts.throttle`).
- **A head's first browser** (:func:`enrolment_act`): no head is there to approve the
  head's own browser, so the member's root key does, as it does from the command line.
  The page reads the root key file in the browser, and the server only prepares the
  ``member.key`` act the key signs there (:func:`enrolment_act`), then checks the signed
  act is that registration (:func:`check_enrolment`) before admitting it.

The public key of a browser is compared by phone through its :func:`fingerprint`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from truce.accounts.devices import Delegate
from truce.accounts.service import Identity
from truce.errors import InputError, NotFoundError
from truce.ledger import jcs
from truce.ledger.envelope import VERSION, SignedAct, format_time
from truce.ledger.keys import PublicKey
from truce.storage.db import Database
from truce.storage.models import Account, DelegateKey, EnrolCode

#: How long an enrolment code may be used after it was issued.
CODE_LIFETIME = timedelta(hours=24)
#: The code's letters: no 0/O, 1/I/L, so that it reads aloud and types without doubt.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12
#: Roles whose keys register keys (``member.key``).
APPROVERS = ("head", "secretariat")


def fingerprint(public_key: str) -> str:
    """A key's short fingerprint, to compare by phone: SHA-256 of its 32 raw bytes, the
    first 10 bytes as 20 upper-case hex digits in five groups of four.

    ``static/app/enrol.js`` computes the same.
    """
    digest = hashlib.sha256(PublicKey.from_text(public_key).raw).hexdigest().upper()[:20]
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


def normalise_code(code: str) -> str:
    """The code as stored: upper case, without spaces or dashes."""
    return "".join(c for c in code.upper() if c.isalnum())[:64]


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code just issued: the only time the code itself is known."""

    member: str
    delegate: str
    code: str
    expires_at: datetime


class CodeRefusedError(InputError):
    """A code that does not open the account: wrong, used or expired (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the enrolment code is {reason}", field="code")
        self.reason = reason


def issue_code(
    db: Database,
    member: str,
    delegate: str,
    issued_by: str,
    now: datetime,
    lifetime: timedelta = CODE_LIFETIME,
) -> IssuedCode:
    """Issue a one-time code for the account ``member``/``delegate``."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    code = "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))
    with db.write() as connection:
        account = connection.execute(
            select(Account.id, Account.disabled_at).where(
                Account.member == member, Account.delegate == delegate
            )
        ).first()
        if account is None:
            raise NotFoundError(f"no account for {member}/{delegate}")
        if account.disabled_at is not None:
            raise InputError(f"the account of {member}/{delegate} is disabled", field="delegate")
        connection.execute(
            insert(EnrolCode).values(
                code_hash=_code_hash(code),
                account_id=account.id,
                issued_by=issued_by[:80],
                issued_at=now,
                expires_at=now + lifetime,
            )
        )
    return IssuedCode(member, delegate, code, now + lifetime)


def redeem_code(db: Database, member: str, delegate: str, code: str, now: datetime) -> Identity:
    """The identity a code opens, once; :class:`CodeRefusedError` if it is wrong (for this
    account), already used or expired."""
    digest = _code_hash(code)
    with db.write() as connection:
        row = connection.execute(
            select(
                EnrolCode.id,
                EnrolCode.expires_at,
                EnrolCode.used_at,
                Account.id.label("account_id"),
                Account.member,
                Account.delegate,
                Account.role,
                Account.disabled_at,
            )
            .join(Account, Account.id == EnrolCode.account_id)
            .where(EnrolCode.code_hash == digest)
        ).first()
        if row is None or (row.member, row.delegate) != (member, delegate):
            raise CodeRefusedError("wrong")
        if row.used_at is not None:
            raise CodeRefusedError("used")
        if row.expires_at <= now:
            raise CodeRefusedError("expired")
        if row.disabled_at is not None:
            raise CodeRefusedError("wrong")
        taken = connection.execute(
            update(EnrolCode)
            .where(EnrolCode.id == row.id, EnrolCode.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if not taken:
            raise CodeRefusedError("used")
    return Identity(row.member, row.delegate, row.role, row.account_id)


def _approving_key(db: Database, member: str, key_id: str) -> Any:
    with db.read() as connection:
        return connection.execute(
            select(DelegateKey.delegate, DelegateKey.role, DelegateKey.revoked_idx).where(
                DelegateKey.key_id == key_id, DelegateKey.member == member
            )
        ).first()


def enrolment_act(
    db: Database, viewer: Delegate, public_key: str, key_id: str, mechanism: str, now: datetime
) -> dict[str, Any]:
    """The unsigned ``member.key`` act registering ``public_key`` (this browser's) for
    the viewer, a head or the secretariat, to be signed by the member's key ``key_id``
    (its root key, or another key of its member that may register keys).

    Raises :class:`InputError` on the field ``key_file`` when that key is not such a key.
    """
    if viewer.role not in APPROVERS:
        raise InputError("only a head or the secretariat enrols with its member's key")
    try:
        PublicKey.parse(public_key)
    except InputError as exc:
        raise InputError(f"public_key: {exc}", field="public_key") from exc
    found = _approving_key(db, viewer.member, key_id)
    if found is None or found.revoked_idx is not None or found.role not in APPROVERS:
        raise InputError(
            f"key {key_id} is not a registered key of {viewer.member} that registers keys",
            field="key_file",
        )
    body = {
        "action": "register",
        "delegate": viewer.delegate,
        "role": viewer.role,
        "public_key": public_key,
    }
    envelope = {
        "v": VERSION,
        "kind": "member.key",
        "mechanism": mechanism,
        "author": {"member": viewer.member, "delegate": found.delegate, "key": key_id},
        "at": format_time(now.replace(microsecond=0)),
        "refs": [],
        "audience": "all",
        "body_digest": jcs.sha256_digest(body),
    }
    return {"envelope": envelope, "body": body}


def check_enrolment(viewer: Delegate, act: SignedAct) -> None:
    """Refuse a signed act that is not the registration of a key for the viewer by its
    own member (the only act the enrolment route admits on the viewer's behalf)."""
    envelope = act.envelope
    body = act.body
    if (
        viewer.role not in APPROVERS
        or envelope.kind != "member.key"
        or envelope.member != viewer.member
        or body.get("action") != "register"
        or body.get("delegate") != viewer.delegate
        or body.get("role") != viewer.role
    ):
        raise InputError("this is not the registration of this browser's key for you")
