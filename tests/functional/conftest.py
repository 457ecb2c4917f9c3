"""Fixtures of the end-to-end tests: an in-process client and a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Server, serve, truce_env
from tests.mechanism import Mechanism
from truce.app import create_app
from truce.config import Settings


@pytest.fixture
def client(mechanism: Mechanism, clock: Clock) -> Iterator[TestClient]:
    """The app over the mechanism, in process, on the test's clock."""
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def server(mechanism: Mechanism, tmp_path: Path) -> Iterator[Server]:
    """``truce serve`` over the mechanism's database, stopped whatever happens."""
    running = serve(
        truce_env(database_url=mechanism.url, log_key_file=str(mechanism.log_key_file)),
        tmp_path,
    )
    try:
        yield running
    finally:
        running.stop()
