"""Notifications end to end (issue 18): ``truce serve`` starts the delivery worker, and an
allegation reaches the accused member's head and officers by e-mail and its endpoint by
webhook within 5 seconds; a head registers and tests an endpoint from the CLI; the
record of who was told what is read through the API (the secretariat every member's,
a member its own) and ``truce notify log``; a failed delivery is sent again."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Delegations, serve, truce_env
from tests.functional.test_access_matrix import lodge
from tests.functional.test_cli import truce
from tests.mechanism import Mechanism
from tests.unit.notify.receivers import smtp_server, wait_for, webhook_receiver
from truce.app import create_app
from truce.config import Settings
from truce.ledger.keys import KeyFile, SigningKey


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "notify.key"
    KeyFile(member="SEC", delegate="notify", role="notify", key=SigningKey.generate()).save(path)
    return path


@pytest.fixture
def client(mechanism: Mechanism, clock: Clock, key_file: Path) -> TestClient:
    """The app with the notification key and loopback endpoints allowed; no worker runs
    (no SMTP host, and the test client's lifespan is not entered)."""
    settings = Settings(
        database_url=mechanism.url,
        log_key_file=mechanism.log_key_file,
        notify_key_file=key_file,
        notify_allow_private_addresses=True,
    )
    return TestClient(create_app(settings, clock=clock))


def test_serve_notifies_an_allegation_by_email_and_webhook_within_5_seconds(
    mechanism: Mechanism, key_file: Path, tmp_path: Path
) -> None:
    keys = mechanism.keys_dir
    with smtp_server() as mailbox, webhook_receiver() as receiver:
        env = truce_env(
            database_url=mechanism.url,
            log_key_file=str(mechanism.log_key_file),
            notify_key_file=str(key_file),
            notify_allow_private_addresses="1",
            notify_interval_seconds="0.2",
            smtp_host="127.0.0.1",
            smtp_port=str(mailbox.port),
            smtp_security="none",
            smtp_sender="alerts@truce.example",
        )
        server = serve(env, tmp_path)
        try:
            head = ("--server", server.base_url, "--key", keys / "af-root.key")
            added = truce("notify", "endpoint", "add", receiver.url, "--secret", *head).ok()
            assert "endpoint 1 " in added.stdout
            assert "secret whsec_" in added.stdout
            tested = truce("notify", "endpoint", "test", "1", *head).ok()
            assert tested.stdout.startswith("delivered")
            assert receiver.ids()[0].startswith("msg_test_")
            truce("notify", "address", "af-head@example.org", *head).ok()
            officer = ("--server", server.base_url, "--key", keys / "af-officer.key")
            truce("notify", "address", "af-officer@example.org", *officer).ok()
            refused = truce("notify", "endpoint", "add", receiver.url, *officer)
            assert refused.code != 0
            assert "head" in refused.stderr

            with httpx.Client(base_url=server.base_url) as http:
                started = time.monotonic()
                Delegations(http, mechanism).post(  # type: ignore[arg-type]
                    "pk-officer", "case.lodge", lodge("AF", "serve")
                )
                wait_for(lambda: len(mailbox.messages) == 2 and len(receiver.ids()) == 2, 5.0)
                assert time.monotonic() - started < 5.0
        finally:
            server.stop()
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        "af-head@example.org",
        "af-officer@example.org",
    ]
    log = truce("notify", "log", database=mechanism.url).ok().stdout.splitlines()
    assert len(log) == 3
    assert all(" delivered " in line and "case.lodge case 1" in line for line in log)
    assert sum(" webhook 1 AF/* " in line for line in log) == 1
    only_webhooks = truce(
        "notify", "log", "--member", "AF", "--outcome", "failed", database=mechanism.url
    ).ok()
    assert only_webhooks.stdout == ""


def test_the_record_is_read_by_the_secretariat_whole_and_by_each_member_its_own(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    with webhook_receiver() as receiver:
        receiver.answer = lambda: (500, {})
        made = client.post(
            "/api/v1/notifications/endpoints",
            json={"url": receiver.url},
            headers=d.headers("af-root"),
        )
        assert made.status_code == 201, made.text
        forbidden = client.post(
            "/api/v1/notifications/endpoints",
            json={"url": receiver.url},
            headers=d.headers("af-officer"),
        )
        assert forbidden.status_code == 403
        assert (
            client.get("/api/v1/notifications/endpoints", headers=d.headers("pk-root")).json() == []
        )
        lodged = d.post("pk-officer", "case.lodge", lodge("AF", "record"))
        d.post("af-officer", "case.lodge", lodge("PK", "other"))

        everything = d.get("sec-root", "/api/v1/notifications")
        assert {n["member"] for n in everything} == {"AF", "PK", "TR", "QA"}
        af = d.get("af-officer", "/api/v1/notifications")
        assert af
        assert {n["member"] for n in af} == {"AF"}
        assert {n["member"] for n in d.get("pk-observer", "/api/v1/notifications")} == {"PK"}
        systems = [n for n in af if n["delegate"] == "*"]
        assert [n["act_idx"] for n in systems] == [lodged["index"]]
        [delivery] = systems[0]["deliveries"]
        assert delivery["status"] == "pending"

        # Ten failures on the clock, then the head sends it again.
        from truce.notify import service  # the worker as truce serve builds it

        settings = client.app.state.services.settings  # type: ignore[attr-defined]
        worker = service.deliverer(settings, mechanism.db, clock)
        assert worker is not None
        for _ in range(10):
            worker.round()
            clock.advance(hours=27)  # the longest wait, 24 h, and its jitter
        failed = d.get("af-root", "/api/v1/notifications", status="failed")
        [record] = failed
        assert len(record["deliveries"][0]["tries"]) == 10
        assert record["deliveries"][0]["tries"][0]["status_code"] == 500
        path = f"/api/v1/notifications/deliveries/{delivery['id']}/send-again"
        assert client.post(path, headers=d.headers("pk-root")).status_code == 404
        assert client.post(path, headers=d.headers("af-officer")).status_code == 403
        receiver.answer = lambda: (204, {})
        assert client.post(path, headers=d.headers("af-root")).status_code == 204
        assert client.post(path, headers=d.headers("af-root")).status_code == 400
        worker.round()
    assert len(receiver.ids()) == 1
    [after] = [
        n for n in d.get("sec-root", "/api/v1/notifications", member="AF") if n["delegate"] == "*"
    ]
    assert after["deliveries"][0]["status"] == "delivered"
    log = truce("notify", "log", "--outcome", "failed", database=mechanism.url).ok()
    assert len(log.stdout.splitlines()) == 1  # the tenth attempt failed it


def test_the_notification_key_is_published_without_a_token(client: TestClient) -> None:
    answer = client.get("/api/v1/notifications/key")
    assert answer.status_code == 200
    assert answer.json()["public_key"].startswith("whpk_")
    assert client.get("/api/v1/notifications").status_code == 401


def test_preferences_over_the_api(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    path = "/api/v1/notifications/preferences"
    assert d.get("af-officer", path) == {
        "timing": "each",
        "remind_hours": None,
        "member_timing": None,
        "member_remind_hours": None,
    }
    default = {"timing": "digest", "remind_hours": 12, "member_default": True}
    assert client.put(path, json=default, headers=d.headers("af-officer")).status_code == 403
    assert client.put(path, json=default, headers=d.headers("af-root")).status_code == 204
    assert d.get("af-officer", path)["timing"] == "digest"
    own = {"timing": "each", "remind_hours": 48}
    assert client.put(path, json=own, headers=d.headers("af-officer")).status_code == 204
    assert d.get("af-officer", path) == {
        "timing": "each",
        "remind_hours": 48,
        "member_timing": "digest",
        "member_remind_hours": 12,
    }
    assert d.get("pk-officer", path)["timing"] == "each"  # another member's default is not PK's
    bad = client.put(path, json={"timing": "hourly"}, headers=d.headers("af-officer"))
    assert bad.status_code == 400
