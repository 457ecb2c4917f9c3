"""Feeds fetched from a real HTTP server on loopback (never the internet, never a mock)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from tests.unit.media.ingest.conftest import ASSETS
from truce.errors import PayloadTooLargeError
from truce.media.ingest.feeds import FetchError, PoliteFetcher, read_feed

PAGE = (ASSETS / "pk-daily-2025-10-16-chaman.html").read_bytes()


def _rss(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test Ledger</title><link>{base}/</link>
<item><title>Fresh fighting at Chaman</title><link>{base}/chaman.html</link>
<pubDate>Thu, 16 Oct 2025 07:30:00 +0500</pubDate></item>
<item><title>Gone</title><link>{base}/missing.html</link>
<description>Torkham stayed shut on &lt;b&gt;Monday&lt;/b&gt;.</description>
<pubDate>Mon, 13 Oct 2025 09:00:00 +0500</pubDate></item>
<item><title>Nothing</title><link>{base}/missing2.html</link></item>
</channel></rss>""".encode()


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[str, bytes]]] = {}

    def do_GET(self) -> None:
        found = self.routes.get(self.path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        content_type, body = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if self.path != "/chunked-big":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.routes = {
        "/feed.xml": ("application/rss+xml", _rss(base)),
        "/chaman.html": ("text/html; charset=utf-8", PAGE),
        "/big": ("text/plain", b"x" * 5000),
        "/chunked-big": ("text/plain", b"y" * 5000),
        "/not-a-feed": ("text/plain", b"hello"),
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_feed_entries_become_articles(server: str) -> None:
    with PoliteFetcher(interval=0.0) as fetcher:
        result = read_feed(f"{server}/feed.xml", fetcher=fetcher)
    assert result.title == "Test Ledger"
    first, second = result.articles
    assert first.title == "Fresh fighting erupts at Chaman before 48-hour truce"
    assert first.outlet == "The Islamabad Ledger"
    assert "Friendship Gate" in first.text
    assert second.text == "Torkham stayed shut on Monday."
    assert second.outlet == "Test Ledger"
    assert str(second.published) == "2025-10-13"
    assert [name for name, _ in result.skipped] == [f"{server}/missing2.html"]


def test_size_limit_is_enforced_while_streaming(server: str) -> None:
    with PoliteFetcher(max_bytes=1000, interval=0.0) as fetcher:
        with pytest.raises(PayloadTooLargeError):
            fetcher.get(f"{server}/big")
        with pytest.raises(PayloadTooLargeError):
            fetcher.get(f"{server}/chunked-big")
        assert fetcher.get(f"{server}/not-a-feed")[0] == b"hello"


def test_polite_interval_per_host(server: str) -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with PoliteFetcher(interval=2.0, clock=lambda: now[0], sleep=sleep) as fetcher:
        fetcher.get(f"{server}/not-a-feed")
        now[0] += 0.5
        fetcher.get(f"{server}/not-a-feed")
    assert waits == [pytest.approx(1.5)]


def test_errors(server: str) -> None:
    with PoliteFetcher(interval=0.0, timeout=2.0) as fetcher:
        with pytest.raises(FetchError, match="HTTP 404"):
            fetcher.get(f"{server}/nope")
        with pytest.raises(FetchError, match="not an RSS or Atom feed"):
            read_feed(f"{server}/not-a-feed", fetcher=fetcher)
        with pytest.raises(FetchError, match="not an http"):
            fetcher.get("file:///etc/hostname")
