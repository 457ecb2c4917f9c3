"""Bulk inserts store exactly what a plain ``INSERT`` of the same rows stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    LargeBinary,
    MetaData,
    Table,
    Text,
    create_engine,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, StatementError

from truce.storage.bulk import insert_rows
from truce.storage.types import UTCDateTime

_METADATA = MetaData()
_TABLE = Table(
    "bulk_rows",
    _METADATA,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("doc", JSON, nullable=True),
    Column("words", Text, nullable=True),
    Column("blob", LargeBinary, nullable=True),
    Column("flag", Boolean, nullable=True),
    Column("at", DateTime(timezone=True), nullable=True),
    Column("ratio", Float, nullable=True),
    Column("note", Text, nullable=True, server_default="unset"),
    Column("utc", UTCDateTime, nullable=True),
)
KARACHI = timezone(timedelta(hours=5))


def _rows(first: int) -> list[dict[str, Any]]:
    """Values that a text stream could mangle: separators, escapes, NUL bytes, nulls."""
    return [
        {
            "id": first,
            "doc": {"clauses": ["2", "4"], "name": "Spīn Boldak\t\\", "n": 1.5},
            "words": "tab\there, newline\nthere, backslash \\N and \\.",
            "blob": b"\x00\\\t\n\xff",
            "flag": True,
            "at": datetime(2025, 10, 15, 4, 30, tzinfo=UTC),
            "ratio": 0.1,
            "utc": datetime(2025, 10, 15, 9, 30, tzinfo=KARACHI),
        },
        {
            "id": first + 1,
            "doc": None,
            "words": "",
            "blob": b"",
            "flag": False,
            "at": None,
            "ratio": None,
            "utc": None,
        },
        {
            "id": first + 2,
            "doc": ["all"],
            "words": None,
            "blob": None,
            "flag": None,
            "at": datetime(2025, 11, 1, tzinfo=UTC),
            "ratio": -3.25e-7,
            "utc": datetime(2025, 11, 1, tzinfo=UTC),
        },
    ]


def _stored(connection: Any, first: int) -> list[tuple[Any, ...]]:
    """Each row as the database holds it, JSON as its text, shifted to start at 0."""
    rows = connection.execute(
        select(
            _TABLE.c.id - first,
            _TABLE.c.doc.is_(None),
            text("CAST(doc AS TEXT)"),
            _TABLE.c.words,
            _TABLE.c.blob,
            _TABLE.c.flag,
            _TABLE.c.at,
            _TABLE.c.ratio,
            _TABLE.c.note,
            _TABLE.c.utc,
        )
        .where(_TABLE.c.id >= first, _TABLE.c.id < first + 100)
        .order_by(_TABLE.c.id)
    )
    return [tuple(row) for row in rows]


def test_bulk_rows_equal_plain_inserts(database_url: str) -> None:
    engine = create_engine(database_url)
    _METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(_TABLE), _rows(0))
        rows = _rows(100)
        rows[2] = dict(reversed(rows[2].items()))  # the same keys in another order
        insert_rows(connection, _TABLE, rows)
    with engine.connect() as connection:
        plain, bulk = _stored(connection, 0), _stored(connection, 100)
    engine.dispose()
    assert len(bulk) == 3
    assert bulk == plain
    assert bulk[0][3] == "tab\there, newline\nthere, backslash \\N and \\."
    assert bulk[0][4] == b"\x00\\\t\n\xff"
    assert bulk[1][1:3] == (False, "null")  # JSON null, as SQLAlchemy's JSON type stores None
    assert bulk[0][8] == "unset"  # a column left out takes its default
    assert bulk[0][9] == datetime(2025, 10, 15, 4, 30, tzinfo=UTC)
    assert bulk[0][9].tzinfo is UTC


def test_a_naive_time_is_refused_by_a_bulk_insert(database_url: str) -> None:
    engine = create_engine(database_url)
    _METADATA.create_all(engine)
    rows = _rows(0)
    rows[2]["utc"] = datetime(2025, 11, 1)
    with pytest.raises((ValueError, StatementError), match="naive"), engine.begin() as connection:
        insert_rows(connection, _TABLE, rows)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM bulk_rows")).scalar_one()
    engine.dispose()
    assert count == 0


def test_a_refused_bulk_insert_writes_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    _METADATA.create_all(engine)
    with engine.begin() as connection:
        insert_rows(connection, _TABLE, _rows(0))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_rows(connection, _TABLE, _rows(200) + _rows(2))  # row 2 is taken
    with engine.connect() as connection:
        ids = connection.execute(select(_TABLE.c.id).order_by(_TABLE.c.id)).scalars().all()
    engine.dispose()
    assert ids == [0, 1, 2]


def test_no_rows_inserts_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    _METADATA.create_all(engine)
    with engine.begin() as connection:
        insert_rows(connection, _TABLE, [])
        count = connection.execute(text("SELECT COUNT(*) FROM bulk_rows")).scalar_one()
    engine.dispose()
    assert count == 0
