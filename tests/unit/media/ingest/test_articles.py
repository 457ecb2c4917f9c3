"""Reading articles from text and HTML files and folders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.unit.media.ingest.conftest import ASSETS
from truce.errors import InputError, NotFoundError
from truce.media.ingest.articles import (
    content_hash,
    detect_language,
    from_text,
    read_file,
    read_paths,
)


def test_text_with_header_lines() -> None:
    article = read_file(ASSETS / "wire-2025-10-12-border-posts.txt")
    assert article.title is not None
    assert article.title.startswith("Pakistan and Afghan Taliban")
    assert article.outlet == "Frontier Wire"
    assert article.published == dt.date(2025, 10, 12)
    assert article.url == "https://frontierwire.example/2025/10/12/border-posts"
    assert article.language == "en"
    assert article.text.startswith("ISLAMABAD, Oct 12")
    assert len(article.key) == 64


def test_seed_without_header() -> None:
    article = read_file(ASSETS / "seed-000-istanbul-talks-third-day.txt")
    assert (article.title, article.outlet, article.published) == (None, None, None)
    assert article.text.startswith("Peace talks between Pakistan and Afghanistan")


def test_html_main_text_and_meta() -> None:
    article = read_file(ASSETS / "pk-daily-2025-10-16-chaman.html")
    assert article.title == "Fresh fighting erupts at Chaman before 48-hour truce"
    assert article.outlet == "The Islamabad Ledger"
    assert article.published == dt.date(2025, 10, 16)
    assert article.url == "https://islamabadledger.example/news/chaman-fighting-truce"
    assert article.language == "en"
    assert "Friendship Gate" in article.text
    assert "All rights reserved" not in article.text
    assert "Torkham shut for third day" not in article.text


def test_content_hash_ignores_whitespace() -> None:
    assert content_hash("a  b\n\nc ") == content_hash("a b c")
    assert from_text("Title: x\n\nSome  text").key == from_text("Some text").key


def test_language_by_script() -> None:
    assert detect_language("The talks resumed in Istanbul.") == "en"
    assert detect_language("د پاکستان او افغانستان ترمنځ خبرې اترې پیل شوې ټولې") == "ps"
    assert detect_language("پاکستان اور افغانستان کے درمیان مذاکرات ہوئے ہیں اور ٹھیک") == "ur"
    turkish = "D\u0131şişleri Bakan\u0131 görüşmelerin sürdüğünü söyledi, ağ\u0131r şartlar."
    assert detect_language(turkish) == "tr"
    assert detect_language("123 456") is None


def test_folder_reads_every_article_in_order() -> None:
    articles = list(read_paths([ASSETS]))
    assert len(articles) == len([p for p in ASSETS.iterdir() if p.suffix in {".txt", ".html"}])
    assert [a.source for a in articles] == sorted(a.source or "" for a in articles)


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read_file(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="empty"):
        read_file(empty)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        read_file(latin)
    nothing = tmp_path / "nothing.html"
    nothing.write_text("<html><body><script>var x = 1;</script></body></html>")
    with pytest.raises(InputError, match="no article text"):
        read_file(nothing)
