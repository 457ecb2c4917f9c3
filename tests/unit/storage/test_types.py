"""UTCDateTime: aware times in, aware UTC times out, stored as the plain column stored them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    insert,
    select,
    text,
)
from sqlalchemy.exc import StatementError

from truce.storage.db import make_engine
from truce.storage.models import Base
from truce.storage.types import UTCDateTime

KARACHI = timezone(timedelta(hours=5), "PKT")
NEW_YORK = timezone(timedelta(hours=-5), "EST")

_METADATA = MetaData()
_MOMENTS = Table(
    "moments",
    _METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=True),
)
#: The same table as the models described it before: a plain ``DateTime(timezone=True)``.
_PLAIN = Table(
    "moments",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=True),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    _METADATA.create_all(built)
    yield built
    built.dispose()


def _non_utc_session(engine: Engine) -> str:
    """SQL that gives a PostgreSQL session a zone other than UTC (its times come back in
    the session's zone); nothing on SQLite."""
    return "SET TIME ZONE 'Asia/Karachi'" if engine.dialect.name == "postgresql" else "SELECT 1"


def test_every_time_column_of_the_models_is_utc() -> None:
    plain = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, DateTime)
    ]
    typed = [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, UTCDateTime)
    ]
    assert plain == []
    assert len(typed) > 20


def test_an_aware_time_comes_back_equal_and_in_utc(engine: Engine) -> None:
    written = datetime(2025, 10, 19, 13, 5, 7, 250000, tzinfo=KARACHI)
    with engine.begin() as connection:
        connection.execute(insert(_MOMENTS).values(id=1, at=written))
        connection.execute(insert(_MOMENTS).values(id=2, at=None))
    with engine.connect() as connection:
        connection.execute(text(_non_utc_session(engine)))
        found = dict(connection.execute(select(_MOMENTS.c.id, _MOMENTS.c.at)).all())
    assert found[1] == written
    assert found[1].tzinfo is UTC
    assert (found[1].hour, found[1].microsecond) == (8, 250000)
    assert found[2] is None


def test_a_naive_time_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive") as caught, engine.begin() as connection:
        connection.execute(insert(_MOMENTS).values(id=1, at=datetime(2025, 10, 19, 8, 5)))
    assert isinstance(caught.value.orig, ValueError)
    with pytest.raises(StatementError, match="naive"), engine.connect() as connection:
        connection.execute(select(_MOMENTS.c.id).where(_MOMENTS.c.at < datetime(2025, 10, 19)))
    with engine.connect() as connection:
        assert connection.execute(select(_MOMENTS.c.id)).all() == []


def test_a_where_clause_compares_instants_whatever_the_zone_of_its_value(engine: Engine) -> None:
    times = {
        1: datetime(2025, 10, 19, 3, 0, tzinfo=UTC),
        2: datetime(2025, 10, 19, 6, 0, tzinfo=UTC),
        3: datetime(2025, 10, 19, 9, 0, tzinfo=UTC),
    }
    with engine.begin() as connection:
        connection.execute(insert(_MOMENTS), [{"id": k, "at": v} for k, v in times.items()])
    # 10:00 in Karachi is 05:00 UTC; 23:30 in New York the day before is 04:30 UTC. As
    # wall-clock text (which SQLite compares) the first would sort after all three times,
    # the second before them.
    after = datetime(2025, 10, 19, 10, 0, tzinfo=KARACHI)
    since = datetime(2025, 10, 18, 23, 30, tzinfo=NEW_YORK)
    with engine.connect() as connection:
        later = connection.execute(
            select(_MOMENTS.c.id).where(_MOMENTS.c.at > after).order_by(_MOMENTS.c.id)
        ).scalars()
        assert list(later) == [2, 3]
        earlier = connection.execute(
            select(_MOMENTS.c.id).where(_MOMENTS.c.at < since).order_by(_MOMENTS.c.id)
        ).scalars()
        assert list(earlier) == [1]
        between = connection.execute(
            select(_MOMENTS.c.id).where(_MOMENTS.c.at.between(since, after))
        ).scalars()
        assert list(between) == []


def test_a_row_the_plain_column_wrote_reads_back_aware(engine: Engine) -> None:
    stored = {
        # SQLAlchemy's SQLite DATETIME text, in UTC and without a zone; PostgreSQL's
        # timestamptz input.
        "sqlite": "2025-10-19 08:05:07.250000",
        "postgresql": "2025-10-19 08:05:07.25+00",
    }[engine.dialect.name]
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO moments (id, at) VALUES (1, :at)"), {"at": stored})
    with engine.connect() as connection:
        connection.execute(text(_non_utc_session(engine)))
        found = connection.execute(select(_MOMENTS.c.at)).scalar_one()
    assert found == datetime(2025, 10, 19, 8, 5, 7, 250000, tzinfo=UTC)
    assert found.tzinfo is UTC


def test_the_stored_value_is_the_one_the_plain_column_stored(engine: Engine) -> None:
    moment = datetime(2025, 10, 19, 8, 5, 7, 250000, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(insert(_PLAIN).values(id=1, at=moment))
        connection.execute(insert(_MOMENTS).values(id=2, at=moment.astimezone(KARACHI)))
    with engine.connect() as connection:
        as_text = dict(connection.execute(text("SELECT id, CAST(at AS TEXT) FROM moments")).all())
    assert as_text[1] == as_text[2]
    if engine.dialect.name == "sqlite":
        assert as_text[2] == "2025-10-19 08:05:07.250000"
