"""Many rows into one table at once: how the writer stores a batch.

A batch of acts inserts a few rows per act into each of several tables. How a row
travels costs the writer more than the database's own work on it:

- on PostgreSQL, psycopg's ``executemany`` binds and sends each row as a statement of its
  own (pipelined, but with the client's per-statement work for every row), and a long
  multi-row ``VALUES`` is parsed by the client anew each time its length changes. ``COPY
  ... FROM STDIN`` (https://www.postgresql.org/docs/current/sql-copy.html) sends the
  rows as one stream that psycopg formats in C: less than half the client's time for
  the same rows;
- on SQLite the rows are inserted in process, and ``executemany`` is already a loop in C.

Both paths store the same values: a JSON column's value is serialised as SQLAlchemy's
``JSON`` type does (``json.dumps``; None is JSON ``null``, not SQL ``NULL``), a time
column's value is refused when naive and sent in UTC as
:class:`~truce.storage.types.UTCDateTime` binds it, and every other value is passed to
the driver as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, Insert, Table, insert
from sqlalchemy.exc import DBAPIError

from truce.storage.types import UTCDateTime, to_utc


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, in any order) into ``table``, in the
    caller's transaction.

    A column a row leaves out takes its default, as with ``INSERT``.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(_insert(table), list(rows))
        return
    columns = list(rows[0])
    encoders = _encoders(table)
    encode = [(name, encoders.get(name)) for name in columns]
    copy_rows(
        connection,
        table.name,
        columns,
        ([row[name] if how is None else how(row[name]) for name, how in encode] for row in rows),
    )


def copy_rows(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """``COPY table (columns) FROM STDIN`` with ``rows`` (PostgreSQL only).

    Values are adapted by psycopg's text dumpers, as a bound parameter would be; the
    server parses each by its column's type. ``COPY`` fires no rules, but indexes,
    constraints and row triggers apply as for ``INSERT``. A refusal is raised as
    SQLAlchemy raises it for a statement (a duplicate key is an ``IntegrityError``), and
    the transaction must then be rolled back, as after any failed statement.
    """
    driver = connection.connection.driver_connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except dbapi_error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc


@cache
def _insert(table: Table) -> Insert:
    """``INSERT INTO table``, one object per table: executed again, it skips
    SQLAlchemy's walk of the statement for its cache key."""
    return insert(table)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else to_utc(value)


@cache
def _encoders(table: Table) -> dict[str, Callable[[Any], Any]]:
    """How ``COPY`` must be given the value of each column whose type would process it."""
    found: dict[str, Callable[[Any], Any]] = {}
    for column in table.columns:
        if isinstance(column.type, JSON):
            found[column.name] = json.dumps
        elif isinstance(column.type, UTCDateTime):
            found[column.name] = _utc_or_none
    return found
