"""Throwaway PostgreSQL databases for tests.

``make test`` (``scripts/with-postgres``) starts a throwaway cluster and exports
``TRUCE_TEST_POSTGRES_URL``, the URL of its admin database (and
``TRUCE_TEST_REQUIRE_POSTGRES=1``, which turns a missing server into a failure instead of
a skip). A test that needs a database of its own creates it with
:func:`postgres_database`, which drops it afterwards whatever the test's fate.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgres_admin_url() -> str | None:
    """The admin URL of the test cluster, or None when there is none (a failure instead
    when ``TRUCE_TEST_REQUIRE_POSTGRES`` is set)."""
    url = os.environ.get("TRUCE_TEST_POSTGRES_URL")
    if not url and os.environ.get("TRUCE_TEST_REQUIRE_POSTGRES"):
        pytest.fail("TRUCE_TEST_REQUIRE_POSTGRES is set but TRUCE_TEST_POSTGRES_URL is not")
    return url


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """The URL of a new, empty database on ``admin_url``'s server, dropped on leaving
    (``WITH (FORCE)``: connections a test left open do not keep it alive)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
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
