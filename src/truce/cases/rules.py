"""The case workflow of DESIGN.md, as a pure state machine.

::

    lodged ─> awaiting_response ─(response | deadline)─> under_investigation ─> ruled
       └── withdrawn (by the lodger, before a ruling)
    under_investigation ─(split)─> new round ─> ...  ─(deadlock | lapse)─> referred
    ruled ─(final)─> [penalty] ─> closed    ruled ─(appeal, once)─> under_investigation

Findings, rulings, new rounds and referral are in :mod:`truce.cases.findings`; the
appeal, its waiver and the penalty in :mod:`truce.cases.penalty`.

:func:`step` takes a case and one act and returns the case after it, or raises
:class:`~truce.errors.RefusedActError` saying why the workflow does not allow that act at
that point. The admission service calls it to refuse an act before anything is written;
the projection calls it to update the case: one function, so the two cannot disagree.
Facts that need the whole log (how many violations a member already had within the
penalty window) are counted by the caller and checked here against the act's body.
Deadlines, the ruling quorum, the appeal window and the penalty schedule come from the
scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from truce.acts.actor import Actor
from truce.acts.refusal import require as _require
from truce.cases import deadlines, findings, penalty
from truce.cases.findings import rulings
from truce.cases.penalty import penalty_for
from truce.cases.state import (
    CASE_KINDS,
    OPEN,
    STATUSES,
    Case,
    Finding,
    InfoRequest,
    Outcome,
    Position,
    Status,
    when,
)
from truce.errors import RefusedActError
from truce.ledger.envelope import parse_time
from truce.scenario.facts import casualty_problems
from truce.scenario.rules import Scenario
from truce.verify.registry import PERMISSIONS

__all__ = [
    "CASE_KINDS",
    "CASE_STEPS",
    "OPEN",
    "STATUSES",
    "Case",
    "Finding",
    "InfoRequest",
    "NextStep",
    "Outcome",
    "Position",
    "Status",
    "lodge",
    "may_lodge",
    "next_steps",
    "penalty_for",
    "rulings",
    "step",
]


def _refuse(message: str, field_name: str = "kind") -> RefusedActError:
    return RefusedActError(message, field=field_name)


def _party(scenario: Scenario, code: str) -> bool:
    member = scenario.member(code)
    return member is not None and member.kind == "party"


def lodge(scenario: Scenario, case_id: str, actor: Actor, body: Mapping[str, Any]) -> Case:
    """A new case from a ``case.lodge`` act (or a counter-claim)."""
    accused = body["accused"]["member"]
    incident = body.get("incident")
    if incident is not None:
        _check_incident_time(scenario, parse_time(incident["occurred_at"]), actor.at)
        _require(
            incident["type"] in scenario.incident_type_ids,
            f"{incident['type']!r} is not in the scenario's incident taxonomy",
            "body.incident.type",
        )
        place_id = incident["place"].get("place_id")
        _require(
            place_id is None or scenario.place(place_id) is not None,
            scenario.unknown_place(str(place_id)),
            "body.incident.place.place_id",
        )
        for field_name, message in casualty_problems(scenario, incident):
            raise _refuse(message, field_name)
    _require(actor.kind == "party", "only a party lodges an allegation")
    _require(_party(scenario, accused), f"{accused} is not a party", "body.accused.member")
    _require(accused != actor.member, "a party cannot accuse itself", "body.accused.member")
    for clause in body["clauses"]:
        found = scenario.clause(clause)
        _require(found is not None, f"no clause {clause} in the agreement", "body.clauses")
        _require(
            found is not None and accused in found.binds,
            f"clause {clause} does not bind {accused}",
            "body.clauses",
        )
    return Case(
        id=case_id,
        lodged_by=actor.member,
        accused=accused,
        lodged_at=actor.at,
        response_deadline=actor.at + timedelta(hours=scenario.procedure.response_deadline_hours),
    )


def _check_incident_time(scenario: Scenario, occurred: datetime, now: datetime) -> None:
    """An incident happened within the period the mechanism hears, and not after the
    allegation was signed (allowing the scenario's clock skew)."""
    procedure = scenario.procedure
    field_name = "body.incident.occurred_at"
    start = procedure.incidents_from
    _require(
        start is None or occurred.date() >= start,
        f"the incident is dated {occurred:%Y-%m-%d}, before {start}, when the period this "
        "mechanism hears begins",
        field_name,
    )
    _require(
        occurred <= now + timedelta(seconds=procedure.max_clock_skew_seconds),
        f"the incident is dated {occurred:%Y-%m-%d %H:%M} UTC, later than the allegation "
        f"itself ({now:%Y-%m-%d %H:%M} UTC)",
        field_name,
    )


def step(scenario: Scenario, case: Case, kind: str, actor: Actor, body: Mapping[str, Any]) -> Case:
    """The case after ``kind`` by ``actor``; raise :class:`RefusedActError` if not allowed."""
    handler = _STEPS.get(kind)
    if handler is None:
        raise _refuse(f"{kind} is not a step of a case")
    _admits(scenario, case, kind, actor)
    return handler(scenario, case, actor, body)


def _admits(scenario: Scenario, case: Case, kind: str, actor: Actor) -> None:
    """Raise unless the case's state, the deadlines and the actor allow ``kind`` now,
    whatever its body: the part of each step that :func:`next_steps` asks too."""
    if case.status in ("closed", "withdrawn", "referred") and kind != "case.evidence":
        raise _refuse(f"case {case.id} is {case.status}")
    _GUARDS[kind](scenario, case, actor)


def _may_respond(scenario: Scenario, case: Case, actor: Actor) -> None:
    _require(actor.member == case.accused, f"only {case.accused}, the accused, responds")
    _require(case.status == "awaiting_response", f"case {case.id} is {case.status}")
    _require(case.response is None, f"{case.accused} has already responded")
    _require(
        case.pausing_request(scenario) is not None or actor.at <= case.response_deadline,
        f"the response deadline passed at {when(case.response_deadline)}: a mediator may "
        "give leave to respond late",
        "at",
    )


def _respond(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    """A position; or, once, a request to the lodging member for more information."""
    position: Position = body["position"]
    if position != "request_information":
        return replace(case, response=position)
    _require(
        not case.information_requested,
        f"{case.accused} has already asked {case.lodged_by} for more information",
        "body.position",
    )
    request = InfoRequest(
        to=case.lodged_by,
        deadline=actor.at + timedelta(days=scenario.procedure.information_request_days),
        by=actor.member,
        asked_at=actor.at,
    )
    return replace(case, information_requested=True, requests=(*case.requests, request))


def _may_evidence(scenario: Scenario, case: Case, actor: Actor) -> None:
    _require(
        actor.member in (case.lodged_by, case.accused) or actor.kind == "mediator",
        "evidence comes from the parties to the case or a mediator",
    )
    _require(
        case.status not in ("ruled", "penalised", "closed", "withdrawn", "referred"),
        f"case {case.id} is {case.status}: the record is closed to evidence",
    )


def _evidence(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    return case


def _may_investigate(scenario: Scenario, case: Case, actor: Actor) -> None:
    _require(actor.kind == "mediator", "only a mediator opens an investigation")
    _require(case.status == "awaiting_response", f"case {case.id} is {case.status}")
    _require(
        case.response is not None
        or (actor.at > case.response_deadline and case.pausing_request(scenario) is None),
        f"{case.accused} may still respond until {when(case.response_deadline)}",
    )


def _investigate(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    return replace(case, status="under_investigation", investigating_since=actor.at)


def _may_request_info(scenario: Scenario, case: Case, actor: Actor) -> None:
    _require(actor.kind == "mediator", "only a mediator requests information")
    _require(case.status == "under_investigation", f"case {case.id} is {case.status}")


def _request_info(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    to = body["to"]
    _require(to in (case.lodged_by, case.accused), f"{to} is not a party to this case", "body.to")
    days = body.get("deadline_days") or scenario.procedure.information_request_days
    request = InfoRequest(
        to=to, deadline=actor.at + timedelta(days=days), by=actor.member, asked_at=actor.at
    )
    return replace(case, requests=(*case.requests, request))


def _open_requests(case: Case, member: str) -> list[InfoRequest]:
    return [r for r in case.requests if r.to == member and r.open]


def _may_provide_info(scenario: Scenario, case: Case, actor: Actor) -> None:
    requests = _open_requests(case, actor.member)
    _require(
        bool(requests) and case.status in OPEN,
        f"no open request for information to {actor.member}",
    )
    _require(
        actor.at <= requests[0].deadline,
        f"the request's deadline passed at {when(requests[0].deadline)}: a mediator may "
        "give leave to answer late",
        "at",
    )


def _provide_info(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    return deadlines.answered(scenario, case, actor)


def _may_withdraw(scenario: Scenario, case: Case, actor: Actor) -> None:
    _require(actor.member == case.lodged_by, f"only {case.lodged_by}, who lodged it, withdraws")
    _require(case.status in OPEN, f"case {case.id} is {case.status}: too late to withdraw")


def _withdraw(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    return replace(case, status="withdrawn")


def _may_close(scenario: Scenario, case: Case, actor: Actor) -> None:
    _require(actor.kind in ("mediator", "secretariat"), "a mediator or the secretariat closes")
    if case.status == "ruled":
        _require(case.outcome != "violation_confirmed", "record the penalty before closing")
        deadline = case.appeal_deadline(scenario)
        _require(
            penalty.is_final(scenario, case, actor.at),
            f"the ruling may be appealed until {deadline.isoformat() if deadline else '?'}",
        )
    else:
        _require(case.status == "penalised", f"case {case.id} is {case.status}: not ruled yet")


def _close(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    return replace(case, status="closed")


_STEPS = {
    "case.respond": _respond,
    "case.evidence": _evidence,
    "case.investigate": _investigate,
    "case.request_info": _request_info,
    "case.provide_info": _provide_info,
    "case.finding": findings.find,
    "case.rule": findings.rule,
    "case.new_round": findings.open_round,
    "case.refer": findings.refer,
    "case.lapse": deadlines.lapse,
    "case.extend": deadlines.extend,
    "case.appeal": penalty.appeal,
    "case.waive_appeal": penalty.waive,
    "case.penalty": penalty.penalise,
    "case.withdraw": _withdraw,
    "case.close": _close,
}
#: What each step asks of the case, the time and the actor, whatever the act's body.
_GUARDS = {
    "case.respond": _may_respond,
    "case.evidence": _may_evidence,
    "case.investigate": _may_investigate,
    "case.request_info": _may_request_info,
    "case.provide_info": _may_provide_info,
    "case.finding": findings.may_find,
    "case.rule": findings.may_rule,
    "case.new_round": findings.may_open_round,
    "case.refer": findings.may_refer,
    "case.lapse": deadlines.may_lapse,
    "case.extend": deadlines.may_extend,
    "case.appeal": penalty.may_appeal,
    "case.waive_appeal": penalty.may_waive,
    "case.penalty": penalty.may_penalise,
    "case.withdraw": _may_withdraw,
    "case.close": _may_close,
}
#: The steps of a case after its lodging, in the order of :data:`CASE_KINDS`.
CASE_STEPS: tuple[str, ...] = tuple(kind for kind in CASE_KINDS if kind in _STEPS)


@dataclass(frozen=True, slots=True)
class NextStep:
    """A step of a case that a member may take now, or that waits on it.

    ``allowed``: :func:`step` would accept ``kind`` now from the member, for a body a
    form can send (``preset`` holds the values the workflow fixes), and the viewer's
    role may sign it (:data:`~truce.verify.registry.PERMISSIONS`). ``awaited``: the case
    waits on the member for it, whatever the role of its delegate: what an inbox lists,
    with ``due`` its deadline (or, for the penalty or the closing that follows a ruling,
    the end of the appeal window). An awaited step may not be allowed yet (a response
    past its deadline, a penalty or a close before the ruling is final), and most
    allowed steps are not awaited (evidence).
    """

    kind: str
    allowed: bool
    awaited: bool = False
    due: datetime | None = None
    preset: Mapping[str, Any] = field(default_factory=dict)


def _awaited(
    scenario: Scenario, case: Case, kind: str, actor: Actor, admitted: bool
) -> tuple[bool, datetime | None]:
    """Whether ``kind`` waits on ``actor``'s member, and until when."""
    mediator = actor.kind == "mediator"
    if kind == "case.respond":
        waiting = case.status == "awaiting_response" and actor.member == case.accused
        return waiting and case.response is None, case.response_deadline
    if kind in ("case.investigate", "case.finding", "case.new_round"):
        return admitted, None
    if kind == "case.refer":
        return admitted and mediator, findings.investigation_deadline(scenario, case)
    if kind == "case.rule":
        ready = bool(rulings(scenario, case))
        return case.status == "under_investigation" and mediator and ready, None
    if kind == "case.appeal":
        # The party the ruling went against is told of its window: the violator, or,
        # when no violation was confirmed, the member whose allegation it was.
        against = case.violator if case.outcome == "violation_confirmed" else case.lodged_by
        return admitted and actor.member == against, case.appeal_deadline(scenario)
    if kind in ("case.penalty", "case.close"):
        waiting = case.status == "ruled" and mediator
        confirmed = case.outcome == "violation_confirmed"
        return waiting and confirmed == (kind == "case.penalty"), case.appeal_deadline(scenario)
    return False, None


def next_steps(
    scenario: Scenario,
    case: Case,
    member: str,
    role: str,
    now: datetime,
    *,
    violator_prior: int | None = None,
) -> list[NextStep]:
    """What a delegate of ``member`` with ``role`` may do next on ``case`` at ``now``.

    Each step of :data:`CASE_STEPS` that is allowed or awaited, in that order; a request
    for information gives one step per open request to the member, each due at its
    deadline. Asked of the same guards :func:`step` applies before it reads a body, so
    a step listed as allowed is one admission accepts. A ruling is allowed only where a
    quorum of findings concurs (:func:`rulings`; the first is the preset); a penalty
    names the violator, and with ``violator_prior`` (the violator's earlier confirmed
    violations within the penalty window, counted by the caller) the schedule's step,
    and is allowed only if the schedule has one.
    """
    found = scenario.member(member)
    if found is None:
        return []
    actor = Actor(member=member, kind=found.kind, at=now)
    shown: list[NextStep] = []
    for kind in CASE_STEPS:
        try:
            _admits(scenario, case, kind, actor)
            admitted = True
        except RefusedActError:
            admitted = False
        allowed = admitted and role in PERMISSIONS[kind]
        preset: dict[str, Any] = {}
        if kind == "case.rule":
            supported = rulings(scenario, case)
            allowed = allowed and bool(supported)
            preset = supported[0] if supported else {}
        elif kind == "case.penalty":
            preset = {"member": case.violator}
            allowed = allowed and case.violator is not None
            if violator_prior is not None:
                try:
                    preset["step"] = penalty_for(scenario, violator_prior)
                    preset["prior_violations"] = violator_prior
                except RefusedActError:
                    allowed = False
        elif kind == "case.lapse":
            owed = deadlines.due(scenario, case, now)
            allowed = allowed and bool(owed)
            preset = owed[0] if owed else {}
        elif kind == "case.extend":
            allowed = allowed and deadlines.extendable(case)
        if kind == "case.provide_info":
            waiting = case.status in OPEN
            for request in _open_requests(case, member):
                shown.append(NextStep(kind, allowed, waiting, request.deadline))
            continue
        awaited, due = _awaited(scenario, case, kind, actor, admitted)
        if allowed or awaited:
            shown.append(NextStep(kind, allowed, awaited, due, preset))
    return shown


def may_lodge(scenario: Scenario, member: str, role: str) -> bool:
    """Whether a delegate of ``member`` with ``role`` may lodge an allegation."""
    found = scenario.member(member)
    return (
        found is not None
        and found.kind == "party"
        and role in PERMISSIONS["case.lodge"]
        and len(scenario.parties) > 1
    )
