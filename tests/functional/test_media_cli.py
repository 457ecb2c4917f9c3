"""``truce ingest`` and ``truce media`` against a real ``truce serve``, on each backend."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.functional.support import Server
from tests.functional.test_client_cli import as_delegate, ok
from tests.mechanism import SCENARIO_DIR, Mechanism, assert_rebuild_reproduces
from truce.media.service import Filters, MediaReader

ARTICLES = Path(__file__).resolve().parents[1] / "assets" / "articles"
SPIN_BOLDAK = (
    "wire-2025-11-06-spin-boldak-firing.txt",
    "afghan-outlet-2025-11-08-mujahid-presser.html",
)


class _Feed(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[str, bytes]]] = {}

    def do_GET(self) -> None:
        found = self.routes.get(self.path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", found[0])
        self.send_header("Content-Length", str(len(found[1])))
        self.end_headers()
        self.wfile.write(found[1])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed() -> Iterator[str]:
    """An RSS feed of two entries on loopback: one page, one summary only."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    rss = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback Ledger</title><link>{base}/</link>
<item><title>Fresh fighting at Chaman</title><link>{base}/chaman.html</link>
<pubDate>Thu, 16 Oct 2025 07:30:00 +0500</pubDate></item>
<item><title>Gone</title><link>{base}/missing.html</link>
<description>Torkham stayed shut on Monday, traders said.</description>
<pubDate>Mon, 13 Oct 2025 09:00:00 +0500</pubDate></item>
</channel></rss>"""
    _Feed.routes = {
        "/feed.xml": ("application/rss+xml", rss.encode()),
        "/chaman.html": (
            "text/html; charset=utf-8",
            (ARTICLES / "pk-daily-2025-10-16-chaman.html").read_bytes(),
        ),
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_ingest_cluster_draft_and_corroborate(
    server: Server, mechanism: Mechanism, tmp_path: Path, feed: str
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in SPIN_BOLDAK:
        shutil.copy(ARTICLES / name, folder / name)
    scenario = ("--scenario", SCENARIO_DIR)

    stored = ok(as_delegate(server, mechanism, "sec-clerk", "ingest", folder, *scenario))
    assert "2 stored, 0 already stored, 0 skipped" in stored
    assert "Frontier Wire" in stored
    assert "armed_clash 2025-11-06 at Chaman" in stored
    assert "killed civilians 5; injured civilians 6; according to district hospital" in stored
    again = ok(as_delegate(server, mechanism, "pk-officer", "ingest", folder / SPIN_BOLDAK[0],
                           *scenario))  # fmt: skip
    assert "(already stored)" in again
    assert "0 stored, 1 already stored" in again
    fed = ok(as_delegate(server, mechanism, "af-officer", "ingest", "--feed", f"{feed}/feed.xml",
                         "--interval", "0", *scenario))  # fmt: skip
    assert "2 stored, 0 already stored, 0 skipped" in fed
    assert "Loopback Ledger" in fed

    listed = ok(as_delegate(server, mechanism, "tr-officer", "media", "clusters",
                            "--since", "2025-11-05"))  # fmt: skip
    assert "1 clusters" in listed
    assert "Frontier Wire" in listed
    assert "killed civilians: 5" in listed
    with mechanism.db.read() as connection:
        reader = MediaReader(connection, mechanism.scenario, "TR")
        (cluster,) = reader.clusters(Filters(since=dt.date(2025, 11, 5)))["clusters"]
    cluster_id = str(cluster["id"])
    answered = json.loads(ok(as_delegate(server, mechanism, "tr-officer", "media", "clusters",
                                         "--since", "2025-11-05", "--json")))  # fmt: skip
    assert [found["id"] for found in answered["clusters"]] == [cluster["id"]]
    drafted = json.loads(ok(as_delegate(server, mechanism, "af-officer", "media", "draft",
                                        cluster_id)))  # fmt: skip
    assert drafted["body"]["incident"]["occurred_at"] == "2025-11-06T00:00:00Z"
    assert drafted["cluster"] == cluster["id"]

    lodged = ok(as_delegate(
        server, mechanism, "af-officer", "lodge", "--accused", "PK", "--type", "shelling",
        "--at", "2025-11-06T10:30:00Z", "--place", "spin-boldak", "--clause", "C4",
        "--narrative", "Shells struck homes in Spin Boldak.",
    ))  # fmt: skip
    case = lodged.strip().splitlines()[-1].split()[1]
    refused = as_delegate(server, mechanism, "pk-officer", "media", "corroborate", cluster_id,
                          "--case", case)  # fmt: skip
    assert refused.returncode == 4
    assert refused.stderr.startswith("error: refused (422): only a mediator")
    assert len(refused.stderr.strip().splitlines()) == 1
    unknown = as_delegate(server, mechanism, "tr-officer", "media", "corroborate", "999999",
                          "--case", case)  # fmt: skip
    assert unknown.returncode != 0
    assert "no media cluster 999999" in unknown.stderr
    attached = ok(as_delegate(server, mechanism, "tr-officer", "media", "corroborate", cluster_id,
                              "--case", case, "--note", "Two outlets, two hospitals."))  # fmt: skip
    assert f"cluster {cluster_id} (2 reports) corroborates case {case}" in attached
    twice = as_delegate(server, mechanism, "qa-root", "media", "corroborate", cluster_id,
                        "--case", case)  # fmt: skip
    assert twice.returncode == 4
    assert "already attached" in twice.stderr

    live = assert_rebuild_reproduces(mechanism.db)
    assert len(live["media_items"]) == 4
    assert len(live["media_corroborations"]) == 1


def test_ingest_refuses_bad_input(server: Server, mechanism: Mechanism, tmp_path: Path) -> None:
    missing = as_delegate(server, mechanism, "sec-clerk", "ingest", tmp_path / "nothing.txt",
                          "--scenario", SCENARIO_DIR)  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith("nothing.txt: no such file or folder")
    both = as_delegate(server, mechanism, "sec-clerk", "ingest", ARTICLES, "--feed",
                       "http://127.0.0.1:9/feed.xml", "--scenario", SCENARIO_DIR)  # fmt: skip
    assert "give article paths or --feed, not both" in both.stderr
    observer = as_delegate(server, mechanism, "pk-observer", "ingest",
                           ARTICLES / SPIN_BOLDAK[0], "--scenario", SCENARIO_DIR)  # fmt: skip
    assert observer.returncode == 4
    assert "may not sign media.item" in observer.stderr
