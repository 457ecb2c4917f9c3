"""Creating and upgrading the database schema with Alembic.

The migrations live in ``truce/storage/migrations``; there is no ``alembic.ini`` to
carry around: :func:`alembic_config` builds the configuration in code.

Besides the models' tables, migration 0009 builds a text index of ``cases.search_text``
that the models cannot describe, one per backend (:data:`SEARCH_INDEXES`): on SQLite an
FTS5 table with the trigram tokenizer over the column as external content, kept in step
by triggers on ``cases``; on PostgreSQL a GIN index of the column's trigrams (the
``pg_trgm`` extension). Both answer "which texts contain this substring", the meaning
search has always had. :func:`in_models` tells schema comparisons to leave them out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
#: The text index of ``cases.search_text``: the FTS5 table (SQLite; its shadow tables
#: share the prefix) and the trigram index (PostgreSQL).
SEARCH_TABLE = "cases_search"
SEARCH_INDEXES = frozenset({SEARCH_TABLE, "ix_cases_search_text_trgm"})
#: Indexes of expressions the models do not describe (PostgreSQL, migration 0009).
EXPRESSION_INDEXES = frozenset({"ix_cases_audience_text"})


def in_models(name: str | None, kind: str, parents: Any = None) -> bool:
    """Whether a database object belongs to the models (an Alembic ``include_name`` hook):
    everything but the text index of :data:`SEARCH_INDEXES` and its shadow tables, and
    :data:`EXPRESSION_INDEXES`."""
    del kind, parents
    if name is None:
        return True
    return not (
        name in SEARCH_INDEXES or name in EXPRESSION_INDEXES or name.startswith(SEARCH_TABLE)
    )


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at truce's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates it in an empty database)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database, or None when it has none."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
