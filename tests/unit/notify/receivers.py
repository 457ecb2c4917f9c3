"""Real receivers on loopback for the notification tests: an HTTP server that records
every webhook it is sent, and an SMTP server (aiosmtpd) that records every message."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One request as the receiver saw it."""

    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """What the receiver has been sent, and how it answers (``answer``: status, headers)."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answer: Callable[[], tuple[int, dict[str, str]]] = lambda: (204, {})
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        with self.lock:
            return [item.headers["webhook-id"] for item in self.received]


@contextmanager
def webhook_receiver(path: str = "/hooks") -> Iterator[WebhookReceiver]:
    """An HTTP server on 127.0.0.1 in a thread, recording every POST."""
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if receiver.delay:
                time.sleep(receiver.delay)
            status, headers = receiver.answer()
            if 200 <= status < 300:
                with receiver.lock:
                    receiver.received.append(
                        Received({k.lower(): v for k, v in self.headers.items()}, body)
                    )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    """The messages an SMTP server on loopback received."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)

    def handle(self, envelope: Any) -> None:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1, plain SMTP, recording every message."""
    mailbox = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            mailbox.handle(envelope)
            return "250 OK"

    with socket.socket() as probe:  # a free port (aiosmtpd checks its own port on start)
        probe.bind(("127.0.0.1", 0))
        mailbox.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds``."""
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)
