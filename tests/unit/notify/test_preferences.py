"""Preferences (issue 18, point 6): a delegate chooses each notification as it comes or
one e-mail a day, and how long before a deadline to be reminded; a head sets its
member's defaults, which a delegate's own choice overrides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import Clock
from tests.functional.test_access_matrix import lodge
from tests.mechanism import Mechanism
from tests.unit.notify.receivers import smtp_server
from truce.accounts.service import Identity
from truce.errors import ForbiddenError, InputError
from truce.notify import service
from truce.notify.delivery import Deliverer
from truce.notify.digest import Digest
from truce.notify.email import EmailChannel
from truce.notify.reminders import Reminders
from truce.storage.models_notify import Notification, NotifyAttempt, NotifyDelivery

AF_HEAD = Identity("AF", "root", "head")
AF_OFFICER = Identity("AF", "af-officer", "officer")


def statuses(mechanism: Mechanism) -> dict[str, str]:
    with mechanism.db.read() as connection:
        rows = connection.execute(
            select(NotifyDelivery.target, NotifyDelivery.status).where(
                NotifyDelivery.channel == "email"
            )
        ).all()
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row.target, set()).add(row.status)
    return {target: "/".join(sorted(s)) for target, s in found.items()}


def test_a_digest_delegate_gets_one_email_a_day_of_everything_held(
    mechanism: Mechanism, clock: Clock
) -> None:
    service.set_address(mechanism.db, AF_HEAD, "head@af.example", clock())
    service.set_address(mechanism.db, AF_OFFICER, "officer@af.example", clock())
    service.set_preference(mechanism.db, AF_HEAD, "digest", None, clock())
    first = mechanism.admission.submit(
        mechanism.act("pk-officer", "case.lodge", lodge("AF", "SECRET-1"))
    )
    second = mechanism.admission.submit(
        mechanism.act("pk-officer", "case.lodge", lodge("AF", "SECRET-2"))
    )
    assert statuses(mechanism) == {"head@af.example": "held", "officer@af.example": "pending"}
    with smtp_server() as mailbox:
        channel = EmailChannel("127.0.0.1", mailbox.port, "a@truce.example", security="none")
        assert Deliverer(mechanism.db, {"email": channel}, clock).round() == 2  # the officer's
        digest = Digest(
            mechanism.db, channel, clock, hour=clock.now.hour, base_url="https://m.example"
        )
        assert digest.tick() == 0  # held since today's digest hour: tomorrow's digest
        clock.advance(days=1)
        assert digest.tick() == 1
        assert digest.tick() == 0  # once
    to_head = [m for m in mailbox.messages if str(m["To"]) == "head@af.example"]
    assert len(to_head) == 1
    assert len(mailbox.messages) == 3
    text = to_head[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"https://m.example/cases/{first.index}" in text
    assert f"https://m.example/cases/{second.index}" in text
    assert "SECRET" not in to_head[0].as_string()
    assert to_head[0]["Subject"].endswith("· 2")
    assert statuses(mechanism) == {
        "head@af.example": "delivered",
        "officer@af.example": "delivered",
    }
    with mechanism.db.read() as connection:
        details = (
            connection.execute(
                select(NotifyAttempt.detail).where(NotifyAttempt.detail.like("daily digest%"))
            )
            .scalars()
            .all()
        )
    assert len(details) == 2  # one attempt recorded per notification carried


def test_a_heads_default_holds_for_the_member_unless_a_delegate_chose_otherwise(
    mechanism: Mechanism, clock: Clock
) -> None:
    service.set_address(mechanism.db, AF_HEAD, "head@af.example", clock())
    service.set_address(mechanism.db, AF_OFFICER, "officer@af.example", clock())
    with pytest.raises(ForbiddenError):
        service.set_preference(
            mechanism.db, AF_OFFICER, "digest", None, clock(), member_default=True
        )
    with pytest.raises(InputError):
        service.set_preference(mechanism.db, AF_OFFICER, "hourly", None, clock())
    service.set_preference(mechanism.db, AF_HEAD, "digest", 48, clock(), member_default=True)
    assert service.preference(mechanism.db, AF_OFFICER).timing == "digest"
    assert service.preference(mechanism.db, AF_OFFICER).remind_hours == 48
    mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "x")))
    assert statuses(mechanism) == {"head@af.example": "held", "officer@af.example": "held"}
    service.set_preference(mechanism.db, AF_OFFICER, "each", None, clock())
    mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "y")))
    assert statuses(mechanism) == {"head@af.example": "held", "officer@af.example": "held/pending"}


def test_a_delegate_is_reminded_as_long_before_a_deadline_as_it_chose(
    mechanism: Mechanism, clock: Clock
) -> None:
    service.set_preference(mechanism.db, AF_OFFICER, "each", 48, clock())
    mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "z")))
    remind = Reminders(mechanism.db, mechanism.scenario, clock, ahead=timedelta(hours=24))
    clock.advance(hours=25)  # 47 hours before the response is due
    assert remind.tick() == 1

    def reminded() -> list[str]:
        with mechanism.db.read() as connection:
            return sorted(
                connection.execute(
                    select(Notification.delegate).where(Notification.kind == "deadline.reminder")
                ).scalars()
            )

    assert reminded() == ["af-officer"]
    clock.advance(hours=24)
    assert remind.tick() == 1
    assert reminded() == ["af-officer", "root"]
