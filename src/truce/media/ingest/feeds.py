"""RSS and Atom feeds: fetch a feed, then the page of each entry, as Articles.

Every request goes through :class:`PoliteFetcher`: a timeout on connecting and
reading, a maximum response size enforced while streaming (a larger body is refused,
not truncated), and a minimum interval between two requests to the same host. A page
that cannot be fetched or holds no article text falls back to the entry's own summary
in the feed; an entry with neither is skipped and reported in :attr:`FeedResult.skipped`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser
import httpx

from truce.errors import FetchError, PayloadTooLargeError, TruceError
from truce.media.ingest.articles import (
    Article,
    detect_language,
    from_html,
    from_text,
    looks_like_html,
)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0
DEFAULT_INTERVAL = 1.0
USER_AGENT = "truce-media-monitor/0.1 (+https://truce.example)"


@dataclass
class PoliteFetcher:
    """GETs with a timeout, a size limit and a minimum interval per host."""

    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    interval: float = DEFAULT_INTERVAL
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: dict[str, float] = field(default_factory=dict)
    _client: httpx.Client | None = None

    def __enter__(self) -> PoliteFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    @property
    def client(self) -> httpx.Client:
        """The HTTP client (created on first use)."""
        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=True,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    def _wait_for(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            remaining = self.interval - (self.clock() - last)
            if remaining > 0:
                self.sleep(remaining)
        self._last[host] = self.clock()

    def get(self, url: str) -> tuple[bytes, str]:
        """The body and content type of ``url``; raises :class:`FetchError` or 413."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise FetchError(f"{url}: not an http(s) URL")
        self._wait_for(parts.netloc.lower())
        try:
            with self.client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {response.status_code}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise PayloadTooLargeError(
                        f"{url}: {declared} bytes is more than the limit of {self.max_bytes}"
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > self.max_bytes:
                        raise PayloadTooLargeError(
                            f"{url}: more than the limit of {self.max_bytes} bytes"
                        )
                return bytes(body), response.headers.get("content-type", "")
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc


@dataclass
class FeedResult:
    """The articles of a feed and the entries that gave none (with the reason)."""

    title: str | None
    articles: list[Article]
    skipped: list[tuple[str, str]]


def _entry_date(entry: feedparser.FeedParserDict) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    return None


def _decode(body: bytes, content_type: str) -> str:
    charset = "utf-8"
    if "charset=" in content_type:
        charset = content_type.split("charset=")[-1].split(";")[0].strip() or "utf-8"
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def read_feed(
    url: str,
    *,
    fetcher: PoliteFetcher | None = None,
    fetch_pages: bool = True,
    limit: int | None = None,
) -> FeedResult:
    """The articles of an RSS or Atom feed (fetching each entry's page when asked)."""
    own = fetcher is None
    fetcher = fetcher or PoliteFetcher()
    try:
        body, _ = fetcher.get(url)
        parsed = feedparser.parse(body)
        if parsed.bozo and not parsed.entries:
            raise FetchError(f"{url}: not an RSS or Atom feed ({parsed.bozo_exception})")
        feed_title = parsed.feed.get("title")
        articles: list[Article] = []
        skipped: list[tuple[str, str]] = []
        for entry in parsed.entries[:limit]:
            link = urljoin(url, entry.get("link", "")) if entry.get("link") else None
            article = _entry_article(entry, link, feed_title, fetcher, fetch_pages, skipped)
            if article is not None:
                articles.append(article)
        return FeedResult(feed_title, articles, skipped)
    finally:
        if own:
            fetcher.close()


def _entry_article(
    entry: feedparser.FeedParserDict,
    link: str | None,
    feed_title: str | None,
    fetcher: PoliteFetcher,
    fetch_pages: bool,
    skipped: list[tuple[str, str]],
) -> Article | None:
    title = entry.get("title")
    published = _entry_date(entry)
    name = link or title or "entry"
    if fetch_pages and link:
        try:
            page, content_type = fetcher.get(link)
            text = _decode(page, content_type)
            if "html" in content_type or looks_like_html(text):
                article = from_html(text, url=link, source=link)
            else:
                article = from_text(text, source=link)
            return Article(
                text=article.text,
                title=article.title or title,
                outlet=article.outlet or feed_title,
                url=article.url or link,
                published=article.published or published,
                language=article.language,
                source=link,
            )
        except TruceError as exc:
            reason = exc.message
        else:  # pragma: no cover - the try returns
            reason = ""
    else:
        reason = "no link" if not link else "pages not fetched"
    summary = entry.get("summary") or ""
    if summary:
        text = (
            from_html(f"<html><body><p>{summary}</p></body></html>").text
            if "<" in summary
            else summary
        )
        return Article(
            text=text,
            title=title,
            outlet=feed_title,
            url=link,
            published=published,
            language=detect_language(text),
            source=link or feed_title,
        )
    skipped.append((name, reason or "no text"))
    return None
