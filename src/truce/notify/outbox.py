"""The outbox: the notifications an admitted act causes, written in the transaction that
records it.

:func:`write` follows admission (:func:`truce.log.projections.on_admission`): once a
batch's projections are written, it works out who is told of each act
(:mod:`truce.notify.rules`) and queues a ``notifications`` row per recipient and a
``notify_deliveries`` row per channel (an e-mail to a delegate's address, a POST to each
of a member's endpoints), all in the act's own transaction: no act is recorded without
its notifications, and no notification exists for an act that was not. The delivery
worker (:mod:`truce.notify.delivery`) sends them afterwards.

It never runs in ``truce rebuild`` nor on a mirror, and its tables are no projection, so
a rebuild neither tells anyone again nor loses the record; a notification's id is
derived from the act's leaf hash and the recipient, so the same act cannot notify the
same recipient twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select

from truce.log.projections import LoggedAct, ProjectionContext, on_admission
from truce.notify import rules
from truce.storage.models import Account, CaseRecord, JointRequestRecord, Member
from truce.storage.models_notify import (
    Notification,
    NotifyAddress,
    NotifyDelivery,
    NotifyEndpoint,
    NotifyPreference,
)
from truce.storage.models_reports import ReportRecord

_NOTIFICATIONS = cast(Table, Notification.__table__)
_DELIVERIES = cast(Table, NotifyDelivery.__table__)


@dataclass(frozen=True, slots=True)
class Subject:
    """The case, request or report an act is about: ``case``, ``joint`` or ``report``,
    the log index of the act that opened it, its number (cases only) and its two parties
    (none for a report, which has its approvers instead, and whether it is published)."""

    kind: str
    idx: int
    number: int | None
    parties: tuple[str, str] | None
    approvers: tuple[str, ...] = ()
    published_idx: int | None = None


@on_admission
def write(context: ProjectionContext, acts: Sequence[LoggedAct]) -> None:
    """Queue the notifications and deliveries of every act of the batch that notifies."""
    notifying = [act for act in acts if act.envelope.kind in rules.NOTIFYING]
    if not notifying:
        return
    connection = context.connection
    subjects = _subjects(connection, notifying)
    members = {row.code: row.kind for row in connection.execute(select(Member.code, Member.kind))}
    delegates, addresses, endpoints = channels(connection)
    digest = digesters(connection)
    # An act may be dated up to the allowed clock skew ahead of the server's clock: its
    # deliveries are due from that much earlier, so they are due at once.
    skew = timedelta(seconds=context.scenario().procedure.max_clock_skew_seconds)
    for act in notifying:
        # An act that opens a case (an allegation, a counter-claim) or a request is its
        # subject; any other names it as its first ref.
        subject = subjects.get(act.leaf_hash.hex()) or subjects.get(_ref(act))
        if subject is None:
            continue  # a case or request this database does not hold
        envelope = act.envelope
        body = act.body if isinstance(act.body, dict) else {}
        event = rules.Event(
            kind=envelope.kind,
            author=envelope.member,
            audience=envelope.audience,
            parties=subject.parties,
            to=body.get("to") if envelope.kind in ("case.request_info", "joint.request") else None,
            counter_claim=envelope.kind == "case.respond"
            and body.get("position") == "counter_claim",
            approvers=subject.approvers,
            published=subject.published_idx == act.index,
        )
        members_told = rules.told(event, members)
        told = rules.recipients(members_told, delegates, (envelope.member, envelope.delegate))
        for delegate, reason in told:
            address = addresses.get((delegate.member, delegate.delegate))
            _queue(
                context,
                act,
                subject,
                delegate.member,
                delegate.delegate,
                reason,
                delegate.language,
                [("email", address)] if address else [],
                skew,
                held=(delegate.member, delegate.delegate) in digest,
            )
        for item in members_told:
            targets = endpoints.get(item.member, [])
            if targets:
                _queue(
                    context,
                    act,
                    subject,
                    item.member,
                    rules.SYSTEMS,
                    item.reason,
                    "en",
                    [("webhook", str(endpoint)) for endpoint in targets],
                    skew,
                )


def _queue(
    context: ProjectionContext,
    act: LoggedAct,
    subject: Subject,
    member: str,
    delegate: str,
    reason: str,
    language: str,
    channels: list[tuple[str, str]],
    skew: timedelta,
    *,
    held: bool = False,
) -> None:
    leaf_hash = act.leaf_hash.hex()
    identifier = rules.notification_id(leaf_hash, member, delegate)
    context.insert(
        _NOTIFICATIONS,
        {
            "id": identifier,
            "act_idx": act.index,
            "leaf_hash": leaf_hash,
            "kind": act.envelope.kind,
            "subject": subject.kind,
            "subject_idx": subject.idx,
            "number": subject.number,
            "member": member,
            "delegate": delegate,
            "reason": reason,
            "language": language,
            "created_at": act.envelope.time,
            "due_at": None,
        },
    )
    for channel, target in channels:
        context.insert(
            _DELIVERIES,
            {
                "notification_id": identifier,
                "channel": channel,
                "target": target,
                "status": "held" if held else "pending",
                "attempts": 0,
                "next_attempt_at": None if held else act.envelope.time - skew,
            },
        )


def _ref(act: LoggedAct) -> str:
    return act.envelope.refs[0] if act.envelope.refs else ""


def _subjects(connection: Connection, acts: Sequence[LoggedAct]) -> dict[str, Subject]:
    """The cases and requests the acts open or answer, by the opening act's leaf hash."""
    wanted = {act.leaf_hash.hex() for act in acts} | {_ref(act) for act in acts}
    found: dict[str, Subject] = {}
    for row in connection.execute(
        select(
            CaseRecord.leaf_hash,
            CaseRecord.id,
            CaseRecord.number,
            CaseRecord.lodged_by,
            CaseRecord.accused,
        ).where(CaseRecord.leaf_hash.in_(wanted))
    ):
        found[row.leaf_hash] = Subject("case", row.id, row.number, (row.lodged_by, row.accused))
    for joint in connection.execute(
        select(
            JointRequestRecord.leaf_hash,
            JointRequestRecord.id,
            JointRequestRecord.requested_by,
            JointRequestRecord.to_member,
        ).where(JointRequestRecord.leaf_hash.in_(wanted))
    ):
        found[joint.leaf_hash] = Subject(
            "joint", joint.id, None, (joint.requested_by, joint.to_member)
        )
    for report in connection.execute(
        select(
            ReportRecord.leaf_hash,
            ReportRecord.id,
            ReportRecord.approvers,
            ReportRecord.published_idx,
        ).where(ReportRecord.leaf_hash.in_(wanted))
    ):
        found[report.leaf_hash] = Subject(
            "report", report.id, None, None, tuple(report.approvers), report.published_idx
        )
    return found


def channels(
    connection: Connection,
) -> tuple[list[rules.Delegate], dict[tuple[str, str], str], dict[str, list[int]]]:
    """Every active delegate, every delegate's e-mail address, and every member's active
    webhook endpoints (by id)."""
    delegates = [
        rules.Delegate(row.member, row.delegate, row.role, row.language)
        for row in connection.execute(
            select(Account.member, Account.delegate, Account.role, Account.language)
            .where(Account.disabled_at.is_(None))
            .order_by(Account.member, Account.delegate)
        )
    ]
    addresses = {
        (row.member, row.delegate): row.email
        for row in connection.execute(
            select(NotifyAddress.member, NotifyAddress.delegate, NotifyAddress.email)
        )
    }
    endpoints: dict[str, list[int]] = {}
    for row in connection.execute(
        select(NotifyEndpoint.member, NotifyEndpoint.id)
        .where(NotifyEndpoint.disabled_at.is_(None))
        .order_by(NotifyEndpoint.id)
    ):
        endpoints.setdefault(row.member, []).append(row.id)
    return delegates, addresses, endpoints


def preferences(connection: Connection) -> dict[tuple[str, str], tuple[str, int | None]]:
    """Every delegate's and member default's (delegate ``*``) choices: timing and hours
    of reminder."""
    return {
        (row.member, row.delegate): (row.timing, row.remind_hours)
        for row in connection.execute(
            select(
                NotifyPreference.member,
                NotifyPreference.delegate,
                NotifyPreference.timing,
                NotifyPreference.remind_hours,
            )
        )
    }


def chosen(
    choices: dict[tuple[str, str], tuple[str, int | None]], member: str, delegate: str
) -> tuple[str, int | None]:
    """A delegate's own choice, else its member's default, else each notification as it
    comes and the mechanism's reminder."""
    return choices.get((member, delegate)) or choices.get((member, rules.SYSTEMS)) or ("each", None)


def digesters(connection: Connection) -> set[tuple[str, str]]:
    """The delegates whose e-mails wait for their daily digest."""
    choices = preferences(connection)
    if not choices:
        return set()
    accounts = connection.execute(select(Account.member, Account.delegate)).all()
    return {
        (row.member, row.delegate)
        for row in accounts
        if chosen(choices, row.member, row.delegate)[0] == "digest"
    }


def insert_new(
    connection: Connection, rows: list[dict[str, Any]], deliveries: list[dict[str, Any]]
) -> int:
    """Write the notification ``rows`` not recorded yet, with their ``deliveries``; return
    how many were new.

    The notifications that no act causes (reminders, witness alarms) get ids derived from
    what they are about, so that a worker running twice over the same moment tells each
    recipient once.
    """
    if not rows:
        return 0
    notifications = cast(Table, Notification.__table__)
    known = set(
        connection.execute(
            select(notifications.c.id).where(notifications.c.id.in_([r["id"] for r in rows]))
        ).scalars()
    )
    rows = [row for row in rows if row["id"] not in known]
    deliveries = [d for d in deliveries if d["notification_id"] not in known]
    if rows:
        connection.execute(insert(notifications), rows)
    if deliveries:
        connection.execute(insert(cast(Table, NotifyDelivery.__table__)), deliveries)
    return len(rows)
