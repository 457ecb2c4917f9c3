"""Export an audit bundle (:mod:`truce.verify.bundle`) from the database.

The bundle holds every entry up to the newest *witnessed* checkpoint (or, when none is
witnessed yet, the newest signed one), that checkpoint with its cosignatures, and the
bodies the exporting delegate's member may read: the audience rules of
:func:`truce.ledger.envelope.audience_includes`, applied to each act of the ``acts``
projection. Each body is written beside its entry (the bundle keeps them in log order, so
that a verifier reads it in one pass); a body carried by several acts is written with
each act whose audience includes the reader. Entries and bodies are read in batches, so
the export's memory does not grow with the log.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from truce.accounts.service import Identity
from truce.errors import ConfigurationError, NotFoundError, UnknownKeyError
from truce.ledger import jcs
from truce.ledger.envelope import audience_includes, format_time, stored_audience
from truce.ledger.keys import SigningKey
from truce.log import checkpoints
from truce.log.store import LogStore
from truce.scenario.rules import Scenario
from truce.storage.db import Database
from truce.storage.models import Act, Body, DelegateKey
from truce.storage.models import Mechanism as MechanismRow
from truce.verify.bundle import BundleWriter, make_manifest, manifest_bytes, readme_text

ENTRY_BATCH = 10_000
BODY_BATCH = 500


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    size: int
    witnessed: bool
    bodies: int
    withheld: int


def identity_of(db: Database, key: SigningKey, member: str, delegate: str) -> Identity:
    """The exporter, if ``key`` is a live key registered to ``member/delegate``."""
    with db.read() as connection:
        row = connection.execute(
            select(DelegateKey.member, DelegateKey.delegate, DelegateKey.revoked_idx).where(
                DelegateKey.key_id == key.key_id
            )
        ).first()
    if row is None or (row.member, row.delegate) != (member, delegate):
        raise UnknownKeyError(f"the key file's key is not registered to {member}/{delegate}")
    if row.revoked_idx is not None:
        raise UnknownKeyError(
            f"the key of {member}/{delegate} was revoked at log index {row.revoked_idx}"
        )
    return Identity(member=member, delegate=delegate)


def export_bundle(
    db: Database,
    out_path: Path,
    identity: Identity,
    *,
    now: datetime | None = None,
) -> ExportResult:
    """Write the bundle of ``identity``'s view of the log to ``out_path`` (not overwritten)."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    with db.read() as connection:
        row = connection.execute(select(MechanismRow.scenario)).first()
        if row is None:
            raise ConfigurationError("the database holds no mechanism: run truce init")
        scenario = Scenario.model_validate(row.scenario)
        member = scenario.member(identity.member)
        if member is None:
            raise NotFoundError(f"{identity.member} is not a member of {scenario.mechanism.id}")
        threshold = scenario.witness_threshold
        witnessed = checkpoints.witnessed_size(connection, threshold)
        note = checkpoints.cosigned_note(connection, witnessed)
        size = witnessed if witnessed is not None else checkpoints.latest_size(connection)
        assert size is not None
        genesis = LogStore(connection).entries(0, 0)
        genesis_digest = connection.execute(select(Act.body_digest).where(Act.idx == 0)).scalar()
        scenario_bytes = LogStore(connection).body(genesis_digest or "")
    if not genesis or scenario_bytes is None:
        raise ConfigurationError("the log has no genesis entry with its scenario")
    manifest = make_manifest(
        mechanism=scenario.mechanism.id,
        origin=scenario.mechanism.origin,
        checkpoint_key=scenario.mechanism.checkpoint_key,
        member=identity.member,
        delegate=identity.delegate,
        exported_at=format_time(moment),
        size=size,
    )
    is_mediator = member.kind == "mediator"
    fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer = BundleWriter(handle, mtime=int(moment.timestamp()))
            writer.add_file("README.txt", readme_text(manifest).encode("utf-8"))
            writer.add_file("manifest.json", manifest_bytes(manifest))
            writer.add_file("scenario.json", scenario_bytes)
            writer.add_file("checkpoint.txt", note.to_bytes())
            for pairs in _entries(db, size, identity.member, is_mediator):
                writer.add_entries(pairs)
            if writer.size != size:
                raise NotFoundError(f"the log holds {writer.size} entries, not {size}")
            writer.close()
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    return ExportResult(
        path=out_path,
        size=size,
        witnessed=witnessed is not None,
        bodies=writer.bodies,
        withheld=size - writer.bodies,
    )


def _entries(
    db: Database, size: int, reader: str, is_mediator: bool
) -> Iterator[list[tuple[bytes, bytes | None]]]:
    """The first ``size`` leaves in batches, each with its body if the reader may see it."""
    for start in range(0, size, ENTRY_BATCH):
        end = min(start + ENTRY_BATCH, size)
        with db.read() as connection:
            leaves = LogStore(connection).entries(start, end - 1)
            rows = connection.execute(
                select(Act.idx, Act.member, Act.audience, Act.body_digest).where(
                    Act.idx >= start, Act.idx < end
                )
            ).all()
        allowed = {
            row.idx: row.body_digest
            for row in rows
            if audience_includes(stored_audience(row.audience), row.member, reader, is_mediator)
        }
        contents = _contents(db, sorted(set(allowed.values())))
        batch: list[tuple[bytes, bytes | None]] = []
        for index, leaf in leaves:
            digest = allowed.get(index)
            content = None if digest is None else contents.get(digest)
            if digest is not None:
                if content is None:
                    raise NotFoundError(f"the body {digest} is not held by this server")
                if jcs.digest_bytes(content) != digest:
                    raise ConfigurationError(f"the stored body {digest} is corrupt")
            batch.append((leaf, content))
        yield batch


def _contents(db: Database, digests: list[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    with db.read() as connection:
        for start in range(0, len(digests), BODY_BATCH):
            batch = digests[start : start + BODY_BATCH]
            rows = connection.execute(
                select(Body.digest, Body.content).where(Body.digest.in_(batch))
            )
            found.update((row.digest, bytes(row.content)) for row in rows)
    return found
