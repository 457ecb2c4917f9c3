"""Signed checkpoints, witness cosignatures and receipts.

The secretariat's server signs a C2SP ``tlog-checkpoint`` after every batch of appends,
in the same transaction, so every accepted act is covered by a signed checkpoint the
moment it is committed (a growing log is therefore signed far more often than once a
minute). Each member runs a witness (``truce witness``) that checks the new checkpoint
is consistent with the last one it cosigned and posts a C2SP ``tlog-cosignature``. The
served checkpoint carries every cosignature it has; it is *witnessed* once it carries
the scenario's ``witness_quorum`` of them.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from truce.errors import ConfigurationError, NotFoundError, ProofError
from truce.ledger.checkpoint import (
    Checkpoint,
    log_verifier,
    sign_checkpoint,
    verify_cosignature,
    witness_verifier,
)
from truce.ledger.keys import KeyFile, PublicKey, SigningKey
from truce.ledger.note import Note, Signature, Verifier, add_signature
from truce.log.store import LogStore
from truce.scenario.rules import Scenario
from truce.storage.models import Checkpoint as CheckpointRow
from truce.storage.models import Cosignature, DelegateKey
from truce.storage.models import Mechanism as MechanismRow
from truce.verify.genesis import read_genesis
from truce.verify.receipt import RECEIPT_VERSION


@dataclass(frozen=True, slots=True)
class LogSigner:
    """The key that signs checkpoints, with the origin line it signs for."""

    origin: str
    key: SigningKey

    @classmethod
    def for_scenario(cls, scenario: Scenario, key: SigningKey) -> LogSigner:
        """Check that ``key`` is the scenario's checkpoint key."""
        if key.public_key.text != scenario.mechanism.checkpoint_key:
            raise ConfigurationError(
                "the log key does not match the scenario's checkpoint_key; "
                "witnesses would refuse every checkpoint"
            )
        return cls(origin=scenario.mechanism.origin, key=key)

    @classmethod
    def from_key_file(cls, scenario: Scenario, path: Path) -> LogSigner:
        """Load the checkpoint key from a key file (``TRUCE_LOG_KEY_FILE``)."""
        return cls.for_scenario(scenario, KeyFile.load(path).key)

    def verifier(self) -> Verifier:
        """The verifier key of this signer."""
        return log_verifier(self.origin, self.key.public_key)


#: Built once: a statement object executed again skips SQLAlchemy's cache-key walk.
_INSERT_CHECKPOINT = insert(CheckpointRow)


def sign_head(store: LogStore, signer: LogSigner, now: datetime, *, fresh: bool = False) -> Note:
    """Sign (once) and store the checkpoint of the log's current head.

    ``fresh``: the caller's transaction has just appended, so the head is larger than
    any signed before and there is no checkpoint of its size to look for.
    """
    head = store.head()
    row = (
        None
        if fresh
        else store.connection.execute(
            select(CheckpointRow.note).where(CheckpointRow.size == head.size)
        ).first()
    )
    if row is not None:
        return Note.parse(row.note)
    note = sign_checkpoint(
        Checkpoint(signer.origin, head.size, head.root), signer.origin, signer.key
    )
    store.connection.execute(
        _INSERT_CHECKPOINT,
        {"size": head.size, "root": head.root, "note": note.serialize(), "signed_at": now},
    )
    return note


def latest_size(connection: Connection) -> int | None:
    """The size of the newest signed checkpoint, if any."""
    size: int | None = connection.execute(select(func.max(CheckpointRow.size))).scalar()
    return size


def latest(connection: Connection) -> Any:
    """The newest signed checkpoint's size and signing time (``size``, ``signed_at``),
    or None before the first."""
    return connection.execute(
        select(CheckpointRow.size, CheckpointRow.signed_at)
        .order_by(CheckpointRow.size.desc())
        .limit(1)
    ).first()


def cosigned_note(connection: Connection, size: int | None = None) -> Note:
    """The checkpoint of ``size`` (default: the newest) with every cosignature it has."""
    size = latest_size(connection) if size is None else size
    row = (
        None
        if size is None
        else connection.execute(
            select(CheckpointRow.note).where(CheckpointRow.size == size)
        ).first()
    )
    if row is None:
        raise NotFoundError("no signed checkpoint" + ("" if size is None else f" of size {size}"))
    note = Note.parse(row.note)
    lines = connection.execute(
        select(Cosignature.line).where(Cosignature.size == size).order_by(Cosignature.member)
    ).scalars()
    for line in lines:
        note = add_signature(note, Signature.parse_line(line))
    return note


def witnessed_size(connection: Connection, quorum: int) -> int | None:
    """The newest checkpoint size with at least ``quorum`` cosignatures."""
    size: int | None = connection.execute(
        select(Cosignature.size)
        .group_by(Cosignature.size)
        .having(func.count() >= quorum)
        .order_by(Cosignature.size.desc())
        .limit(1)
    ).scalar()
    return size


def cosignature_counts(connection: Connection) -> dict[str, tuple[int, int]]:
    """Per member: the size and timestamp of its newest cosignature."""
    rows = connection.execute(
        select(
            Cosignature.member, func.max(Cosignature.size), func.max(Cosignature.timestamp)
        ).group_by(Cosignature.member)
    ).all()
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


@dataclass(frozen=True, slots=True)
class WitnessLag:
    """Checkpoints a member's witness has not cosigned: the newest (``size``), the
    newest it cosigned (``cosigned``, None if none), and since when the oldest of those
    it has not cosigned was signed (``since``)."""

    member: str
    size: int
    cosigned: int | None
    since: datetime


def witness_lag(connection: Connection, member: str) -> WitnessLag | None:
    """What ``member``'s witness has yet to cosign; None when it cosigned the newest."""
    newest = latest(connection)
    if newest is None:
        return None
    cosigned: int | None = connection.execute(
        select(func.max(Cosignature.size)).where(Cosignature.member == member)
    ).scalar()
    if cosigned is not None and cosigned >= newest.size:
        return None
    since = connection.execute(
        select(func.min(CheckpointRow.signed_at)).where(CheckpointRow.size > (cosigned or -1))
    ).scalar()
    return WitnessLag(member, int(newest.size), cosigned, since or newest.signed_at)


def witness_names(connection: Connection) -> dict[str, str]:
    """Each party's and mediator's witness key name, as the genesis scenario gives it."""
    scenario = connection.execute(select(MechanismRow.scenario)).scalar()
    if scenario is None:
        return {}
    genesis = read_genesis(scenario)
    return {member.code: genesis.witness_key_name(member.code) for member in genesis.witnesses}


def witness_verifiers(connection: Connection) -> dict[str, list[Verifier]]:
    """Per member, the verifier keys of its live (unrevoked) witness keys, each under
    the key name the scenario gives the member's witness."""
    names = witness_names(connection)
    rows = connection.execute(
        select(DelegateKey.member, DelegateKey.public_key).where(
            DelegateKey.role == "witness", DelegateKey.revoked_idx.is_(None)
        )
    ).all()
    verifiers: dict[str, list[Verifier]] = {}
    for member, public_key in rows:
        if member in names:
            verifiers.setdefault(member, []).append(
                witness_verifier(names[member], PublicKey.from_text(public_key))
            )
    return verifiers


def add_cosignatures(
    connection: Connection, data: bytes, now: datetime, skew: timedelta
) -> tuple[int, list[str]]:
    """Store the cosignatures in a posted note; return its size and the members added.

    The note must be a checkpoint this log signed, byte for byte. Every signature line
    from a registered witness key must verify (a bad one refuses the whole post, as the
    signed-note spec asks of verifiers); lines from keys that are not witnesses are
    ignored; a timestamp later than the server's clock plus ``skew`` is refused.
    """
    note = Note.parse(data)
    checkpoint = Checkpoint.parse(note.text)
    stored = connection.execute(
        select(CheckpointRow.note).where(CheckpointRow.size == checkpoint.size)
    ).first()
    if stored is None:
        raise NotFoundError(f"this log signed no checkpoint of size {checkpoint.size}")
    if Note.parse(stored.note).text != note.text:
        raise ProofError(
            f"the posted checkpoint of size {checkpoint.size} is not the one this log signed"
        )
    have = set(
        connection.execute(
            select(Cosignature.member).where(Cosignature.size == checkpoint.size)
        ).scalars()
    )
    added: list[str] = []
    matched: set[str] = set()
    not_after = int((now + skew).timestamp())
    for member, verifiers in witness_verifiers(connection).items():
        for signature in note.signatures:
            verifier = next((v for v in verifiers if v.matches(signature)), None)
            if verifier is None:
                continue
            timestamp = verify_cosignature(checkpoint, signature, verifier, not_after=not_after)
            matched.add(member)
            if member not in have and member not in added:
                connection.execute(
                    insert(Cosignature).values(
                        size=checkpoint.size,
                        member=member,
                        key_id=verifier.public_key.key_id,
                        timestamp=timestamp,
                        line=signature.line,
                    )
                )
                added.append(member)
    if not matched:
        raise ProofError("the note carries no cosignature from a registered witness key")
    return checkpoint.size, added


def receipt(connection: Connection, index: int, mechanism: str) -> dict[str, Any]:
    """The receipt of entry ``index``: its leaf, first checkpoint, and inclusion proof."""
    store = LogStore(connection)
    size: int | None = connection.execute(
        select(func.min(CheckpointRow.size)).where(CheckpointRow.size > index)
    ).scalar()
    if size is None:
        raise NotFoundError(f"entry {index} is not yet under a signed checkpoint")
    [(_, leaf)] = store.entries(index, index)
    proof = store.inclusion_proof(index, size)
    note = cosigned_note(connection, size)
    return _receipt(mechanism, index, leaf, store.leaf_hash(index), note, size, proof)


def fresh_receipts(
    store: LogStore, note: Note, mechanism: str, entries: Sequence[tuple[int, bytes, bytes]]
) -> list[dict[str, Any]]:
    """Receipts of ``(index, leaf, leaf_hash)`` entries just appended under ``note``.

    Built in the appending transaction, right after :func:`sign_head` signed ``note``
    for the new head: it is the first checkpoint covering every entry of the batch, and
    no witness can have cosigned it yet. The audit paths come from one node lookup.
    Each receipt equals what :func:`receipt` serves for the entry until the first
    cosignature arrives.
    """
    size = Checkpoint.parse(note.text).size
    proofs = store.inclusion_proofs([index for index, _, _ in entries], size)
    return [
        _receipt(mechanism, index, leaf, leaf_hash, note, size, proof)
        for (index, leaf, leaf_hash), proof in zip(entries, proofs, strict=True)
    ]


def _receipt(
    mechanism: str,
    index: int,
    leaf: bytes,
    leaf_hash: bytes,
    note: Note,
    size: int,
    proof: list[bytes],
) -> dict[str, Any]:
    return {
        "v": RECEIPT_VERSION,
        "mechanism": mechanism,
        "index": index,
        "leaf": base64.b64encode(leaf).decode("ascii"),
        "leaf_hash": base64.b64encode(leaf_hash).decode("ascii"),
        "checkpoint": note.serialize(),
        "inclusion": {
            "size": size,
            "audit_path": [base64.b64encode(node).decode("ascii") for node in proof],
        },
    }


def b64_list(values: Sequence[str]) -> list[bytes]:
    """Decode a list of base64 strings (as receipts and the API carry them)."""
    return [base64.b64decode(value, validate=True) for value in values]
