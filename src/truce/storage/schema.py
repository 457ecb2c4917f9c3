"""Creating and upgrading the database schema with Alembic.

The migrations live in ``truce/storage/migrations``; there is no ``alembic.ini`` to
carry around: :func:`alembic_config` builds the configuration in code.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


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
