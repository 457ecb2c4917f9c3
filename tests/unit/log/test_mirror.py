"""The mirror refuses what it cannot verify, and a refused run leaves it exactly as it was.

The "server" is the real application over a real database, spoken to through
``TestClient`` (an ``httpx.Client``); the attacks are other real databases served in its
place, or a database changed behind the server's back.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tests.conftest import Clock
from tests.mechanism import Mechanism, make_mechanism
from truce.accounts.service import Identity
from truce.app import create_app
from truce.config import Settings
from truce.errors import ProofError
from truce.ledger.envelope import SignedAct
from truce.ledger.keys import SigningKey
from truce.log import mirror, mirror_local
from truce.log.admission import Admission
from truce.log.store import LogStore
from truce.storage.db import Database
from truce.storage.models import Act, Body, Checkpoint, Cosignature, LogEntry, LogNode

PK = Identity(member="PK", delegate="pk-officer")


@contextmanager
def serving(mechanism: Mechanism, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def sync(client: TestClient, directory: Path, mechanism: Mechanism, **kw: Any) -> Any:
    return mirror.sync(
        client,
        directory,
        server=str(client.base_url),
        token=mechanism.token("pk-officer"),
        identity=PK,
        **kw,
    )


def state(directory: Path) -> dict[str, Any]:
    """Everything a run could change: mirror.json, the log, bodies, checkpoints, acts."""
    db = Database.from_url(mirror_local.database_url(directory))
    try:
        with db.read() as connection:
            head = LogStore(connection).head()
            counts = {
                table.__tablename__: connection.execute(
                    select(func.count()).select_from(table)
                ).scalar_one()
                for table in (LogEntry, LogNode, Body, Act, Checkpoint, Cosignature)
            }
    finally:
        db.dispose()
    return {
        "config": (directory / mirror_local.CONFIG_FILE).read_text(),
        "size": head.size,
        "root": head.root,
        **counts,
    }


_numbers = itertools.count()


def statements(mechanism: Mechanism, count: int) -> None:
    mechanism.admission.submit_many(
        [
            mechanism.act(
                "pk-officer", body={"title": "t", "text": f"n{next(_numbers)}", "language": "en"}
            )
            for _ in range(count)
        ]
    )


@pytest.fixture
def other(tmp_path: Path, clock: Clock) -> Iterator[Mechanism]:
    """A second mechanism of the same scenario and demo keys: the same signers, another log."""
    built = make_mechanism(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other-keys", clock)
    yield built
    built.db.dispose()


@pytest.fixture
def synced(mechanism: Mechanism, clock: Clock, tmp_path: Path) -> Path:
    """A mirror of ``mechanism`` with two statements beyond the demo set-up, synced."""
    statements(mechanism, 2)
    directory = tmp_path / "mirror"
    with serving(mechanism, clock) as client:
        result = sync(client, directory, mechanism)
    assert result.first_run
    with mechanism.db.read() as connection:
        head = LogStore(connection).head()
    assert (result.size, result.root) == (head.size, head.root)
    return directory


def refuse(directory: Path, server: Mechanism, owner: Mechanism, clock: Clock, **kw: Any) -> str:
    before = state(directory)
    with serving(server, clock) as client, pytest.raises(ProofError) as caught:
        sync(client, directory, owner, **kw)
    assert state(directory) == before
    return str(caught.value)


def test_incremental_sync_fetches_only_the_new_entries(
    synced: Path, mechanism: Mechanism, clock: Clock
) -> None:
    before = state(synced)
    statements(mechanism, 3)
    with serving(mechanism, clock) as client:
        result = sync(client, synced, mechanism)
    assert not result.first_run
    assert result.added == 3
    assert result.bodies_stored == 3
    assert result.size == before["size"] + 3
    with serving(mechanism, clock) as client:
        again = sync(client, synced, mechanism)
    assert (again.added, again.bodies_stored, again.size) == (0, 0, result.size)


def test_a_rollback_is_refused(
    synced: Path, mechanism: Mechanism, other: Mechanism, clock: Clock
) -> None:
    message = refuse(synced, other, mechanism, clock)
    assert "rolled back" in message


def test_a_split_view_is_refused(
    synced: Path, mechanism: Mechanism, other: Mechanism, clock: Clock
) -> None:
    with mechanism.db.read() as connection:
        size = LogStore(connection).head().size
    with other.db.read() as connection:
        statements(other, size - LogStore(connection).head().size)
    message = refuse(synced, other, mechanism, clock)
    assert "split view" in message


def test_a_fork_after_the_verified_size_is_refused(
    synced: Path, mechanism: Mechanism, other: Mechanism, clock: Clock
) -> None:
    """Another log, longer than the mirror: its entries hash to its (signed) checkpoint,
    but it does not extend the tree the mirror verified."""
    with mechanism.db.read() as connection:
        size = LogStore(connection).head().size
    with other.db.read() as connection:
        statements(other, size + 2 - LogStore(connection).head().size)
    message = refuse(synced, other, mechanism, clock)
    assert "refused" in message


def test_a_checkpoint_signed_by_another_key_is_refused(
    synced: Path, mechanism: Mechanism, clock: Clock
) -> None:
    statements(mechanism, 1)
    pinned = SigningKey.generate().public_key.text
    message = refuse(synced, mechanism, mechanism, clock, log_key=pinned)
    assert "unknown key" in message


def test_entries_that_do_not_match_the_checkpoint_are_refused(
    synced: Path, mechanism: Mechanism, clock: Clock
) -> None:
    statements(mechanism, 2)
    with mechanism.db.read() as connection:
        last = LogStore(connection).head().size - 1
    forged = mechanism.act("pk-officer", body={"title": "t", "text": "forged", "language": "en"})
    # A compromised server swaps a leaf behind its signed checkpoint's back.
    with mechanism.db.write() as connection:
        connection.execute(
            text("UPDATE log_entries SET leaf = :leaf WHERE idx = :idx"),
            {"leaf": forged.envelope.leaf_bytes(), "idx": last},
        )
    message = refuse(synced, mechanism, mechanism, clock)
    assert "do not hash to the root" in message


def test_a_refused_first_run_creates_nothing(
    mechanism: Mechanism, clock: Clock, tmp_path: Path
) -> None:
    directory = tmp_path / "fresh"
    pinned = SigningKey.generate().public_key.text
    with serving(mechanism, clock) as client, pytest.raises(ProofError, match="unknown key"):
        sync(client, directory, mechanism, log_key=pinned)
    assert not (directory / mirror_local.CONFIG_FILE).exists()
    assert not (directory / mirror_local.DATABASE_FILE).exists()


def test_a_scenario_file_that_is_not_the_genesis_body_is_refused(
    mechanism: Mechanism, clock: Clock, tmp_path: Path
) -> None:
    changed = mechanism.scenario.model_copy(
        update={"mechanism": mechanism.scenario.mechanism.model_copy(update={"name": "Other"})}
    )
    with serving(mechanism, clock) as client, pytest.raises(ProofError, match="scenario"):
        sync(client, tmp_path / "fresh", mechanism, scenario=changed)


def record_unchecked(mechanism: Mechanism, act: SignedAct) -> None:
    """Append ``act`` and sign the new head as a compromised server would: no admission."""
    canonical = act.envelope.check_body(act.body)
    with mechanism.db.write() as connection:
        store = LogStore(connection)
        store.head(lock=True)
        Admission._record(store, [(act, canonical, {})], mechanism.scenario)
        mechanism.admission.sign(store, fresh=True)


def test_an_act_signed_by_a_role_not_permitted_is_refused(
    synced: Path, mechanism: Mechanism, clock: Clock
) -> None:
    """The observer's key is registered to its author, but an observer signs no statement:
    the mirror holds the log to the registry's permission table, as admission does."""
    record_unchecked(mechanism, mechanism.act("pk-observer"))
    message = refuse(synced, mechanism, mechanism, clock)
    assert message.startswith("refused: entry ")
    assert "a observer may not sign statement.publish" in message


def test_a_key_registration_the_registry_refuses_is_refused(
    synced: Path, mechanism: Mechanism, clock: Clock
) -> None:
    """A ``member.key`` act that breaks a registry rule stops the mirror, as it would
    have been refused at admission: a party's head may not register a secretariat key."""
    fresh = SigningKey.generate().public_key.text
    body = {
        "action": "register",
        "delegate": "pk-clerk",
        "role": "secretariat",
        "public_key": fresh,
    }
    record_unchecked(mechanism, mechanism.act("pk-root", "member.key", body))
    message = refuse(synced, mechanism, mechanism, clock)
    assert message.endswith("only the secretariat registers secretariat keys")
