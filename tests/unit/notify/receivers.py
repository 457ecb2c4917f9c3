"""Real receivers on loopback for the notification tests: an HTTP server that records
every webhook it is sent, and an SMTP server (aiosmtpd) that records every message."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


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


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # a full listen backlog costs a connection a 1 s SYN retry


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

    server = _Server(("127.0.0.1", 0), Handler)
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


def self_signed(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for 127.0.0.1: the server's TLS context, and a client's that trusts
    it (and nothing else)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


@contextmanager
def smtp_server(tls: ssl.SSLContext | None = None) -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1 recording every message; with ``tls``, it requires
    STARTTLS before anything is sent."""
    mailbox = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            mailbox.handle(envelope)
            return "250 OK"

    with socket.socket() as probe:  # a free port (aiosmtpd checks its own port on start)
        probe.bind(("127.0.0.1", 0))
        mailbox.port = probe.getsockname()[1]
    extra: dict[str, Any] = (
        {"tls_context": tls, "require_starttls": True} if tls is not None else {}
    )
    controller = Controller(Handler(), hostname="127.0.0.1", port=mailbox.port, **extra)
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
