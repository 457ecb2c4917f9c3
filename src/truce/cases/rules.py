"""The case workflow of DESIGN.md, as a pure state machine.

::

    lodged ─> awaiting_response ─(response | deadline)─> under_investigation ─> ruled
       └── withdrawn (by the lodger, before a ruling)
    ruled ─> [penalty] ─> closed          ruled ─(appeal, once)─> under_investigation

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
from typing import Any, Literal

from truce.acts.refusal import require as _require
from truce.errors import RefusedActError
from truce.scenario.rules import Scenario

Status = Literal[
    "awaiting_response", "under_investigation", "ruled", "penalised", "closed", "withdrawn"
]
Position = Literal["accept", "deny", "counter_claim", "request_information"]
Outcome = Literal["violation_confirmed", "not_substantiated", "inconclusive"]
OPEN: frozenset[Status] = frozenset({"awaiting_response", "under_investigation"})
CASE_KINDS = (
    "case.lodge",
    "case.respond",
    "case.evidence",
    "case.investigate",
    "case.request_info",
    "case.provide_info",
    "case.finding",
    "case.rule",
    "case.appeal",
    "case.penalty",
    "case.withdraw",
    "case.close",
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who signs an act: a member (and its kind), a delegate, and when."""

    member: str
    kind: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Finding:
    """One mediator's assessment in the current round."""

    member: str
    outcome: Outcome
    violator: str | None
    clauses: tuple[str, ...]
    reasons: str


@dataclass(frozen=True, slots=True)
class InfoRequest:
    """A mediator's request for information from a member, with its deadline."""

    to: str
    deadline: datetime
    answered: bool = False


@dataclass(frozen=True, slots=True)
class Case:
    """Everything the workflow needs to decide what may happen next."""

    id: str
    lodged_by: str
    accused: str
    lodged_at: datetime
    response_deadline: datetime
    status: Status = "awaiting_response"
    response: Position | None = None
    information_requested: bool = False
    findings: Mapping[str, Finding] = field(default_factory=dict)
    requests: tuple[InfoRequest, ...] = ()
    outcome: Outcome | None = None
    violator: str | None = None
    ruled_at: datetime | None = None
    appealed: bool = False
    round: int = 1
    penalty: str | None = None

    def response_overdue(self, now: datetime) -> bool:
        """True when the accused has not answered and the deadline has passed."""
        return self.response is None and now > self.response_deadline

    def appeal_deadline(self, scenario: Scenario) -> datetime | None:
        """Until when a party may appeal the ruling."""
        if self.ruled_at is None:
            return None
        return self.ruled_at + timedelta(days=scenario.procedure.appeal_window_days)


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
        _require(
            incident["type"] in scenario.incident_type_ids,
            f"{incident['type']!r} is not in the scenario's incident taxonomy",
            "body.incident.type",
        )
        place_id = incident["place"].get("place_id")
        _require(
            place_id is None or scenario.place(place_id) is not None,
            f"{place_id!r} is not in the gazetteer",
            "body.incident.place.place_id",
        )
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


def step(scenario: Scenario, case: Case, kind: str, actor: Actor, body: Mapping[str, Any]) -> Case:
    """The case after ``kind`` by ``actor``; raise :class:`RefusedActError` if not allowed."""
    handler = _STEPS.get(kind)
    if handler is None:
        raise _refuse(f"{kind} is not a step of a case")
    if case.status in ("closed", "withdrawn") and kind != "case.evidence":
        raise _refuse(f"case {case.id} is {case.status}")
    return handler(scenario, case, actor, body)


def _respond(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.member == case.accused, f"only {case.accused}, the accused, responds")
    _require(case.status == "awaiting_response", f"case {case.id} is {case.status}")
    _require(case.response is None, f"{case.accused} has already responded")
    _require(
        actor.at <= case.response_deadline,
        f"the response deadline passed at {case.response_deadline.isoformat()}",
        "at",
    )
    position: Position = body["position"]
    if position == "request_information":
        return replace(case, information_requested=True)
    return replace(case, response=position)


def _evidence(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(
        actor.member in (case.lodged_by, case.accused) or actor.kind == "mediator",
        "evidence comes from the parties to the case or a mediator",
    )
    _require(
        case.status not in ("ruled", "penalised", "closed", "withdrawn"),
        f"case {case.id} is {case.status}: the record is closed to evidence",
    )
    return case


def _investigate(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.kind == "mediator", "only a mediator opens an investigation")
    _require(case.status == "awaiting_response", f"case {case.id} is {case.status}")
    _require(
        case.response is not None or actor.at > case.response_deadline,
        f"{case.accused} may still respond until {case.response_deadline.isoformat()}",
    )
    return replace(case, status="under_investigation")


def _request_info(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.kind == "mediator", "only a mediator requests information")
    _require(case.status == "under_investigation", f"case {case.id} is {case.status}")
    to = body["to"]
    _require(to in (case.lodged_by, case.accused), f"{to} is not a party to this case", "body.to")
    days = body.get("deadline_days") or scenario.procedure.information_request_days
    request = InfoRequest(to=to, deadline=actor.at + timedelta(days=days))
    return replace(case, requests=(*case.requests, request))


def _provide_info(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    open_requests = [r for r in case.requests if r.to == actor.member and not r.answered]
    _require(bool(open_requests), f"no open request for information to {actor.member}")
    answered = open_requests[0]
    requests = tuple(replace(r, answered=True) if r is answered else r for r in case.requests)
    return replace(case, requests=requests)


def _finding(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.kind == "mediator", "only a mediator records a finding")
    _require(case.status == "under_investigation", f"case {case.id} is {case.status}")
    _require(
        actor.member not in case.findings,
        f"{actor.member} has already recorded its finding in round {case.round}",
    )
    finding = _read_finding(actor.member, case, body)
    return replace(case, findings={**case.findings, actor.member: finding})


def _read_finding(member: str, case: Case, body: Mapping[str, Any]) -> Finding:
    outcome: Outcome = body["outcome"]
    violator = body.get("violator")
    if outcome == "violation_confirmed":
        _require(
            violator in (case.lodged_by, case.accused),
            "a confirmed violation names the violator: a party to the case",
            "body.violator",
        )
        _require(
            bool(body.get("clauses")), "a confirmed violation names its clauses", "body.clauses"
        )
    else:
        _require(violator is None, f"{outcome} names no violator", "body.violator")
    return Finding(
        member=member,
        outcome=outcome,
        violator=violator,
        clauses=tuple(body.get("clauses") or ()),
        reasons=body["reasons"],
    )


def _rule(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.kind == "mediator", "only a mediator records the ruling")
    _require(case.status == "under_investigation", f"case {case.id} is {case.status}")
    ruling = _read_finding(actor.member, case, body)
    agreeing = [
        f
        for f in case.findings.values()
        if (f.outcome, f.violator, set(f.clauses))
        == (ruling.outcome, ruling.violator, set(ruling.clauses))
    ]
    quorum = scenario.ruling_threshold
    _require(
        len(agreeing) >= quorum,
        f"the ruling needs {quorum} concurring findings; {len(agreeing)} of the "
        f"{len(case.findings)} recorded agree with it",
    )
    return replace(
        case, status="ruled", outcome=ruling.outcome, violator=ruling.violator, ruled_at=actor.at
    )


def _appeal(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.member in (case.lodged_by, case.accused), "only a party to the case appeals")
    _require(
        case.status == "ruled", f"case {case.id} is {case.status}: there is no ruling to appeal"
    )
    _require(not case.appealed, "the ruling was already appealed once")
    deadline = case.appeal_deadline(scenario)
    _require(
        deadline is not None and actor.at <= deadline,
        f"the appeal window closed at {deadline.isoformat() if deadline else '?'}",
        "at",
    )
    return replace(
        case,
        status="under_investigation",
        appealed=True,
        round=case.round + 1,
        findings={},
        outcome=None,
        violator=None,
        ruled_at=None,
    )


def penalty_for(scenario: Scenario, prior_confirmed: int) -> str:
    """The schedule's step for a member with ``prior_confirmed`` earlier violations."""
    step_ = scenario.penalty_step(prior_confirmed + 1)
    if step_ is None:
        raise _refuse("the penalty schedule has no step for a first violation")
    return step_.id


def _penalty(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.kind == "mediator", "only a mediator records the penalty")
    _require(case.status == "ruled", f"case {case.id} is {case.status}")
    _require(case.outcome == "violation_confirmed", "no violation was confirmed")
    _require(body["member"] == case.violator, f"the violator is {case.violator}", "body.member")
    expected = penalty_for(scenario, int(body["prior_violations"]))
    _require(
        body["step"] == expected,
        f"the schedule gives {expected} for violation number {int(body['prior_violations']) + 1}",
        "body.step",
    )
    return replace(case, status="penalised", penalty=body["step"])


def _withdraw(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.member == case.lodged_by, f"only {case.lodged_by}, who lodged it, withdraws")
    _require(case.status in OPEN, f"case {case.id} is {case.status}: too late to withdraw")
    return replace(case, status="withdrawn")


def _close(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    _require(actor.kind in ("mediator", "secretariat"), "a mediator or the secretariat closes")
    if case.status == "ruled":
        _require(case.outcome != "violation_confirmed", "record the penalty before closing")
        deadline = case.appeal_deadline(scenario)
        _require(
            case.appealed or (deadline is not None and actor.at > deadline),
            f"the ruling may be appealed until {deadline.isoformat() if deadline else '?'}",
        )
    else:
        _require(case.status == "penalised", f"case {case.id} is {case.status}: not ruled yet")
    return replace(case, status="closed")


_STEPS = {
    "case.respond": _respond,
    "case.evidence": _evidence,
    "case.investigate": _investigate,
    "case.request_info": _request_info,
    "case.provide_info": _provide_info,
    "case.finding": _finding,
    "case.rule": _rule,
    "case.appeal": _appeal,
    "case.penalty": _penalty,
    "case.withdraw": _withdraw,
    "case.close": _close,
}


def to_json(case: Case) -> dict[str, Any]:
    """The case as JSON, for the projection row (datetimes as ISO 8601)."""

    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": case.id,
        "lodged_by": case.lodged_by,
        "accused": case.accused,
        "lodged_at": moment(case.lodged_at),
        "response_deadline": moment(case.response_deadline),
        "status": case.status,
        "response": case.response,
        "information_requested": case.information_requested,
        "findings": {
            member: {
                "outcome": f.outcome,
                "violator": f.violator,
                "clauses": list(f.clauses),
                "reasons": f.reasons,
            }
            for member, f in case.findings.items()
        },
        "requests": [
            {"to": r.to, "deadline": moment(r.deadline), "answered": r.answered}
            for r in case.requests
        ],
        "outcome": case.outcome,
        "violator": case.violator,
        "ruled_at": moment(case.ruled_at),
        "appealed": case.appealed,
        "round": case.round,
        "penalty": case.penalty,
    }


def from_json(data: Mapping[str, Any]) -> Case:
    """The inverse of :func:`to_json`."""

    def moment(value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)

    lodged_at = moment(data["lodged_at"])
    deadline = moment(data["response_deadline"])
    if lodged_at is None or deadline is None:
        raise ValueError("a case has a lodging time and a response deadline")
    return Case(
        id=data["id"],
        lodged_by=data["lodged_by"],
        accused=data["accused"],
        lodged_at=lodged_at,
        response_deadline=deadline,
        status=data["status"],
        response=data["response"],
        information_requested=data["information_requested"],
        findings={
            member: Finding(
                member=member,
                outcome=f["outcome"],
                violator=f["violator"],
                clauses=tuple(f["clauses"]),
                reasons=f["reasons"],
            )
            for member, f in data["findings"].items()
        },
        requests=tuple(
            InfoRequest(
                to=r["to"], deadline=datetime.fromisoformat(r["deadline"]), answered=r["answered"]
            )
            for r in data["requests"]
        ),
        outcome=data["outcome"],
        violator=data["violator"],
        ruled_at=moment(data["ruled_at"]),
        appealed=data["appealed"],
        round=data["round"],
        penalty=data["penalty"],
    )
