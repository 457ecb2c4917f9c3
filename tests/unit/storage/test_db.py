"""Durability of a commit, on real connections of both backends.

A receipt or a checkpoint is handed out after its transaction commits, so a commit
must be on disk when it returns: SQLite's ``synchronous=FULL``, PostgreSQL's
``synchronous_commit=on`` (the test cluster runs with ``synchronous_commit=off``, so the
session setting is what makes it ``on`` here).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, event

from truce.errors import ConfigurationError
from truce.storage.db import SQLITE_SYNCHRONOUS_FULL, Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    opened = Database.from_url(database_url)
    yield opened
    opened.dispose()


def _setting(connection: Connection, sqlite: bool) -> str:
    if sqlite:
        return str(connection.exec_driver_sql("PRAGMA synchronous").scalar())
    return str(connection.exec_driver_sql("SHOW synchronous_commit").scalar())


def test_every_connection_commits_durably(db: Database) -> None:
    expected = str(SQLITE_SYNCHRONOUS_FULL) if db.is_sqlite else "on"
    with db.read() as reading, db.write() as writing:
        assert _setting(reading, db.is_sqlite) == expected
        assert _setting(writing, db.is_sqlite) == expected
    # A connection handed out again by the pool keeps the setting.
    for _ in range(3):
        with db.write() as writing:
            assert _setting(writing, db.is_sqlite) == expected
    db.check_durable()


def test_a_server_refuses_to_start_when_commits_are_not_durable(db: Database) -> None:
    @event.listens_for(db.engine, "connect")
    def _weaken(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if db.is_sqlite:
            cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            cursor.execute("SET synchronous_commit TO off")
            dbapi_connection.commit()
        cursor.close()

    db.engine.dispose()  # every connection from now on is a new, weakened one
    with pytest.raises(ConfigurationError, match="synchronous"):
        db.check_durable()
