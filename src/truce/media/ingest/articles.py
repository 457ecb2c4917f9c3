"""Reading news articles from plain-text and HTML files.

A plain-text file may begin with header lines (``Title:``, ``Outlet:``, ``Published:``,
``URL:``, ``Language:``) and a blank line; the seed reports have none, and their
metadata stays unknown. From HTML the main text is taken with ``trafilatura`` (no
network), and the metadata from the usual meta tags (``og:title``, ``og:site_name``,
``article:published_time``, ``og:url``, ``<link rel=canonical>``, ``<html lang>``).

An :class:`Article` is keyed by the SHA-256 of its normalised text (Unicode NFC,
whitespace collapsed), so the same story read twice, from a file or a feed, has the same
key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from truce.acts.text import content_hash, normalise_text
from truce.errors import InputError, NotFoundError

SUFFIXES_TEXT = {".txt", ".text"}
SUFFIXES_HTML = {".html", ".htm", ".xhtml"}
MAX_FILE_BYTES = 5 * 1024 * 1024
_HEADER = re.compile(r"^(Title|Outlet|Published|Date|URL|Url|Language|Lang)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Article:
    """One news article: its text and what is known about it."""

    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: dt.date | None = None
    language: str | None = None
    source: str | None = None

    @property
    def key(self) -> str:
        """SHA-256 (hex) of the normalised text."""
        return content_hash(self.text)


_SCRIPTS = (
    ("ps", re.compile(r"[ټډړږښګڼۍې]")),
    ("ur", re.compile(r"[ٹڈڑںےھ]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("tr", re.compile(r"[ğışĞİŞ]")),
)


def detect_language(text: str) -> str | None:
    """A simple guess from the script: Pashto, Urdu, Arabic script, Cyrillic, Turkish, English.

    Arabic script without Pashto or Urdu letters is reported as ``ar`` (it may be Dari).
    Latin text is ``en`` unless Turkish letters make up a noticeable share of it.
    """
    sample = text[:4000]
    letters = sum(ch.isalpha() for ch in sample)
    if letters == 0:
        return None
    arabic = len(re.findall(r"[\u0600-\u06ff]", sample))
    if arabic > letters / 2:
        for code, pattern in _SCRIPTS[:2]:
            if len(pattern.findall(sample)) >= 3:
                return code
        return "ar"
    if len(re.findall(r"[\u0400-\u04ff]", sample)) > letters / 2:
        return "ru"
    if len(re.findall(r"[ğışĞİŞ]", sample)) > letters / 200:
        return "tr"
    return "en"


def parse_date(value: str | None) -> dt.date | None:
    """The date of an ISO date or timestamp (``2025-10-16T07:30:00+05:00``), else ``None``."""
    if not value:
        return None
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def from_text(text: str, *, source: str | None = None) -> Article:
    """An article from plain text, reading header lines if it starts with them."""
    lines = text.replace("\r\n", "\n").split("\n")
    meta: dict[str, str] = {}
    body_start = 0
    for i, line in enumerate(lines):
        match = _HEADER.match(line.strip())
        if match and i == len(meta):
            meta[match.group(1).lower()] = match.group(2).strip()
            continue
        if meta and not line.strip():
            body_start = i + 1
        break
    body = "\n".join(lines[body_start:]).strip() if meta else text.strip()
    return Article(
        text=body,
        title=meta.get("title") or None,
        outlet=meta.get("outlet") or None,
        url=meta.get("url") or None,
        published=parse_date(meta.get("published") or meta.get("date")),
        language=meta.get("language") or meta.get("lang") or detect_language(body),
        source=source,
    )


def _meta(html: str, *names: str) -> str | None:
    for name in names:
        for pattern in (
            rf"<meta[^>]+(?:property|name|itemprop)\s*=\s*[\"']{re.escape(name)}[\"'][^>]*"
            rf"content\s*=\s*[\"']([^\"']*)[\"']",
            rf"<meta[^>]+content\s*=\s*[\"']([^\"']*)[\"'][^>]*"
            rf"(?:property|name|itemprop)\s*=\s*[\"']{re.escape(name)}[\"']",
        ):
            match = re.search(pattern, html, re.I)
            if match and match.group(1).strip():
                return unescape(match.group(1).strip())
    return None


def from_html(html: str, *, url: str | None = None, source: str | None = None) -> Article:
    """An article from an HTML page: main text by trafilatura, metadata from meta tags."""
    import trafilatura

    text = trafilatura.extract(
        html,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        deduplicate=False,
    )
    if not text or not text.strip():
        raise InputError(f"{source or url or 'HTML'}: no article text found")
    title = _meta(html, "og:title", "title", "twitter:title")
    if title is None:
        match = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
        title = unescape(match.group(1)).strip() if match else None
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.I | re.S)
    if h1 is not None:
        heading = unescape(re.sub(r"<[^>]+>", "", h1.group(1))).strip()
        if heading and (title is None or heading in title):
            title = heading
    lines = text.strip().split("\n")
    if title and len(lines) > 1 and normalise_text(lines[0]) == normalise_text(title):
        text = "\n".join(lines[1:])  # the headline, already kept as the title
    lang = re.search(r"<html[^>]*\blang\s*=\s*[\"']([A-Za-z-]+)[\"']", html, re.I)
    canonical = re.search(
        r"<link[^>]+rel\s*=\s*[\"']canonical[\"'][^>]*href\s*=\s*[\"']([^\"']+)[\"']", html, re.I
    )
    published = _meta(html, "article:published_time", "datePublished", "date", "pubdate", "dc.date")
    if published is None:
        time_tag = re.search(r"<time[^>]+datetime\s*=\s*[\"']([^\"']+)[\"']", html, re.I)
        published = time_tag.group(1) if time_tag else None
    return Article(
        text=text.strip(),
        title=title or None,
        outlet=_meta(html, "og:site_name", "application-name", "publisher"),
        url=_meta(html, "og:url") or (canonical.group(1) if canonical else None) or url,
        published=parse_date(published),
        language=(lang.group(1).split("-")[0].lower() if lang else detect_language(text)),
        source=source,
    )


def looks_like_html(text: str) -> bool:
    """True when the text starts like an HTML document."""
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def read_file(path: Path) -> Article:
    """An article from a ``.txt`` or ``.html`` file (other suffixes: sniffed)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise NotFoundError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path}: is a folder, not an article") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: is not UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        raise InputError(f"{path}: is empty")
    suffix = path.suffix.lower()
    if suffix in SUFFIXES_HTML or (suffix not in SUFFIXES_TEXT and looks_like_html(text)):
        return from_html(text, source=str(path))
    return from_text(text, source=str(path))


def article_files(folder: Path) -> list[Path]:
    """The article files of a folder (``.txt``, ``.html`` ...), sorted, not recursing."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUFFIXES_TEXT | SUFFIXES_HTML
        and not p.name.startswith(".")
    )


def read_paths(paths: list[Path]) -> Iterator[Article]:
    """Articles from files and folders, in the order given (a folder's files sorted)."""
    for path in paths:
        if path.is_dir():
            for file in article_files(path):
                yield read_file(file)
        else:
            yield read_file(path)
