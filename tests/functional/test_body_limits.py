"""No route reads an oversized body, and no API route reads a stranger's body at all.

Every operation of the OpenAPI document is sent a body larger than its limit, declared
(``Content-Length``) and streamed (chunked, no length), with and without a token. The
body is an async generator, so the test counts what the application actually pulled
from the connection: nothing when the length was declared or the token is missing,
never more than the limit and one chunk when it streams. A new route is covered the
day it appears in the document.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import Clock
from tests.mechanism import Mechanism
from truce.app import TruceApp, body_limits, create_app
from truce.config import Settings

REQUEST_LIMIT = 96 * 1024
FILE_LIMIT = 160 * 1024
CHUNK = 16 * 1024
#: What each oversized body would be if it were read to the end.
OVERSIZED = 4 * 1024 * 1024


def operations() -> list[tuple[str, str, bool]]:
    """Every (method, path template, takes a body) of the OpenAPI document."""
    app = _bare_app()
    found: list[tuple[str, str, bool]] = []
    for path, operations_of_path in app.openapi()["paths"].items():
        for method, operation in operations_of_path.items():
            found.append((method.upper(), path, "requestBody" in operation))
    return sorted(found)


def _bare_app() -> TruceApp:
    """The app's routes, for the document only (no database is opened)."""
    from fastapi import FastAPI

    from truce.api import problems
    from truce.app import api_routers

    app = FastAPI()
    problems.install(app)
    for router in api_routers():
        app.include_router(router)
    return app  # type: ignore[return-value]


OPERATIONS = operations()


def concrete(path: str) -> str:
    """The path template with a value in each parameter (routing matches any segment)."""
    values = {"member": "PK", "delegate": "officer", "token_id": "0" * 16, "slug": "not-found"}
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), "1"), path)


@dataclass
class Sent:
    """What the application pulled of a body, by chunk."""

    pulled: int = 0

    async def body(self) -> AsyncIterator[bytes]:
        for _ in range(OVERSIZED // CHUNK):
            self.pulled += CHUNK
            yield b"x" * CHUNK


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the limits are the application's, whatever its database."""
    return sqlite_url


@pytest.fixture
def app(mechanism: Mechanism, clock: Clock) -> Iterator[TruceApp]:
    built = create_app(
        Settings(
            database_url=mechanism.url,
            log_key_file=mechanism.log_key_file,
            max_request_bytes=REQUEST_LIMIT,
            max_file_bytes=FILE_LIMIT,
        ),
        clock=clock,
    )
    yield built
    built.state.services.db.dispose()


def send(
    app: TruceApp, method: str, path: str, headers: dict[str, str], sent: Sent
) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://truce.test") as client:
            request = client.build_request(method, path, content=sent.body(), headers=headers)
            return await client.send(request)

    return asyncio.run(run())


def limit_of(app: TruceApp, method: str, path: str) -> int:
    return body_limits(app.state.services.settings).of(method, path)


def assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{slug}"


def test_the_operations_tried_are_every_operation_of_the_app(app: TruceApp) -> None:
    """The routes listed without a database are all the served app's routes."""
    served = {
        (method.upper(), path, "requestBody" in operation)
        for path, operations_of_path in app.openapi()["paths"].items()
        for method, operation in operations_of_path.items()
    }
    assert served == set(OPERATIONS)


@pytest.mark.parametrize(("method", "template", "takes_body"), OPERATIONS)
def test_a_declared_oversized_body_is_refused_unread(
    app: TruceApp, mechanism: Mechanism, method: str, template: str, takes_body: bool
) -> None:
    path = concrete(template)
    declared = str(limit_of(app, method, path) + 1)
    secretariat = {"Authorization": f"Bearer {mechanism.token('sec-root')}"}
    for token in ({}, secretariat):
        sent = Sent()
        response = send(app, method, path, {"Content-Length": declared, **token}, sent)
        assert_problem(response, 413, "payload-too-large")
        assert response.headers["connection"] == "close"
        assert sent.pulled == 0


@pytest.mark.parametrize(("method", "template", "takes_body"), OPERATIONS)
def test_a_streamed_oversized_body_is_cut_at_the_limit(
    app: TruceApp, mechanism: Mechanism, method: str, template: str, takes_body: bool
) -> None:
    path = concrete(template)
    limit = limit_of(app, method, path)

    stranger = Sent()
    response = send(app, method, path, {"Content-Type": "application/json"}, stranger)
    assert response.status_code < 500, response.text
    assert stranger.pulled <= limit + CHUNK
    if path.startswith("/api/"):  # the bearer-token API: no token, nothing read
        assert_problem(response, 401, "unauthenticated")
        assert stranger.pulled == 0
    elif takes_body:
        assert response.status_code in (401, 413), response.text

    secretariat = Sent()
    headers = {
        "Authorization": f"Bearer {mechanism.token('sec-root')}",
        "Content-Type": "application/json",
    }
    response = send(app, method, path, headers, secretariat)
    assert response.status_code < 500, response.text
    assert secretariat.pulled <= limit + CHUNK
    if takes_body:
        assert_problem(response, 413, "payload-too-large")


def test_a_bad_token_is_refused_before_an_api_body_is_read(
    app: TruceApp, mechanism: Mechanism
) -> None:
    for method, path in (
        ("POST", "/api/v1/accounts"),
        ("PUT", "/api/v1/accounts/PK/officer/password"),
        ("POST", "/api/v1/accounts/PK/officer/tokens"),
        ("POST", "/api/v1/files"),
    ):
        sent = Sent()
        response = send(app, method, path, {"Authorization": "Bearer not-a-token"}, sent)
        assert_problem(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == 'Bearer realm="truce"'
        assert sent.pulled == 0


def test_routes_with_their_own_limit_keep_it_while_streaming(
    app: TruceApp, mechanism: Mechanism
) -> None:
    """An evidence file may be larger than a request (and a cosignature is smaller):
    within its own limit it is read whole, past it refused."""
    assert limit_of(app, "POST", "/api/v1/files") == FILE_LIMIT > REQUEST_LIMIT
    assert limit_of(app, "POST", "/web/acts/prepare") == REQUEST_LIMIT + FILE_LIMIT
    assert limit_of(app, "POST", "/log/v1/cosignatures") < REQUEST_LIMIT
    headers = {"Authorization": f"Bearer {mechanism.token('pk-officer')}"}

    async def sized(size: int) -> AsyncIterator[bytes]:
        yield b"Evidence, in words. " * (size // 20)

    async def run(size: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://truce.test") as client:
            request = client.build_request(
                "POST",
                "/api/v1/files",
                content=sized(size),
                headers={**headers, "Content-Type": "text/plain"},
            )
            return await client.send(request)

    size = (REQUEST_LIMIT + FILE_LIMIT) // 2
    larger_than_a_request = asyncio.run(run(size))
    assert larger_than_a_request.status_code == 201, larger_than_a_request.text
    assert larger_than_a_request.json()["size"] == size // 20 * 20 > REQUEST_LIMIT
    assert_problem(asyncio.run(run(FILE_LIMIT + 40)), 413, "payload-too-large")
