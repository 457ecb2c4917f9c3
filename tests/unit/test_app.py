"""The application factory, and the shortcut that answers ``POST /log/v1/acts``.

:class:`truce.app.TruceApp` serves posted acts before FastAPI's middleware and routing.
Each request here goes once through the shortcut and once through the documented route
(``FastAPI.__call__`` of the same app), and the two answers must be the same.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from tests.conftest import Clock
from tests.mechanism import Mechanism
from truce.app import TruceApp, create_app
from truce.config import Settings
from truce.log.store import LogStore
from truce.web.security import HEADERS

LIMIT = 16 * 1024
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


def make_app(mechanism: Mechanism, clock: Clock, **settings: Any) -> TruceApp:
    return create_app(
        Settings(
            database_url=mechanism.url,
            log_key_file=mechanism.log_key_file,
            max_request_bytes=LIMIT,
            **settings,
        ),
        clock=clock,
    )


def through_framework(app: TruceApp) -> Asgi:
    """The same app without the shortcut: FastAPI's middleware, routing and handlers."""

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        await FastAPI.__call__(app, scope, receive, send)

    return call


async def post(asgi: Asgi, content: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=asgi, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://truce.test") as client:
        return await client.post("/log/v1/acts", content=content, headers=headers)


def both(app: TruceApp, content: bytes, headers: dict[str, str]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        return [
            await post(app, content, headers),
            await post(through_framework(app), content, headers),
        ]

    return asyncio.run(run())


def log_size(mechanism: Mechanism) -> int:
    with mechanism.db.read() as connection:
        return LogStore(connection).head().size


def assert_same_answer(shortcut: httpx.Response, routed: httpx.Response) -> None:
    assert shortcut.status_code == routed.status_code, (shortcut.text, routed.text)
    assert shortcut.headers["content-type"] == routed.headers["content-type"]
    assert shortcut.json() == routed.json()
    assert shortcut.headers.get("www-authenticate") == routed.headers.get("www-authenticate")
    assert shortcut.headers.get("allow") == routed.headers.get("allow")
    for name, value in HEADERS:
        assert shortcut.headers[name.decode()] == value.decode()
        assert routed.headers[name.decode()] == value.decode()


def test_refusals_are_the_same_with_and_without_the_shortcut(
    mechanism: Mechanism, clock: Clock
) -> None:
    app = make_app(mechanism, clock)
    officer = {"Authorization": f"Bearer {mechanism.token('pk-officer')}"}
    act = mechanism.act("pk-officer")
    signed = json.dumps(act.to_dict()).encode()
    forged = act.to_dict()
    forged["envelope"]["sig"] = "A" * 86
    cases: list[tuple[bytes, dict[str, str], int, str]] = [
        (signed, {}, 401, "unauthenticated"),
        (signed, {"Authorization": "Basic cGs6cGs="}, 401, "unauthenticated"),
        (signed, {"Authorization": "Bearer not-a-token"}, 401, "unauthenticated"),
        (b"{not json", {"Authorization": "Bearer not-a-token"}, 401, "unauthenticated"),
        (b"{not json", officer, 400, "invalid-input"),
        (b'{"envelope": {}, "body": 1, "envelope": {}}', officer, 400, "invalid-input"),
        (b"x" * (LIMIT + 1), officer, 413, "payload-too-large"),
        (json.dumps(forged).encode(), officer, 422, "bad-signature"),
        (signed, {"Authorization": f"Bearer {mechanism.token('af-officer')}"}, 403, "forbidden"),
    ]
    before = log_size(mechanism)
    for content, headers, status, slug in cases:
        shortcut, routed = both(app, content, headers)
        assert_same_answer(shortcut, routed)
        assert shortcut.status_code == status, shortcut.text
        assert shortcut.json()["type"] == f"/problems/{slug}", shortcut.text
        assert shortcut.json()["instance"] == "/log/v1/acts"
    assert log_size(mechanism) == before


def test_an_accepted_act_is_answered_alike_and_a_replay_refused_alike(
    mechanism: Mechanism, clock: Clock
) -> None:
    app = make_app(mechanism, clock)
    officer = {"Authorization": f"Bearer {mechanism.token('pk-officer')}"}
    first = json.dumps(mechanism.act("pk-officer").to_dict()).encode()
    second = json.dumps(
        mechanism.act(
            "pk-officer", body={"title": "Second", "text": "Still holds.", "language": "en"}
        ).to_dict()
    ).encode()
    before = log_size(mechanism)

    async def run() -> list[httpx.Response]:
        return [
            await post(app, first, officer),
            await post(through_framework(app), second, officer),
            await post(through_framework(app), first, officer),
            await post(app, second, officer),
        ]

    accepted_here, accepted_there, replay_there, replay_here = asyncio.run(run())
    assert (accepted_here.status_code, accepted_there.status_code) == (201, 201)
    assert accepted_here.headers["content-type"] == accepted_there.headers["content-type"]
    assert accepted_here.json().keys() == accepted_there.json().keys()
    assert accepted_here.json()["index"] == before
    assert accepted_there.json()["index"] == before + 1
    for name, value in HEADERS:
        assert accepted_here.headers[name.decode()] == value.decode()
    assert replay_here.status_code == replay_there.status_code == 409
    assert replay_here.json()["type"] == replay_there.json()["type"] == "/problems/replayed-act"
    assert log_size(mechanism) == before + 2


def test_a_mirror_refuses_posts_alike(mechanism: Mechanism, clock: Clock) -> None:
    app = make_app(mechanism, clock, read_only=True)
    act = mechanism.act("pk-officer")
    shortcut, routed = both(
        app,
        json.dumps(act.to_dict()).encode(),
        {"Authorization": f"Bearer {mechanism.token('pk-officer')}"},
    )
    assert_same_answer(shortcut, routed)
    assert shortcut.status_code == 405
    assert shortcut.headers["allow"] == ""


def test_other_methods_on_the_path_go_through_the_framework(
    mechanism: Mechanism, clock: Clock
) -> None:
    app = make_app(mechanism, clock)

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://truce.test") as client:
            return await client.get("/log/v1/acts")

    response = asyncio.run(run())
    assert response.status_code == 405
    assert response.json()["type"] == "/problems/method-not-allowed"
    assert "POST" in response.headers["allow"]


def test_a_client_that_goes_away_gets_nothing_and_nothing_is_written(
    mechanism: Mechanism, clock: Clock
) -> None:
    app = make_app(mechanism, clock)
    body = json.dumps(mechanism.act("pk-officer").to_dict()).encode()
    half = len(body) // 2
    incoming: list[Message] = [
        {"type": "http.request", "body": body[:half], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/log/v1/acts",
        "raw_path": b"/log/v1/acts",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", f"Bearer {mechanism.token('pk-officer')}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    before = log_size(mechanism)
    asyncio.run(app(scope, receive, send))
    assert sent == []
    assert log_size(mechanism) == before


def test_an_unexpected_fault_is_a_500_problem_that_records_nothing(
    mechanism: Mechanism, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(mechanism, clock)
    admission = app.state.services.admission

    def broken() -> Any:
        raise RuntimeError("the writer is gone")

    monkeypatch.setattr(admission, "group_commit", broken)
    before = log_size(mechanism)
    shortcut, routed = both(
        app,
        json.dumps(mechanism.act("pk-officer").to_dict()).encode(),
        {"Authorization": f"Bearer {mechanism.token('pk-officer')}"},
    )
    # Starlette answers an unexpected fault outside the middleware that adds the
    # security headers, so only the body is compared here.
    assert (shortcut.status_code, shortcut.json()) == (routed.status_code, routed.json())
    assert shortcut.status_code == 500
    assert shortcut.headers["content-type"] == "application/problem+json"
    assert "the writer is gone" not in shortcut.text
    assert log_size(mechanism) == before
