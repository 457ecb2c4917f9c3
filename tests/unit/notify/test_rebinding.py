"""DNS rebinding (issue 18, point 4): at delivery an endpoint's name is resolved once,
every address checked, and the connection goes to exactly the address checked, with
the original Host header and TLS server name. A resolver the test controls answers a
public address first and a loopback one after: the delivery never reaches the loopback
receiver, and the next attempt, which sees the loopback address, is refused."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import Clock
from tests.functional.test_access_matrix import lodge
from tests.mechanism import Mechanism
from tests.unit.notify.receivers import webhook_receiver
from truce.accounts.service import Identity
from truce.ledger.keys import KeyFile, SigningKey
from truce.notify import service
from truce.notify.delivery import Deliverer
from truce.notify.webhooks import WebhookChannel, pinned
from truce.storage.models_notify import NotifyAttempt, NotifyDelivery

AF_HEAD = Identity("AF", "root", "head")
PUBLIC = "93.184.215.14"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "notify.key"
    KeyFile(member="SEC", delegate="notify", role="notify", key=SigningKey.generate()).save(path)
    return path


class Rebinding:
    """A resolver that answers ``answers`` in turn (the last one ever after), and
    records every question."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_a_name_that_rebinds_to_loopback_never_reaches_it(
    mechanism: Mechanism, clock: Clock, key_file: Path
) -> None:
    with webhook_receiver() as receiver:
        port = urlsplit(receiver.url).port
        assert port is not None
        url = f"http://hooks.example:{port}/hooks"
        # Registered by name (the operator's check at registration is not the point here).
        service.add_endpoint(mechanism.db, AF_HEAD, url, None, clock(), allow_private=True)
        mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "dns")))
        resolver = Rebinding([PUBLIC], ["127.0.0.1"])
        channel = WebhookChannel(
            service.load_key(key_file),
            service.endpoint_lookup(mechanism.db),
            timeout=1.0,
            resolver=resolver,
        )
        worker = Deliverer(mechanism.db, {"webhook": channel}, clock, jitter=lambda: 0.0)
        try:
            assert worker.round() == 1
            assert resolver.asked == [("hooks.example", port)]  # resolved once, then pinned
            assert receiver.received == []  # the connection went to the public address
            clock.advance(seconds=6)
            assert worker.round() == 1  # the retry sees the loopback address: refused
        finally:
            channel.close()
        assert receiver.received == []
    with mechanism.db.read() as connection:
        outcomes = connection.execute(
            select(NotifyAttempt.outcome, NotifyAttempt.detail).order_by(NotifyAttempt.id)
        ).all()
        status = connection.execute(select(NotifyDelivery.status)).scalar_one()
    assert [outcome for outcome, _ in outcomes] == ["retry", "failed"]
    assert "127.0.0.1" not in outcomes[0].detail
    assert "resolves to 127.0.0.1, a private or loopback address" in outcomes[1].detail
    assert status == "failed"


def test_the_connection_goes_to_the_address_checked_with_the_names_host_header(
    mechanism: Mechanism, clock: Clock, key_file: Path
) -> None:
    with webhook_receiver() as receiver:
        port = urlsplit(receiver.url).port
        url = f"http://hooks.example:{port}/hooks"
        service.add_endpoint(mechanism.db, AF_HEAD, url, None, clock(), allow_private=True)
        mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "pin")))
        channel = WebhookChannel(
            service.load_key(key_file),
            service.endpoint_lookup(mechanism.db),
            allow_private=True,  # the operator allows loopback: the pinned address is used
            resolver=Rebinding(["127.0.0.1"]),
        )
        try:
            Deliverer(mechanism.db, {"webhook": channel}, clock).round()
        finally:
            channel.close()
        [received] = receiver.received
    assert received.headers["host"] == f"hooks.example:{port}"


def test_a_pinned_request_keeps_the_names_host_and_tls_server_name() -> None:
    url, host, extensions = pinned("https://hooks.example:8443/in?x=1", PUBLIC)
    assert str(url) == f"https://{PUBLIC}:8443/in?x=1"
    assert host == {"host": "hooks.example:8443"}
    assert extensions == {"sni_hostname": "hooks.example"}
    url, host, extensions = pinned("https://hooks.example/in", "2606:4700::1")
    assert str(url) == "https://[2606:4700::1]/in"
    assert host == {"host": "hooks.example"}
    url, host, extensions = pinned("http://hooks.example/in", PUBLIC)
    assert extensions == {}
