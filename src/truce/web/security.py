"""Security headers on every response of the web application.

The Content-Security-Policy allows scripts, styles, connections and forms from this
origin only: no inline script, no ``eval``, no framing (``frame-ancestors 'none'``), no
``<base>``. Pages hand data to scripts in ``<script type="application/json">`` blocks,
which the browser never executes. Images may also be ``data:`` and ``blob:`` URLs
(previews of evidence before upload, map markers).

The interactive API documentation (``/docs``, ``/redoc``) loads its own inline scripts,
so it is left without the policy; it shows no data of its own.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
)
#: Paths whose pages are not the application's (the interactive API documentation).
EXEMPT = ("/docs", "/redoc")


def secure(headers: list[tuple[bytes, bytes]]) -> None:
    """Add to a response's raw headers each of :data:`HEADERS` it lacks, and
    ``Cache-Control: no-store`` to an HTML page that sets no caching of its own."""
    present = {name.lower() for name, _ in headers}
    headers.extend(item for item in HEADERS if item[0] not in present)
    content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html") and b"cache-control" not in present:
        headers.append((b"cache-control", b"no-store"))


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS`; HTML pages also get ``no-store``.

    Pages show what one delegate may see, so they must not be kept by shared caches or
    shown again from the back-forward cache after sign-out.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(EXEMPT):
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                secure(headers)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)
