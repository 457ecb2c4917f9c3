"""Column types of our own.

:class:`UTCDateTime` is the type of every time the database holds. A plain
``DateTime(timezone=True)`` gives back what each backend gives: PostgreSQL's
``timestamptz`` an aware datetime in the session's zone, SQLite (which has no time type:
SQLAlchemy stores text such as ``2025-10-19 08:05:00.000000`` and drops the zone) a naive
one. Code reading a column would then have to guess, and code comparing one would mix
naive and aware values. The decorator settles it once: in goes an aware datetime, out
comes an aware datetime in UTC, whatever the backend.

What each backend stores is unchanged: the decorator hands the impl the same UTC
instant, so SQLite keeps its text in UTC (a database written before the decorator reads
the same) and PostgreSQL its ``timestamptz``. Its DDL is the impl's, so the migrations
(which name ``DateTime(timezone=True)``) and Alembic's comparison of them with the
models see the same column type.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An instant in time, stored as ``DateTime(timezone=True)``, always read in UTC.

    Binding a naive datetime raises :class:`ValueError`: which zone it meant cannot be
    known, and guessing would store a wrong instant without a word.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """``value`` in UTC; a naive datetime is refused."""
        del dialect
        if value is None:
            return None
        return to_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """The stored instant, aware and in UTC (SQLite's text holds UTC without a zone)."""
        del dialect
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def to_utc(value: datetime) -> datetime:
    """An aware datetime as UTC; a naive one raises :class:`ValueError`, anything but a
    datetime :class:`TypeError`."""
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a naive datetime cannot be stored (which zone?): {value!r}")
    return value.astimezone(UTC)
