"""Webhooks per the Standard Webhooks specification (issue 18, point 4), posted to a real
HTTP receiver on loopback: signatures a receiver checks with the ``standardwebhooks``
library (``v1``) and with the published Ed25519 key (``v1a``), thin payloads, the
retry schedule on a controllable clock, 410, Retry-After, and private addresses."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from standardwebhooks import Webhook

from tests.conftest import Clock
from tests.functional.test_access_matrix import lodge
from tests.mechanism import Mechanism
from tests.unit.notify.receivers import webhook_receiver
from truce.accounts.service import Identity
from truce.app import create_app
from truce.config import Settings
from truce.errors import ForbiddenError, InputError
from truce.ledger.keys import KeyFile, PublicKey, SigningKey
from truce.notify import delivery, service
from truce.notify.delivery import Deliverer
from truce.notify.webhooks import WebhookChannel
from truce.storage.models_notify import NotifyAttempt, NotifyDelivery, NotifyEndpoint

AF_HEAD = Identity("AF", "root", "head")


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "notify.key"
    KeyFile(member="SEC", delegate="notify", role="notify", key=SigningKey.generate()).save(path)
    return path


def worker(mechanism: Mechanism, clock: Clock, key_file: Path, **kwargs: object) -> Deliverer:
    channel = WebhookChannel(
        service.load_key(key_file), service.endpoint_lookup(mechanism.db), allow_private=True
    )
    return Deliverer(
        mechanism.db,
        {"webhook": channel},
        clock,
        base_url="https://m.example",
        disable_endpoint=service.disable_endpoint,
        **kwargs,  # type: ignore[arg-type]
    )


def register(mechanism: Mechanism, clock: Clock, url: str, secret: str | None = None) -> int:
    return service.add_endpoint(mechanism.db, AF_HEAD, url, secret, clock(), allow_private=True).id


def test_a_receiver_verifies_v1_with_the_library_and_v1a_with_the_published_key(
    mechanism: Mechanism, clock: Clock, key_file: Path
) -> None:
    secret = service.new_secret()
    with webhook_receiver() as receiver:
        register(mechanism, clock, receiver.url, secret)
        receipt = mechanism.admission.submit(
            mechanism.act("pk-officer", "case.lodge", lodge("AF", "SECRET"), audience=["AF", "TR"])
        )
        assert worker(mechanism, clock, key_file).round() == 1
    [request] = receiver.received
    headers = request.headers

    payload = Webhook(secret).verify(request.body, headers)  # v1, by the library
    assert payload["type"] == "case.lodge"
    assert payload["data"] == {
        "kind": "case.lodge",
        "reason": "action",
        "subject": "case",
        "subject_index": receipt.index,
        "case": 1,
        "log_index": receipt.index,
        "leaf_hash": receipt.leaf_hash.hex(),
        "link": f"https://m.example/cases/{receipt.index}",
        "deadline": None,
    }
    assert b"SECRET" not in request.body  # thin: nothing of the act's body

    settings = Settings(
        database_url=mechanism.url, log_key_file=mechanism.log_key_file, notify_key_file=key_file
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        published = client.get("/api/v1/notifications/key")  # no token
    assert published.status_code == 200
    text = published.json()["public_key"]
    assert text.startswith("whpk_")
    public = PublicKey(base64.b64decode(text.removeprefix("whpk_")))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request.body
    v1a = [s.split(",", 1)[1] for s in headers["webhook-signature"].split() if s[:4] == "v1a,"]
    assert len(v1a) == 1
    assert public.verify(base64.b64decode(v1a[0]), signed)
    assert not public.verify(base64.b64decode(v1a[0]), signed + b" ")


def test_without_a_secret_only_v1a_is_sent(
    mechanism: Mechanism, clock: Clock, key_file: Path
) -> None:
    with webhook_receiver() as receiver:
        register(mechanism, clock, receiver.url)
        mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "x")))
        worker(mechanism, clock, key_file).round()
    [request] = receiver.received
    assert [s[:4] for s in request.headers["webhook-signature"].split()] == ["v1a,"]


def _run_until_settled(deliverer: Deliverer, clock: Clock, mechanism: Mechanism) -> None:
    """Rounds, moving the clock to each next attempt, until nothing is pending."""
    for _ in range(100):
        deliverer.round()
        with mechanism.db.read() as connection:
            due = (
                connection.execute(
                    select(NotifyDelivery.next_attempt_at).where(NotifyDelivery.status == "pending")
                )
                .scalars()
                .all()
            )
        if not due:
            return
        clock.now = max(clock.now, min(due))
    raise AssertionError("never settled")


def test_a_receiver_down_for_24_hours_gets_everything_afterwards_once_each(
    mechanism: Mechanism, clock: Clock, key_file: Path
) -> None:
    start = clock.now
    with webhook_receiver() as receiver:
        receiver.answer = lambda: (
            (503, {}) if clock.now < start + timedelta(hours=24) else (200, {})
        )
        register(mechanism, clock, receiver.url)
        for number in range(3):
            mechanism.admission.submit(
                mechanism.act("pk-officer", "case.lodge", lodge("AF", f"down {number}"))
            )
        _run_until_settled(worker(mechanism, clock, key_file, jitter=lambda: 0.0), clock, mechanism)
    ids = receiver.ids()
    assert len(ids) == 3
    assert len(set(ids)) == 3  # each once by webhook-id
    with mechanism.db.read() as connection:
        attempts = connection.execute(
            select(NotifyAttempt.at, NotifyAttempt.outcome, NotifyAttempt.delivery_id).order_by(
                NotifyAttempt.delivery_id, NotifyAttempt.at
            )
        ).all()
    first = [row for row in attempts if row.delivery_id == attempts[0].delivery_id]
    offsets = [row.at - first[0].at for row in first]
    # Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h after each failure; the 14 h
    # wait ends after the receiver is back.
    steps = [timedelta(0), *delivery.SCHEDULE[:7]]
    assert offsets == [sum(steps[: i + 1], timedelta(0)) for i in range(8)]
    assert [row.outcome for row in first] == ["retry"] * 7 + ["delivered"]


def test_the_jitter_moves_a_wait_by_at_most_a_tenth() -> None:
    for attempts, step in enumerate(delivery.SCHEDULE, start=1):
        assert delivery.next_wait(attempts, 1.0) == step * 1.1
        assert delivery.next_wait(attempts, -1.0) == step * 0.9


def test_ten_failures_fail_the_delivery_until_it_is_sent_again(
    mechanism: Mechanism, clock: Clock, key_file: Path
) -> None:
    with webhook_receiver() as receiver:
        receiver.answer = lambda: (500, {})
        register(mechanism, clock, receiver.url)
        mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "x")))
        deliverer = worker(mechanism, clock, key_file)
        _run_until_settled(deliverer, clock, mechanism)
        with mechanism.db.read() as connection:
            delivery_id, status, tries = connection.execute(
                select(NotifyDelivery.id, NotifyDelivery.status, NotifyDelivery.attempts)
            ).one()
        assert (status, tries) == ("failed", delivery.ATTEMPTS)
        with pytest.raises(ForbiddenError):
            service.send_again(
                mechanism.db, Identity("AF", "af-officer", "officer"), delivery_id, clock()
            )
        receiver.answer = lambda: (200, {})
        service.send_again(mechanism.db, AF_HEAD, delivery_id, clock())
        assert deliverer.round() == 1
    assert len(receiver.ids()) == 1


def test_410_disables_the_endpoint_and_what_was_pending_for_it(
    mechanism: Mechanism, clock: Clock, key_file: Path
) -> None:
    with webhook_receiver() as receiver:
        receiver.answer = lambda: (410, {})
        register(mechanism, clock, receiver.url)
        for number in range(2):
            mechanism.admission.submit(
                mechanism.act("pk-officer", "case.lodge", lodge("AF", f"gone {number}"))
            )
        assert worker(mechanism, clock, key_file, batch=1).round() == 1  # and the second?
    with mechanism.db.read() as connection:
        statuses = connection.execute(select(NotifyDelivery.status)).scalars().all()
        disabled = connection.execute(select(NotifyEndpoint.disabled_at)).scalar()
    assert statuses == ["disabled", "disabled"]
    assert disabled is not None
    assert service.endpoints(mechanism.db, "AF")[0].disabled_reason == "HTTP 410 Gone: disabled"


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_is_honoured(
    mechanism: Mechanism, clock: Clock, key_file: Path, code: int
) -> None:
    with webhook_receiver() as receiver:
        receiver.answer = lambda: (code, {"Retry-After": "120"})
        register(mechanism, clock, receiver.url)
        mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "x")))
        worker(mechanism, clock, key_file).round()
    with mechanism.db.read() as connection:
        due = connection.execute(select(NotifyDelivery.next_attempt_at)).scalar_one()
    assert due == clock.now + timedelta(seconds=120)


def test_private_and_loopback_addresses_are_refused_unless_allowed(
    mechanism: Mechanism, clock: Clock, key_file: Path
) -> None:
    for url in (
        "http://127.0.0.1:9/h",
        "https://10.1.2.3/h",
        "https://[::1]/h",
        "https://169.254.169.254/latest",
        "ftp://example.org/h",
    ):
        with pytest.raises(InputError):
            service.add_endpoint(mechanism.db, AF_HEAD, url, None, clock())
    with pytest.raises(ForbiddenError):
        service.add_endpoint(
            mechanism.db,
            Identity("AF", "af-officer", "officer"),
            "http://127.0.0.1:9/h",
            None,
            clock(),
            allow_private=True,
        )
    with webhook_receiver() as receiver:
        register(mechanism, clock, receiver.url)  # allowed when registered…
        mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "x")))
        strict = WebhookChannel(service.load_key(key_file), service.endpoint_lookup(mechanism.db))
        Deliverer(mechanism.db, {"webhook": strict}, clock).round()  # …refused when sent
    assert receiver.received == []
    with mechanism.db.read() as connection:
        status, error = connection.execute(
            select(NotifyDelivery.status, NotifyDelivery.last_error)
        ).one()
    assert status == "failed"
    assert "loopback" in error


def test_a_webhook_secret_must_be_a_whsec_secret(mechanism: Mechanism, clock: Clock) -> None:
    for secret in ("plain", "whsec_%%%", "whsec_" + base64.b64encode(b"short").decode()):
        with pytest.raises(InputError):
            service.add_endpoint(
                mechanism.db, AF_HEAD, "http://127.0.0.1:9/h", secret, clock(), allow_private=True
            )
