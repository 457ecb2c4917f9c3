"""E-mail notifications (issue 18, point 3): a real SMTP server on loopback receives one
message per notification, in the delegate's language, right to left where it is, with a
plain-text and an HTML part, and nothing of a restricted act's content."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.conftest import Clock
from tests.functional.test_access_matrix import lodge
from tests.mechanism import Mechanism
from tests.unit.notify.receivers import self_signed, smtp_server
from truce.accounts.service import Identity
from truce.notify import service
from truce.notify.delivery import Deliverer
from truce.notify.email import RLM, EmailChannel
from truce.storage.models_notify import NotifyAttempt, NotifyDelivery

AF_HEAD = Identity("AF", "root", "head")  # speaks Pashto in the demo
TR_OFFICER = Identity("TR", "tr-officer", "officer")  # Turkish


def test_an_allegation_is_mailed_in_each_delegates_language(
    mechanism: Mechanism, clock: Clock
) -> None:
    service.set_address(mechanism.db, AF_HEAD, "af-head@example.org", clock())
    service.set_address(mechanism.db, TR_OFFICER, "tr-officer@example.org", clock())
    receipt = mechanism.admission.submit(
        mechanism.act(
            "pk-officer", "case.lodge", lodge("AF", "SECRET-NARRATIVE"), audience=["AF", "TR"]
        )
    )
    with smtp_server() as mailbox:
        channel = EmailChannel("127.0.0.1", mailbox.port, "alerts@truce.example", security="none")
        worker = Deliverer(mechanism.db, {"email": channel}, clock, base_url="https://m.example")
        assert worker.round() == 2
        assert worker.round() == 0  # delivered once
    messages = {str(m["To"]): m for m in mailbox.messages}
    assert set(messages) == {"af-head@example.org", "tr-officer@example.org"}

    pashto = messages["af-head@example.org"]
    assert pashto["Content-Language"] == "ps"
    assert pashto["Subject"].startswith("تور")  # "Allegation lodged" in Pashto
    plain = pashto.get_body(("plain",))
    html = pashto.get_body(("html",))
    assert plain is not None
    assert html is not None
    text, markup = plain.get_content(), html.get_content()
    assert text.startswith(RLM)
    assert 'dir="rtl"' in markup
    assert 'lang="ps"' in markup
    assert f"https://m.example/cases/{receipt.index}" in text
    assert f'href="https://m.example/cases/{receipt.index}"' in markup

    turkish = messages["tr-officer@example.org"]
    assert turkish["Content-Language"] == "tr"
    assert "İddia sunuldu" in turkish["Subject"]
    assert 'dir="ltr"' in turkish.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for message in mailbox.messages:
        assert "SECRET-NARRATIVE" not in message.as_string()
        assert message["Message-ID"].startswith("<msg_")

    with mechanism.db.read() as connection:
        outcomes = connection.execute(select(NotifyAttempt.outcome)).scalars().all()
        statuses = connection.execute(select(NotifyDelivery.status)).scalars().all()
    assert outcomes == ["delivered", "delivered"]
    assert statuses == ["delivered", "delivered"]


def test_an_unreachable_smtp_server_is_tried_again_later(
    mechanism: Mechanism, clock: Clock
) -> None:
    service.set_address(mechanism.db, AF_HEAD, "af-head@example.org", clock())
    mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "down")))
    with smtp_server() as mailbox:
        port = mailbox.port
    channel = EmailChannel("127.0.0.1", port, "alerts@truce.example", security="none", timeout=2)
    worker = Deliverer(mechanism.db, {"email": channel}, clock, jitter=lambda: 0.0)
    assert worker.round() == 1
    with mechanism.db.read() as connection:
        row = connection.execute(
            select(NotifyDelivery.status, NotifyDelivery.next_attempt_at)
        ).one()
    assert row.status == "pending"
    assert (row.next_attempt_at - clock.now).total_seconds() == 5
    with smtp_server() as mailbox:
        channel.port = mailbox.port
        clock.advance(seconds=5)
        assert worker.round() == 1
    assert len(mailbox.messages) == 1


def test_starttls_is_used_and_the_servers_certificate_checked(
    mechanism: Mechanism, clock: Clock, tmp_path: Path
) -> None:
    server_tls, client_tls = self_signed(tmp_path)
    service.set_address(mechanism.db, AF_HEAD, "af-head@example.org", clock())
    mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "tls")))
    with smtp_server(tls=server_tls) as mailbox:
        plain = EmailChannel("127.0.0.1", mailbox.port, "a@truce.example", security="none")
        refused = Deliverer(mechanism.db, {"email": plain}, clock, jitter=lambda: 0.0)
        assert refused.round() == 1  # the server requires STARTTLS first: 530, final
        assert mailbox.messages == []
        with mechanism.db.read() as connection:
            delivery_id, status = connection.execute(
                select(NotifyDelivery.id, NotifyDelivery.status)
            ).one()
        assert status == "failed"
        service.send_again(
            mechanism.db, Identity("SEC", "root", "secretariat"), delivery_id, clock()
        )
        untrusted = EmailChannel("127.0.0.1", mailbox.port, "a@truce.example")
        assert Deliverer(mechanism.db, {"email": untrusted}, clock).round() == 1
        assert mailbox.messages == []  # the default context does not trust the certificate
        secure = EmailChannel(
            "127.0.0.1", mailbox.port, "a@truce.example", security="starttls", context=client_tls
        )
        clock.advance(seconds=6)
        assert Deliverer(mechanism.db, {"email": secure}, clock).round() == 1
    assert [str(m["To"]) for m in mailbox.messages] == ["af-head@example.org"]
