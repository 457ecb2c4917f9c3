"""Throwaway PostgreSQL databases, created and dropped around a block.

The test suite and the benchmarks each work in a database of their own on the server
``scripts/with-postgres`` starts, so that no run reads what another left, and none
touches a database it did not make.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def postgres_database(admin_url: str, prefix: str = "t") -> Iterator[str]:
    """The URL of a new, empty database on ``admin_url``'s server, dropped on leaving.

    Dropped ``WITH (FORCE)``, so that connections left open do not keep it alive.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
