"""Throwaway PostgreSQL databases for tests.

``make test`` (``scripts/with-postgres``) starts a throwaway cluster and exports
``TRUCE_TEST_POSTGRES_URL``, the URL of its admin database (and
``TRUCE_TEST_REQUIRE_POSTGRES=1``, which turns a missing server into a failure instead of
a skip). A test that needs a database of its own creates it with
:func:`truce.storage.scratch.postgres_database`, which drops it afterwards whatever the
test's fate.
"""

from __future__ import annotations

import os

import pytest

from truce.storage.scratch import postgres_database

__all__ = ["postgres_admin_url", "postgres_database"]


def postgres_admin_url() -> str | None:
    """The admin URL of the test cluster, or None when there is none (a failure instead
    when ``TRUCE_TEST_REQUIRE_POSTGRES`` is set)."""
    url = os.environ.get("TRUCE_TEST_POSTGRES_URL")
    if not url and os.environ.get("TRUCE_TEST_REQUIRE_POSTGRES"):
        pytest.fail("TRUCE_TEST_REQUIRE_POSTGRES is set but TRUCE_TEST_POSTGRES_URL is not")
    return url
