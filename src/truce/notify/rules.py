"""Who is told of an act, and why: the pure rules of notifications.

An act notifies only the members its kind concerns (:func:`told`: an allegation or a
counter-claim, the accused member and the mediators; a request for information or for
joint action, the member asked; a plain response, the lodging party and the mediators;
a ruling, an appeal, a penalty, a referral, a deadline passed or extended, a report on
joint action, both parties and the mediators; a report put forward, each member whose
approval it needs; a report's last approval, every member, since it is now published),
and of those only
the members its audience includes, by the one audience rule
(:func:`truce.ledger.envelope.audience_includes`): a notification never reaches a
member that may not read the act. Within a member, the roles told depend on why
(:data:`ROLES`): what awaits action goes to heads and officers, an outcome also to
observers; witnesses, clocks and the secretariat are never told. The delegate who
signed the act is not told of it.

A notification carries no body: its title is the act's kind and the case's number,
and a link (:mod:`truce.notify.email`, :mod:`truce.notify.webhooks`), so nothing
restricted travels by e-mail or webhook whatever the act's audience.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from truce.ledger.envelope import Audience, audience_includes

Reason = Literal["action", "outcome"]

#: Who of a member is told, by why it is told.
ROLES: dict[Reason, frozenset[str]] = {
    "action": frozenset({"head", "officer"}),
    "outcome": frozenset({"head", "officer", "observer"}),
}
#: The kinds whose acts concern both parties of their case and the mediators.
OUTCOMES = frozenset(
    {
        "case.rule",
        "case.appeal",
        "case.penalty",
        "case.refer",
        "case.lapse",
        "case.extend",
        "joint.report",
        "joint.extend",
    }
)
#: The kinds of a report as an act: put forward (its approvers are to act), approved
#: (by the last approval, every member is told it is published).
REPORTS = frozenset({"report.publish", "report.approve"})
#: Every kind that may notify anyone (``case.respond``: a plain response tells the
#: lodging party and the mediators, a counter-claim is an allegation).
NOTIFYING = (
    OUTCOMES | REPORTS | {"case.lodge", "case.respond", "case.request_info", "joint.request"}
)
#: The recipient that stands for a member's own systems (its webhook endpoints).
SYSTEMS = "*"


@dataclass(frozen=True, slots=True)
class Event:
    """What the rules need of an act: its kind, author, audience, the two parties of
    its case or request (``first`` lodged or requested, ``second`` is accused or asked),
    and the member its body addresses (``to``: a request for information's).

    A counter-claim (``counter_claim``: a ``case.respond`` that lodges a case of its
    own) is an allegation: ``parties`` are then those of the case it lodges. For a
    report, ``approvers`` are the members whose approval it awaits, and ``published``
    says that this approval made it count.
    """

    kind: str
    author: str
    audience: Audience
    parties: tuple[str, str] | None
    to: str | None = None
    counter_claim: bool = False
    approvers: tuple[str, ...] = ()
    published: bool = False


@dataclass(frozen=True, slots=True)
class Told:
    """A member told of an act, and why."""

    member: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class Delegate:
    """A delegate that may be told: its member, name, role and language."""

    member: str
    delegate: str
    role: str
    language: str


def told(event: Event, members: Mapping[str, str]) -> list[Told]:
    """The members told of ``event``, in member order; ``members`` maps each member's
    code to its kind (``party``, ``mediator``, ``secretariat``)."""
    mediators = [code for code, kind in members.items() if kind == "mediator"]
    reasons: dict[str, Reason] = {}
    alleges = event.kind == "case.lodge" or (event.kind == "case.respond" and event.counter_claim)
    if alleges and event.parties is not None:
        reasons = {code: "action" for code in (event.parties[1], *mediators)}
    elif event.kind in ("case.request_info", "joint.request") and event.to is not None:
        reasons = {event.to: "action"}
    elif event.kind == "case.respond" and event.parties is not None:
        reasons = {code: "outcome" for code in (event.parties[0], *mediators)}
    elif event.kind in OUTCOMES and event.parties is not None:
        reasons = {code: "outcome" for code in (*event.parties, *mediators)}
    elif event.kind == "report.publish":
        reasons = {code: "action" for code in event.approvers}
    elif event.kind == "report.approve" and event.published:
        reasons = {code: "outcome" for code in members}
    return [
        Told(code, reason)
        for code, reason in sorted(reasons.items())
        if members.get(code) in ("party", "mediator")
        and audience_includes(event.audience, event.author, code, members[code] == "mediator")
    ]


def recipients(
    members_told: Iterable[Told],
    delegates: Iterable[Delegate],
    signer: tuple[str, str],
) -> list[tuple[Delegate, Reason]]:
    """The delegates of the members told whose role is told for its reason, without the
    delegate who signed the act (``signer``: member and delegate)."""
    reasons = {item.member: item.reason for item in members_told}
    return [
        (delegate, reasons[delegate.member])
        for delegate in delegates
        if delegate.member in reasons
        and delegate.role in ROLES[reasons[delegate.member]]
        and (delegate.member, delegate.delegate) != signer
    ]


def notification_id(leaf_hash: str, member: str, delegate: str) -> str:
    """The stable id of the notification of the act with ``leaf_hash`` (hex) to one
    recipient: the same act and recipient always give the same id (the ``webhook-id``)."""
    digest = hashlib.sha256(f"{leaf_hash}\n{member}\n{delegate}".encode()).digest()
    return "msg_" + base64.b32encode(digest[:20]).decode("ascii").lower()


#: The kind of a reminder that a deadline is near (no act: the worker writes it).
REMINDER = "deadline.reminder"


def due_soon(
    moments: Sequence[tuple[str, str | None, datetime]], now: datetime, ahead: timedelta
) -> list[tuple[str, str | None, datetime]]:
    """The running deadlines (name, member asked, moment) that fall within ``ahead`` of
    ``now`` and have not passed."""
    return [(name, to, moment) for name, to, moment in moments if now < moment <= now + ahead]


def reminded(
    deadline: str,
    to: str | None,
    parties: tuple[str, str],
    audience: Audience,
    members: Mapping[str, str],
) -> list[Told]:
    """Who must act before ``deadline`` of a case: the accused its response, the member
    asked its information, both parties their appeal, the mediators their investigation;
    of those, only members in the case's audience (its lodger is the author)."""
    if deadline == "response":
        codes = [parties[1]]
    elif deadline == "information":
        codes = [to] if to else []
    elif deadline == "appeal":
        codes = list(parties)
    else:
        codes = [code for code, kind in members.items() if kind == "mediator"]
    return [
        Told(code, "action")
        for code in sorted(set(codes))
        if members.get(code) in ("party", "mediator")
        and audience_includes(audience, parties[0], code, members[code] == "mediator")
    ]


def reminder_id(
    case_leaf: str, deadline: str, to: str | None, due_at: datetime, member: str, delegate: str
) -> str:
    """The stable id of the reminder of one deadline of one case to one recipient: a
    deadline moved by an extension is reminded of again, once."""
    subject = f"{case_leaf}/{deadline}/{to or ''}/{due_at.isoformat()}"
    return notification_id(subject, member, delegate)
