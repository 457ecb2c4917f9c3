"""Joint action: a party shares a threat and asks the other party to act on it.

::

    joint.request ─> open ─(joint.report by the requested party)─> answered
                      └──(deadline passes unanswered)──────────> overdue (at read time)
    overdue ─(joint.extend by a mediator: a new deadline and a reason)─> open

The deadline is ``deadline_days`` after the request, by default the scenario's
``procedure.information_request_days``. A report after the deadline is refused: a
mediator may first give leave to report late (``joint.extend``, with the reason kept),
as for a case's deadlines. A request is answered once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from truce.acts.actor import Actor
from truce.acts.refusal import require as _require
from truce.ledger.envelope import format_time, parse_time
from truce.scenario.rules import Scenario

Status = Literal["open", "answered", "overdue"]
STATUSES: tuple[Status, ...] = ("open", "answered", "overdue")
JOINT_KINDS = ("joint.request", "joint.report", "joint.extend")


@dataclass(frozen=True, slots=True)
class Request:
    """A request for joint action, and whether it was answered."""

    id: str
    by: str
    to: str
    requested_at: datetime
    deadline: datetime
    answered_at: datetime | None = None
    #: How many times a mediator moved the deadline, and the deadline set first.
    extensions: int = 0
    first_deadline: datetime | None = None

    def status(self, now: datetime) -> Status:
        """``answered``; else ``overdue`` after the deadline; else ``open``."""
        if self.answered_at is not None:
            return "answered"
        return "overdue" if now > self.deadline else "open"

    @property
    def late(self) -> bool:
        """True when the report came after the first deadline, by a mediator's leave."""
        first = self.first_deadline or self.deadline
        return self.answered_at is not None and self.answered_at > first


def request(scenario: Scenario, request_id: str, actor: Actor, body: Mapping[str, Any]) -> Request:
    """A new request from a ``joint.request`` act."""
    _require(actor.kind == "party", "only a party requests joint action")
    to = body["to"]
    member = scenario.member(to)
    _require(member is not None and member.kind == "party", f"{to} is not a party", "body.to")
    _require(to != actor.member, "a party does not ask itself for joint action", "body.to")
    place_id = body["place"].get("place_id")
    _require(
        place_id is None or scenario.place(place_id) is not None,
        scenario.unknown_place(str(place_id)),
        "body.place.place_id",
    )
    days = body.get("deadline_days") or scenario.procedure.information_request_days
    return Request(
        id=request_id,
        by=actor.member,
        to=to,
        requested_at=actor.at,
        deadline=actor.at + timedelta(days=days),
    )


def report(scenario: Scenario, found: Request, actor: Actor, body: Mapping[str, Any]) -> Request:
    """The request after a ``joint.report`` act."""
    _require(actor.member == found.to, f"only {found.to}, the requested party, reports")
    _require(found.answered_at is None, f"{found.to} has already reported on this request")
    _require(actor.at >= found.requested_at, "the report predates the request", "at")
    _require(
        actor.at <= found.deadline,
        f"the report was due by {format_time(found.deadline)}: a mediator may give leave "
        "to report late (joint.extend, with a reason)",
        "at",
    )
    return replace(found, answered_at=actor.at)


def extend(scenario: Scenario, found: Request, actor: Actor, body: Mapping[str, Any]) -> Request:
    """The request after a ``joint.extend`` act: a mediator moves the deadline of a
    request not yet reported on, before or after it passed (leave to report late)."""
    _require(actor.kind == "mediator", "only a mediator extends a deadline")
    _require(found.answered_at is None, f"{found.to} has already reported on this request")
    until = parse_time(body["deadline_at"], field="body.deadline_at")
    _require(until > actor.at, "the new deadline must be later than now", "body.deadline_at")
    first = found.first_deadline or found.deadline
    return replace(found, deadline=until, extensions=found.extensions + 1, first_deadline=first)


def to_json(found: Request) -> dict[str, Any]:
    """The request as JSON, for the projection row."""
    return {
        "id": found.id,
        "by": found.by,
        "to": found.to,
        "requested_at": found.requested_at.isoformat(),
        "deadline": found.deadline.isoformat(),
        "answered_at": None if found.answered_at is None else found.answered_at.isoformat(),
        "extensions": found.extensions,
        "first_deadline": None
        if found.first_deadline is None
        else found.first_deadline.isoformat(),
    }


def from_json(data: Mapping[str, Any]) -> Request:
    """The inverse of :func:`to_json`."""
    answered = data["answered_at"]
    return Request(
        id=data["id"],
        by=data["by"],
        to=data["to"],
        requested_at=datetime.fromisoformat(data["requested_at"]),
        deadline=datetime.fromisoformat(data["deadline"]),
        answered_at=None if answered is None else datetime.fromisoformat(answered),
        extensions=int(data.get("extensions", 0)),
        first_deadline=None
        if data.get("first_deadline") is None
        else datetime.fromisoformat(data["first_deadline"]),
    )
