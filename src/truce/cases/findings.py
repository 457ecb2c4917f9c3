"""Findings and rulings: how the mediators decide a case, and what ends a split.

Each mediator records one finding per round, with its reasons. A ruling needs the
scenario's quorum of concurring findings (``ruling_quorum``: every mediator, a
majority, or a number); every finding, the dissent included, stays in the log with its
reasons. When every mediator has found and no ruling has the quorum, the case is
split:

- any mediator may open a new round (``case.new_round``), in which each mediator
  records its finding again and may revise it; each round's findings stay on record;
- after ``rounds_before_referral`` split rounds, or once the investigation has run
  ``investigation_days`` without a ruling, a mediator (or the secretariat, for the
  lapsed deadline) refers the case to the principals (``case.refer``). A referred
  case is not a ruling either way: it counts as referred in compliance and reports.

A finding or a ruling may name the acts of the case it rests on (``refs[1:]``, leaf
hashes, public in the log like every envelope). A confirmed violation may not rest on an
act its violator was not shown (:func:`require_shown`): no party is judged on what it
could not answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from truce.acts.actor import Actor
from truce.acts.refusal import require
from truce.cases.state import Case, Finding, Outcome, when
from truce.ledger.envelope import Audience, audience_includes
from truce.scenario.rules import Scenario


def may_find(scenario: Scenario, case: Case, actor: Actor) -> None:
    require(actor.kind == "mediator", "only a mediator records a finding")
    require(case.status == "under_investigation", f"case {case.id} is {case.status}")
    require(
        actor.member not in case.findings,
        f"{actor.member} has already recorded its finding in round {case.round}",
    )


def find(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    finding = _read_finding(actor.member, case, body)
    return replace(case, findings={**case.findings, actor.member: finding})


def _read_finding(member: str, case: Case, body: Mapping[str, Any]) -> Finding:
    outcome: Outcome = body["outcome"]
    violator = body.get("violator")
    if outcome == "violation_confirmed":
        require(
            violator in (case.lodged_by, case.accused),
            "a confirmed violation names the violator: a party to the case",
            "body.violator",
        )
        require(
            bool(body.get("clauses")), "a confirmed violation names its clauses", "body.clauses"
        )
    else:
        require(violator is None, f"{outcome} names no violator", "body.violator")
    return Finding(
        member=member,
        outcome=outcome,
        violator=violator,
        clauses=tuple(body.get("clauses") or ()),
        reasons=body["reasons"],
    )


def may_rule(scenario: Scenario, case: Case, actor: Actor) -> None:
    require(actor.kind == "mediator", "only a mediator records the ruling")
    require(case.status == "under_investigation", f"case {case.id} is {case.status}")


def _agreeing(case: Case, ruling: Finding) -> list[Finding]:
    """The current findings that match ``ruling`` (outcome, violator, set of clauses)."""
    return [
        f
        for f in case.findings.values()
        if (f.outcome, f.violator, set(f.clauses))
        == (ruling.outcome, ruling.violator, set(ruling.clauses))
    ]


def rulings(scenario: Scenario, case: Case) -> list[dict[str, Any]]:
    """The rulings the quorum of concurring findings supports now, in the order the
    findings were recorded: each as the body fields ``outcome``, ``violator`` and
    ``clauses`` (sorted) a ``case.rule`` must carry."""
    found: list[dict[str, Any]] = []
    for finding in case.findings.values():
        ruling = {
            "outcome": finding.outcome,
            "violator": finding.violator,
            "clauses": sorted(finding.clauses),
        }
        if ruling not in found and len(_agreeing(case, finding)) >= scenario.ruling_threshold:
            found.append(ruling)
    return found


def rule(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    ruling = _read_finding(actor.member, case, body)
    agreeing = _agreeing(case, ruling)
    quorum = scenario.ruling_threshold
    require(
        len(agreeing) >= quorum,
        f"the ruling needs {quorum} concurring findings; {len(agreeing)} of the "
        f"{len(case.findings)} recorded agree with it",
    )
    return replace(
        case, status="ruled", outcome=ruling.outcome, violator=ruling.violator, ruled_at=actor.at
    )


def investigation_deadline(scenario: Scenario, case: Case) -> datetime | None:
    """When the investigation of the current round of rulings lapses, if it is open."""
    if case.status != "under_investigation" or case.investigating_since is None:
        return None
    return case.investigating_since + timedelta(days=scenario.procedure.investigation_days)


def is_split(scenario: Scenario, case: Case) -> bool:
    """Every mediator has recorded a finding this round, and no ruling has the quorum."""
    mediators = {member.code for member in scenario.mediators}
    return (
        case.status == "under_investigation"
        and mediators <= set(case.findings)
        and not rulings(scenario, case)
    )


def may_open_round(scenario: Scenario, case: Case, actor: Actor) -> None:
    """A mediator opens a new round only on a split."""
    require(actor.kind == "mediator", "only a mediator opens a new round of findings")
    require(case.status == "under_investigation", f"case {case.id} is {case.status}")
    require(
        is_split(scenario, case),
        "a new round follows a split: every mediator has found and no ruling has the quorum",
    )


def open_round(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    """The findings of the round are kept in the log; the new round starts empty."""
    return replace(case, round=case.round + 1, findings={}, split_rounds=case.split_rounds + 1)


def may_refer(scenario: Scenario, case: Case, actor: Actor) -> None:
    """A mediator refers a deadlocked case; the secretariat only one whose investigation
    has lapsed."""
    require(
        actor.kind in ("mediator", "secretariat"),
        "a mediator, or the secretariat once the investigation has lapsed, refers a case",
    )
    require(case.status == "under_investigation", f"case {case.id} is {case.status}")
    deadline = investigation_deadline(scenario, case)
    lapsed = deadline is not None and actor.at > deadline
    rounds = scenario.procedure.rounds_before_referral
    deadlocked = is_split(scenario, case) and case.split_rounds + 1 >= rounds
    require(
        lapsed or (deadlocked and actor.kind == "mediator"),
        f"a case is referred after {rounds} split rounds of findings, or once the "
        f"investigation lapses at {when(deadline)}",
    )


def refer(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    """The case goes to the principals, undecided."""
    return replace(case, status="referred")


@dataclass(frozen=True, slots=True)
class Basis:
    """An act of the case that a finding or a ruling names as resting on: what the rule
    must know of it (its envelope, public in the log), never its body."""

    leaf_hash: str
    kind: str
    #: The member that signed it.
    author: str
    audience: Audience
    #: Its log index; None for an act admitted earlier in the same batch.
    index: int | None = None


def _addressed_to(scenario: Scenario, audience: Audience) -> str:
    """An audience in words, for a refusal."""
    if audience == "all":
        return "all members"
    if audience == "public":
        return "the public"
    if audience == "mediators":
        return "the mediators"
    names = []
    for code in audience:
        member = scenario.member(code)
        names.append(member.name if member is not None else code)
    return " and ".join(names)


def require_shown(
    scenario: Scenario, kind: str, body: Mapping[str, Any], basis: Sequence[Basis]
) -> None:
    """Refuse a confirmed violation (``body``) that rests on an act of ``basis`` its
    violator may not read: the violator must have been able to answer everything a
    finding or a ruling against it relies on. Other outcomes judge nobody."""
    violator = body.get("violator")
    if body.get("outcome") != "violation_confirmed" or violator is None:
        return
    member = scenario.member(violator)
    name = member.name if member is not None else violator
    mediator = member is not None and member.kind == "mediator"
    noun = "a ruling" if kind == "case.rule" else "a finding"
    for act in basis:
        where = f"entry {act.index}" if act.index is not None else f"act {act.leaf_hash[:16]}"
        require(
            audience_includes(act.audience, act.author, violator, mediator),
            f"{noun} against {name} may not rest on an annex {name} was not shown: {where} "
            f"({act.kind}) is addressed to {_addressed_to(scenario, act.audience)}",
            "refs",
        )
