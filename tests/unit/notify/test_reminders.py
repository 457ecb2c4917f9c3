"""Reminders of near deadlines (issue 18, point 2): those who must act before a case's
deadline are told once, within the window before it, in their language, and nobody
outside the case's audience."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.conftest import Clock
from tests.functional.test_access_matrix import lodge
from tests.mechanism import Mechanism
from tests.unit.notify.receivers import smtp_server
from truce.accounts.service import Identity
from truce.notify import rules, service
from truce.notify.delivery import Deliverer
from truce.notify.digest import Digest, next_run
from truce.notify.email import EmailChannel
from truce.notify.reminders import Reminders
from truce.storage.models_notify import Notification, NotifyDelivery

MEMBERS = {"PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator", "SEC": "secretariat"}


def reminders(mechanism: Mechanism, clock: Clock) -> Reminders:
    return Reminders(mechanism.db, mechanism.scenario, clock, ahead=timedelta(hours=24))


def test_the_accused_is_reminded_once_a_day_before_its_response_is_due(
    mechanism: Mechanism, clock: Clock
) -> None:
    service.set_address(mechanism.db, Identity("AF", "root", "head"), "af@example.org", clock())
    mechanism.admission.submit(
        mechanism.act("pk-officer", "case.lodge", lodge("AF", "remind"), audience=["AF", "TR"])
    )
    due = clock.now + timedelta(hours=72)
    remind = reminders(mechanism, clock)
    assert remind.tick() == 0  # three days ahead
    clock.advance(hours=47)
    assert remind.tick() == 0
    clock.advance(hours=2)
    assert remind.tick() == 2  # AF's head and officer
    assert remind.tick() == 0  # once
    with mechanism.db.read() as connection:
        rows = connection.execute(
            select(
                Notification.member, Notification.delegate, Notification.kind, Notification.due_at
            ).where(Notification.kind == rules.REMINDER)
        ).all()
    assert sorted((r.member, r.delegate) for r in rows) == [("AF", "af-officer"), ("AF", "root")]
    assert {r.due_at for r in rows} == {due}
    with smtp_server() as mailbox:
        channel = EmailChannel("127.0.0.1", mailbox.port, "a@truce.example", security="none")
        Deliverer(mechanism.db, {"email": channel}, clock).round()
    assert len(mailbox.messages) == 2  # the allegation's own, and the reminder
    [message] = [m for m in mailbox.messages if "یوه وروستۍ نېټه نږدې ده" in m["Subject"]]
    assert str(message["To"]) == "af@example.org"
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "1" in message["Subject"]  # case 1
    assert "remind" not in message.as_string()  # the narrative's marker
    clock.advance(hours=24)
    assert remind.tick() == 0  # passed: the clock's lapse tells, not a reminder


def test_who_is_reminded_of_each_deadline() -> None:
    parties = ("PK", "AF")

    def members(deadline: str, audience: object = "all", to: str | None = None) -> set[str]:
        told = rules.reminded(deadline, to, parties, audience, MEMBERS)  # type: ignore[arg-type]
        return {t.member for t in told}

    assert members("response") == {"AF"}
    assert members("information", to="PK") == {"PK"}
    assert members("appeal") == {"PK", "AF"}
    assert members("investigation") == {"TR", "QA"}
    assert members("investigation", audience=("AF", "TR")) == {"TR"}


def test_only_deadlines_within_the_window_and_not_passed_are_due_soon() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [
        ("response", None, now + timedelta(hours=23)),
        ("information", "PK", now + timedelta(hours=25)),
        ("appeal", None, now - timedelta(minutes=1)),
    ]
    assert rules.due_soon(moments, now, timedelta(hours=24)) == [moments[0]]


def reminder_status(mechanism: Mechanism) -> dict[str, str]:
    """Each reminded delegate's e-mail delivery status."""
    with mechanism.db.read() as connection:
        rows = connection.execute(
            select(Notification.delegate, NotifyDelivery.status)
            .join(NotifyDelivery, NotifyDelivery.notification_id == Notification.id)
            .where(Notification.kind == rules.REMINDER, NotifyDelivery.channel == "email")
        ).all()
    return {row.delegate: row.status for row in rows}


def test_a_digest_reader_is_reminded_in_its_digest_unless_it_would_come_too_late(
    mechanism: Mechanism, clock: Clock
) -> None:
    head, officer = Identity("AF", "root", "head"), Identity("AF", "af-officer", "officer")
    service.set_address(mechanism.db, head, "af@example.org", clock())
    service.set_address(mechanism.db, officer, "af-officer@example.org", clock())
    service.set_preference(mechanism.db, head, "digest", None, clock())
    service.set_preference(mechanism.db, officer, "digest", 2, clock())  # 2 hours ahead
    mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "digest")))
    due = clock.now + timedelta(hours=72)

    clock.advance(hours=49)  # 23 hours before the deadline: the head's window
    remind = Reminders(
        mechanism.db,
        mechanism.scenario,
        clock,
        ahead=timedelta(hours=24),
        digest_hour=(clock.now.hour + 3) % 24,  # the next digest: within 3 hours
    )
    assert remind.tick() == 1
    assert reminder_status(mechanism) == {"root": "held"}  # it waits for the digest

    clock.advance(hours=21, minutes=30)  # 90 minutes before the deadline: the officer's
    remind.digest_hour = (due.hour + 6) % 24  # the next digest: after the deadline
    assert remind.tick() == 1
    assert reminder_status(mechanism) == {"root": "held", "af-officer": "pending"}

    with smtp_server() as mailbox:
        channel = EmailChannel("127.0.0.1", mailbox.port, "a@truce.example", security="none")
        Deliverer(mechanism.db, {"email": channel}, clock).round()
        assert [str(m["To"]) for m in mailbox.messages] == ["af-officer@example.org"]
        Digest(mechanism.db, channel, clock, hour=(due.hour + 6) % 24).tick()
    assert reminder_status(mechanism) == {"root": "delivered", "af-officer": "delivered"}
    assert str(mailbox.messages[-1]["To"]) == "af@example.org"  # the head's daily digest


def test_the_next_digest_is_the_next_hour_after_the_notification() -> None:
    at = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    assert next_run(at, 6) == datetime(2026, 1, 6, 6, 0, tzinfo=UTC)
    assert next_run(at - timedelta(seconds=1), 6) == at
    assert next_run(at, 23) == datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
