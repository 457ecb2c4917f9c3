"""Alembic migrations: an empty database upgraded to head has exactly the models' schema,
besides the text index of ``cases.search_text`` that the models cannot describe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from truce.storage import schema
from truce.storage.db import make_engine
from truce.storage.models import Base


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    yield built
    built.dispose()


def _head() -> str:
    head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
    assert head is not None
    return head


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": schema.in_models,
            },
        )
        return list(compare_metadata(context, Base.metadata))


def _columns(engine: Engine) -> dict[str, set[str]]:
    inspector = inspect(engine)
    return {
        table: {column["name"] for column in inspector.get_columns(table)}
        for table in inspector.get_table_names()
        if table != "alembic_version" and schema.in_models(table, "table")
    }


def test_an_empty_database_has_no_revision(engine: Engine) -> None:
    assert schema.current_revision(engine) is None
    assert _columns(engine) == {}


def test_upgrade_creates_exactly_the_models_schema(engine: Engine) -> None:
    schema.upgrade(engine)
    assert _differences(engine) == []
    assert _columns(engine) == {
        table.name: {column.name for column in table.columns}
        for table in Base.metadata.sorted_tables
    }
    assert schema.current_revision(engine) == _head()


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    schema.upgrade(engine)
    tables = _columns(engine)
    schema.upgrade(engine)
    assert schema.current_revision(engine) == _head()
    assert _columns(engine) == tables
    assert _differences(engine) == []
    with engine.connect() as connection:
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    assert [row[0] for row in versions] == [_head()]
