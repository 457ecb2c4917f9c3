"""The read side of the log's own tables: members, checkpoints, cosignatures, the keys.

What the log page, the web's verification data and ``/api/v1/mechanism`` show, so that
routes and pages reach these tables only through here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from truce.ledger.keys import PublicKey
from truce.storage.models import Checkpoint, Cosignature, DelegateKey, Mechanism, Member
from truce.verify.registry import RegisteredKey

_KEY_COLUMNS = (
    DelegateKey.key_id,
    DelegateKey.member,
    DelegateKey.delegate,
    DelegateKey.role,
    DelegateKey.public_key,
    DelegateKey.registered_idx,
    DelegateKey.revoked_idx,
)
_ALL_KEYS = select(*_KEY_COLUMNS)
#: Built once: admission runs it for every batch.
_KEYS_BY_ID = _ALL_KEYS.where(DelegateKey.key_id.in_(bindparam("key_ids", expanding=True)))


def registered_keys(
    connection: Connection, key_ids: Collection[str] | None = None
) -> Iterator[RegisteredKey]:
    """The keys of the ``delegate_keys`` projection (those of ``key_ids`` only, if given),
    as the key registry (:class:`truce.verify.registry.KeyRegistry`) holds them."""
    rows = (
        connection.execute(_ALL_KEYS)
        if key_ids is None
        else connection.execute(_KEYS_BY_ID, {"key_ids": list(key_ids)})
    )
    for row in rows:
        yield RegisteredKey(
            row.key_id,
            row.member,
            row.delegate,
            row.role,
            PublicKey.from_text(row.public_key),
            row.registered_idx,
            row.revoked_idx,
        )


def key_role(connection: Connection, key_id: str) -> str | None:
    """The role a registered key signs with; None if no key of that id was registered."""
    role: str | None = connection.execute(
        select(DelegateKey.role).where(DelegateKey.key_id == key_id)
    ).scalar()
    return role


def members(connection: Connection) -> list[tuple[str, str, str]]:
    """Every member of the mechanism: code, name and kind (party or mediator)."""
    rows = connection.execute(select(Member.code, Member.name, Member.kind)).all()
    return [(row.code, row.name, row.kind) for row in rows]


@dataclass(frozen=True, slots=True)
class CheckpointRow:
    """A signed checkpoint as the log page shows it: its tree head and who cosigned it."""

    size: int
    root: bytes
    signed_at: datetime
    cosigners: list[str]


def recent_checkpoints(connection: Connection, limit: int) -> list[CheckpointRow]:
    """The ``limit`` newest checkpoints, newest first, each with its cosigning members."""
    rows = connection.execute(
        select(Checkpoint.size, Checkpoint.root, Checkpoint.signed_at)
        .order_by(Checkpoint.size.desc())
        .limit(limit)
    ).all()
    cosigners: dict[int, list[str]] = {}
    for size, member in connection.execute(
        select(Cosignature.size, Cosignature.member)
        .where(Cosignature.size.in_([row.size for row in rows]))
        .order_by(Cosignature.member)
    ):
        cosigners.setdefault(size, []).append(member)
    return [
        CheckpointRow(row.size, row.root, row.signed_at, cosigners.get(row.size, []))
        for row in rows
    ]


def checkpoint_at(connection: Connection, size: int) -> CheckpointRow | None:
    """The checkpoint of ``size`` with its cosigning members, if one was signed."""
    row = connection.execute(
        select(Checkpoint.size, Checkpoint.root, Checkpoint.signed_at).where(
            Checkpoint.size == size
        )
    ).first()
    if row is None:
        return None
    cosigners = connection.execute(
        select(Cosignature.member).where(Cosignature.size == size).order_by(Cosignature.member)
    ).scalars()
    return CheckpointRow(row.size, row.root, row.signed_at, list(cosigners))


def active_keys(connection: Connection, member: str, delegate: str) -> tuple[str, ...]:
    """The key ids registered to a delegate and not revoked, in order."""
    rows = connection.execute(
        select(DelegateKey.key_id)
        .where(
            DelegateKey.member == member,
            DelegateKey.delegate == delegate,
            DelegateKey.revoked_idx.is_(None),
        )
        .order_by(DelegateKey.key_id)
    ).scalars()
    return tuple(rows)


def witness_keys(connection: Connection) -> list[tuple[str, str]]:
    """Each member's registered, unrevoked witness keys: (member, public key text)."""
    rows = connection.execute(
        select(DelegateKey.member, DelegateKey.public_key)
        .where(DelegateKey.role == "witness", DelegateKey.revoked_idx.is_(None))
        .order_by(DelegateKey.member, DelegateKey.key_id)
    ).all()
    return [(row.member, row.public_key) for row in rows]


def genesis_body(connection: Connection) -> object | None:
    """The mechanism's genesis body (the scenario as JSON), or None before ``truce init``."""
    return connection.execute(select(Mechanism.scenario)).scalar()
