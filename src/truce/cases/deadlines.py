"""Deadlines of a case: the clock that records them as passed, and their extension.

Every deadline of a case is a moment the case's state knows: the accused's response
deadline, each request for information's, the end of the appeal window, the end of the
investigation. When one passes, the secretariat's clock (a key of role ``clock``) signs
a ``case.lapse`` naming it, so that every member sees the same transition at the same
logged time, and a rebuild of the log reproduces it. A lapse is refused before its
deadline, twice, or for a deadline the case does not have; :func:`due` lists the lapses
a case owes at a moment, which is all the clock needs to catch up after a restart.

A mediator may move a response deadline or a request's deadline later, before or after
it lapsed (leave to answer late), by a ``case.extend`` with a reason; the extension
clears the lapse, so the member may answer again until the new deadline.

While the accused's own request for more information to the lodging member is open,
the accused's response clock stands still (the scenario's ``response_clock_pauses``):
no response lapse is due, and the time the request was open is added to the response
deadline once it is answered or lapses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from truce.acts.actor import Actor
from truce.acts.refusal import require
from truce.cases import findings
from truce.cases.state import OPEN, Case, Deadline, InfoRequest, when
from truce.errors import RefusedActError
from truce.ledger.envelope import format_time, parse_time
from truce.scenario.rules import Scenario


def moments(scenario: Scenario, case: Case) -> list[tuple[Deadline, str | None, datetime]]:
    """The deadlines the case runs now: (deadline, the member a request for information
    is addressed to or None, moment)."""
    running: list[tuple[Deadline, str | None, datetime]] = []
    if (
        case.status == "awaiting_response"
        and case.response is None
        and case.pausing_request(scenario) is None
    ):
        running.append(("response", None, case.response_deadline))
    if case.status in OPEN:
        running.extend(("information", r.to, r.deadline) for r in case.requests if r.open)
    if case.status == "ruled" and not case.appealed:
        deadline = case.appeal_deadline(scenario)
        if deadline is not None and not {case.lodged_by, case.accused} <= set(case.waived):
            running.append(("appeal", None, deadline))
    if case.status == "under_investigation":
        deadline = findings.investigation_deadline(scenario, case)
        if deadline is not None:
            running.append(("investigation", None, deadline))
    return [item for item in running if item[0] == "information" or item[0] not in case.lapsed]


def due(scenario: Scenario, case: Case, now: datetime) -> list[dict[str, Any]]:
    """The ``case.lapse`` bodies the clock owes ``case`` at ``now``, oldest first."""
    passed = sorted(
        (moment, name, to) for name, to, moment in moments(scenario, case) if moment < now
    )
    return [
        {"deadline": name, "due_at": format_time(moment)} | ({"to": to} if to else {})
        for moment, name, to in passed
    ]


def may_lapse(scenario: Scenario, case: Case, actor: Actor) -> None:
    """Only the secretariat's clock records a lapse (its role is checked by admission)."""
    require(actor.kind == "secretariat", "only the secretariat's clock records a lapse")


def lapse(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    """Record that the named deadline passed; refuse one the case does not run yet."""
    name: Deadline = body["deadline"]
    to = body.get("to")
    due_at = parse_time(body["due_at"])
    running = {(n, t): m for n, t, m in moments(scenario, case)}
    moment = running.get((name, to if name == "information" else None))
    require(
        moment is not None,
        f"case {case.id} runs no {name} deadline"
        + (f" for {to}" if name == "information" else "")
        + " that has not lapsed",
        "body.deadline",
    )
    require(moment == due_at, f"the {name} deadline is {when(moment)}", "body.due_at")
    require(actor.at > due_at, f"the {name} deadline has not passed: {when(due_at)}", "at")
    if name != "information":
        return replace(case, lapsed=(*case.lapsed, name))
    lapsed = _request_to(case, str(to))
    requests = tuple(replace(r, lapsed=True) if r is lapsed else r for r in case.requests)
    return _resumed(scenario, replace(case, requests=requests), lapsed, actor.at)


def may_extend(scenario: Scenario, case: Case, actor: Actor) -> None:
    """A mediator extends a deadline of an open case."""
    require(actor.kind == "mediator", "only a mediator extends a deadline")
    require(case.status in OPEN, f"case {case.id} is {case.status}")


def extend(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    """The deadline moved to ``deadline_at`` (later than now), its lapse cleared."""
    until = parse_time(body["deadline_at"])
    require(until > actor.at, "the new deadline must be later than now", "body.deadline_at")
    if body["deadline"] == "response":
        require(
            case.status == "awaiting_response" and case.response is None,
            f"case {case.id} awaits no response",
            "body.deadline",
        )
        require(body.get("to") in (None, case.accused), "a response is the accused's", "body.to")
        return replace(
            case,
            response_deadline=until,
            lapsed=tuple(name for name in case.lapsed if name != "response"),
        )
    to = body.get("to")
    require(to is not None, "name the member whose request is extended", "body.to")
    request = _request_to(case, str(to), unanswered=True)
    extended = replace(request, deadline=until, lapsed=False)
    return replace(case, requests=tuple(extended if r is request else r for r in case.requests))


def extendable(case: Case) -> bool:
    """Whether the case has a deadline a mediator may extend: a response still awaited,
    or a request for information not answered."""
    if case.status not in OPEN:
        return False
    awaiting = case.status == "awaiting_response" and case.response is None
    return awaiting or any(not request.answered for request in case.requests)


def _request_to(case: Case, to: str, unanswered: bool = False) -> InfoRequest:
    """The first request to ``to`` still open (or, with ``unanswered``, not answered)."""
    for request in case.requests:
        if request.to == to and (not request.answered if unanswered else request.open):
            return request
    raise RefusedActError(f"no open request for information to {to}", field="body.to")


def _resumed(scenario: Scenario, case: Case, request: InfoRequest, at: datetime) -> Case:
    """After ``request`` is answered or lapses: if it stopped the accused's response
    clock, the time it stood still is added to the response deadline."""
    if not (
        scenario.procedure.response_clock_pauses
        and request.by == case.accused
        and request.asked_at is not None
        and case.response is None
    ):
        return case
    return replace(case, response_deadline=case.response_deadline + (at - request.asked_at))


def answered(scenario: Scenario, case: Case, actor: Actor) -> Case:
    """The member's first open request marked answered; the response clock resumes.

    The step's guard (``case.provide_info`` in :mod:`truce.cases.rules`) has already
    refused an answer after the request's deadline."""
    request = _request_to(case, actor.member)
    requests = tuple(replace(r, answered=True) if r is request else r for r in case.requests)
    return _resumed(scenario, replace(case, requests=requests), request, actor.at)
