"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL when available).

``make test`` starts a throwaway PostgreSQL cluster (see :mod:`tests.databases`). Each
PostgreSQL test gets a database of its own, dropped afterwards. A test's mechanism (and
the replayed demo) is a copy of one built once per session (:mod:`tests.templates`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.databases import postgres_admin_url, postgres_database
from tests.mechanism import Mechanism
from tests.templates import Templates, templates_in
from truce.accounts import service as accounts_service

#: argon2id at a small cost for the in-process sign-ins of the tests. It differs from the
#: demo's parameters, so that a demo password is still rehashed at its first sign-in.
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1)

#: The application's own hasher (RFC 9106's first recommended parameters).
PRODUCTION_HASHER = accounts_service._hasher


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser modules first, then the other end-to-end modules, then the rest: the
    longest modules start first, so that no worker is left running one alone at the end
    (``make test`` hands whole modules to its worker processes)."""

    def group(item: pytest.Item) -> int:
        path = item.path.as_posix()
        return 0 if "/tests/functional/web/" in path else 1 if "/tests/functional/" in path else 2

    items.sort(key=group)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Passwords hashed at :data:`TEST_HASHER`'s cost in this process: a full-strength
    hash costs about a second of these machines' time per sign-in. ``truce serve``
    subprocesses, and tests that use :func:`production_password_hashing`, keep the
    production parameters."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts_service, "_hasher", lambda: TEST_HASHER)
        accounts_service._dummy_hash.cache_clear()
        yield
    accounts_service._dummy_hash.cache_clear()


@pytest.fixture
def production_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The application's own password hashing, for the tests of its parameters."""
    monkeypatch.setattr(accounts_service, "_hasher", PRODUCTION_HASHER)
    accounts_service._dummy_hash.cache_clear()
    yield
    accounts_service._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """The session's ready databases, built on first use and copied for each test."""
    admin_url = os.environ.get("TRUCE_TEST_POSTGRES_URL") or None
    with templates_in(tmp_path_factory.mktemp("templates"), admin_url) as built:
        yield built


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'truce.db'}"
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL server (run the suite with make test)")
    with postgres_database(admin_url) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file only (for tests that are about files, not the backend)."""
    return f"sqlite:///{tmp_path / 'truce.db'}"


@dataclass
class Clock:
    """A settable clock, so tests can date acts as they please."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A clock starting at the real current time."""
    return Clock()


@pytest.fixture
def mechanism(
    database_url: str, tmp_path: Path, clock: Clock, templates: Templates
) -> Iterator[Mechanism]:
    """The istanbul-2025 mechanism, initialised on each backend (a copy of the session's)."""
    built = templates.mechanism(database_url, tmp_path / "keys", clock)
    yield built
    built.db.dispose()
