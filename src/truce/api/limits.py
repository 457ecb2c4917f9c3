"""The size of a request body, and who may send one: a property of the application.

:class:`BodyLimit` wraps the whole application (:class:`truce.app.TruceApp`, ahead of
the shortcut for posted acts and of FastAPI's routing), so no route, present or
future, reads more than its limit, and none has to remember to check:

- a declared ``Content-Length`` above the limit is refused with 413 before a byte of
  the body is read;
- a body without a length (``Transfer-Encoding: chunked``) is counted as it streams,
  and refused with 413 the moment it passes the limit; whatever the route was doing
  with it, the answer is that 413 (a 401 for a stranger stays a 401);
- a body sent to the bearer-token API (``/api/``) is refused with 401 before it is
  read unless its token names a delegate; the identity found is handed on to the
  route (``request.state.identity``), so the token is looked up once.

Every route has :attr:`BodyLimits.default` (``TRUCE_MAX_REQUEST_BYTES``) unless
:attr:`BodyLimits.routes` gives it its own, larger or smaller (an evidence file, a
witness's cosignature); those are enforced the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from truce.api import problems
from truce.errors import PayloadTooLargeError, TruceError
from truce.web.security import secure

#: Paths where every request that carries a body needs a bearer token.
AUTHENTICATED_PREFIX = "/api/"

#: Finds the identity named by a request's headers, or raises :class:`TruceError`.
Authenticator = Callable[[Headers], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The largest body, in bytes, of a request by method and path."""

    default: int
    routes: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def of(self, method: str, path: str) -> int:
        """The limit of ``method path`` (the default unless the route has its own)."""
        return self.routes.get((method, path.rstrip("/") or "/"), self.default)


class _BodyTooLargeError(PayloadTooLargeError):
    """The body went past its limit while the application was reading it."""


class BodyLimit:
    """ASGI middleware enforcing :class:`BodyLimits`, and authentication of API bodies."""

    def __init__(
        self, app: ASGIApp, limits: BodyLimits, authenticate: Authenticator | None = None
    ) -> None:
        self.app = app
        self.limits = limits
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.limits.of(scope["method"], path)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await _refuse(
                PayloadTooLargeError(f"the request has {declared} bytes; the limit is {limit}"),
                scope,
                send,
            )
            return
        has_body = (declared is not None and declared.strip() not in ("", "0")) or (
            "transfer-encoding" in headers
        )
        if has_body and self.authenticate is not None and path.startswith(AUTHENTICATED_PREFIX):
            try:
                identity = await self.authenticate(headers)
            except TruceError as error:
                await _refuse(error, scope, send)
                return
            scope.setdefault("state", {})["identity"] = identity
        await _Guarded(self.app, limit)(scope, receive, send)


class _Guarded:
    """One request: its body counted as it is received, its answer replaced by a 413
    once the body has passed the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.exceeded = False
        self.started = False
        self.replaced = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.exceeded = True
                    raise _BodyTooLargeError(f"the request exceeds the limit of {self.limit} bytes")
            return message

        async def answered(message: Message) -> None:
            if self.replaced:
                return
            if message["type"] == "http.response.start":
                if self.exceeded and message["status"] not in (401, 413):
                    self.replaced = True
                    await _refuse(self._error(), scope, send)
                    return
                self.started = True
            await send(message)

        try:
            await self.app(scope, counted, answered)
        except Exception:
            if not self.exceeded:
                raise
            if not self.started and not self.replaced:
                await _refuse(self._error(), scope, send)

    def _error(self) -> PayloadTooLargeError:
        return PayloadTooLargeError(f"the request exceeds the limit of {self.limit} bytes")


async def _refuse(error: TruceError, scope: Scope, send: Send) -> None:
    """Answer ``error`` as problem+json with the security headers, and close the
    connection: the rest of the body is never read."""
    response = problems.from_error(error, scope["path"])
    response.headers["Connection"] = "close"
    secure(response.raw_headers)

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, nothing, send)
