"""Device registration: a browser's new signing key waits for its head's approval.

The browser generates a non-extractable Ed25519 key with WebCrypto and sends its public
key to ``POST /web/keys/request``. The request is kept (one per key id) until the
member's head registers the key with a ``member.key`` act signed in the head's own
browser or from the command line, or declines it. The request list is not part of
the log: only the ``member.key`` act makes a key valid, so a request counts as approved
as soon as its key is in the ``delegate_keys`` projection (registered, not revoked),
however the act came (:func:`approve_registered`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from truce.errors import ForbiddenError, InputError, NotFoundError, NotPermittedError
from truce.ledger.keys import PublicKey
from truce.storage.db import Database
from truce.storage.models import DelegateKey, KeyRequest


class Delegate(Protocol):
    """Who asks: a delegate of a member, with its role (a web viewer, an identity)."""

    @property
    def member(self) -> str: ...
    @property
    def delegate(self) -> str: ...
    @property
    def role(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PendingKey:
    """A key request awaiting its head."""

    id: int
    member: str
    delegate: str
    role: str
    public_key: str
    key_id: str
    requested_at: datetime


def request_key(db: Database, viewer: Delegate, public_key: str, now: datetime) -> dict[str, Any]:
    """Record a pending request for ``public_key`` (idempotent for the same delegate)."""
    try:
        key = PublicKey.parse(public_key)
    except InputError as exc:
        raise InputError(f"public_key: {exc}", field="public_key") from exc
    with db.write() as connection:
        registered = connection.execute(
            select(DelegateKey.member, DelegateKey.delegate).where(DelegateKey.key_id == key.key_id)
        ).first()
        if registered is not None:
            raise InputError(
                f"key {key.key_id} is already registered (to {registered.member}/"
                f"{registered.delegate})",
                field="public_key",
            )
        existing = connection.execute(
            select(KeyRequest).where(KeyRequest.key_id == key.key_id)
        ).first()
        if existing is not None:
            found = existing
            if (found.member, found.delegate) != (viewer.member, viewer.delegate):
                raise InputError(
                    f"key {key.key_id} was requested by another delegate", field="public_key"
                )
            if found.status == "pending":
                return {"key_id": key.key_id, "status": "pending", "id": found.id}
            connection.execute(
                update(KeyRequest)
                .where(KeyRequest.id == found.id)
                .values(status="pending", requested_at=now, decided_at=None)
            )
            return {"key_id": key.key_id, "status": "pending", "id": found.id}
        try:
            request_id = connection.execute(
                insert(KeyRequest)
                .values(
                    member=viewer.member,
                    delegate=viewer.delegate,
                    role=viewer.role,
                    public_key=key.text,
                    key_id=key.key_id,
                    status="pending",
                    requested_at=now,
                )
                .returning(KeyRequest.id)
            ).scalar_one()
        except IntegrityError as exc:
            raise InputError(f"key {key.key_id} is already requested", field="public_key") from exc
    return {"key_id": key.key_id, "status": "pending", "id": int(request_id)}


def may_decide(viewer: Delegate, member: str) -> bool:
    """Whether the viewer approves key requests of ``member``: its head, or the
    secretariat's staff for the secretariat's own delegates (as ``member.key`` allows)."""
    return viewer.member == member and viewer.role in ("head", "secretariat")


def _registered_pending(connection: Connection, member: str) -> list[str]:
    """Key ids of ``member``'s pending requests whose key is registered and not revoked."""
    return list(
        connection.execute(
            select(KeyRequest.key_id)
            .join(DelegateKey, DelegateKey.key_id == KeyRequest.key_id)
            .where(
                KeyRequest.member == member,
                KeyRequest.status == "pending",
                DelegateKey.member == KeyRequest.member,
                DelegateKey.revoked_idx.is_(None),
            )
        ).scalars()
    )


def approve_registered(connection: Connection, member: str, now: datetime) -> int:
    """Mark approved every pending request of ``member`` whose key is registered.

    A ``member.key`` act settles the request whether it was signed in a head's browser
    or admitted from the command line; how many requests this settled.
    """
    key_ids = _registered_pending(connection, member)
    if key_ids:
        connection.execute(
            update(KeyRequest)
            .where(KeyRequest.key_id.in_(key_ids), KeyRequest.status == "pending")
            .values(status="approved", decided_at=now)
        )
    return len(key_ids)


def pending_requests(
    db: Database, viewer: Delegate, now: datetime | None = None
) -> list[PendingKey]:
    """The pending requests the viewer may decide, oldest first.

    A request whose key is already registered is no longer pending: its row is marked
    approved (at ``now``, the present by default) and it is left out.
    """
    if viewer.role not in ("head", "secretariat"):
        return []
    with db.read() as connection:
        settled = bool(_registered_pending(connection, viewer.member))
    if settled:
        with db.write() as connection:
            approve_registered(connection, viewer.member, now or datetime.now(UTC))
    with db.read() as connection:
        rows = connection.execute(
            select(KeyRequest)
            .where(KeyRequest.member == viewer.member, KeyRequest.status == "pending")
            .order_by(KeyRequest.requested_at, KeyRequest.id)
        ).all()
        return [
            PendingKey(r.id, r.member, r.delegate, r.role, r.public_key, r.key_id, r.requested_at)
            for r in rows
        ]


def own_requests(db: Database, viewer: Delegate) -> list[PendingKey]:
    """The viewer's own pending requests (its browsers' keys awaiting approval)."""
    with db.read() as connection:
        rows = connection.execute(
            select(KeyRequest)
            .where(
                KeyRequest.member == viewer.member,
                KeyRequest.delegate == viewer.delegate,
                KeyRequest.status == "pending",
            )
            .order_by(KeyRequest.requested_at, KeyRequest.id)
        ).all()
    return [
        PendingKey(r.id, r.member, r.delegate, r.role, r.public_key, r.key_id, r.requested_at)
        for r in rows
    ]


def request_of(db: Database, viewer: Delegate, request_id: int) -> PendingKey:
    """One pending request the viewer may decide (for ``truce key approve``)."""
    if viewer.role not in ("head", "secretariat"):
        raise NotPermittedError("only a head (or the secretariat, for its staff) decides keys")
    with db.read() as connection:
        row = connection.execute(select(KeyRequest).where(KeyRequest.id == request_id)).first()
    if row is None or row.status != "pending":
        raise NotFoundError(f"no pending key request {request_id}")
    if not may_decide(viewer, row.member):
        raise NotFoundError(f"no pending key request {request_id} of {viewer.member}")
    return PendingKey(
        row.id, row.member, row.delegate, row.role, row.public_key, row.key_id, row.requested_at
    )


def decline(db: Database, viewer: Delegate, request_id: int, now: datetime) -> None:
    """Decline a pending request of the viewer's member."""
    with db.write() as connection:
        row = connection.execute(select(KeyRequest).where(KeyRequest.id == request_id)).first()
        if row is None or row.status != "pending":
            raise NotFoundError(f"no pending key request {request_id}")
        if not may_decide(viewer, row.member):
            raise ForbiddenError("only the member's head decides its key requests")
        connection.execute(
            update(KeyRequest)
            .where(KeyRequest.id == request_id)
            .values(status="declined", decided_at=now)
        )
