"""Which act forms a case page offers the viewer, asked of the workflow itself.

A form is offered for a kind only if the viewer's role may sign it
(:data:`truce.acts.bodies.PERMISSIONS`) and :func:`truce.cases.rules.step` accepts it
now from the viewer's member, for a body the form can send: the same function the
admission service calls, so a page never offers what admission would refuse for the
case's state, the deadlines or the member. (Admission also checks the delegate's key;
the browser registers it before it signs anything.) Where the workflow accepts only one
body (the penalty the schedule gives, a ruling that matches concurring findings), the
offer carries it as the form's preset values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truce.acts.bodies import PERMISSIONS
from truce.cases import rules as cases
from truce.errors import RefusedActError
from truce.scenario.rules import Scenario

#: The steps of a case after its lodging, in the order a page lists their forms.
CASE_STEPS: tuple[str, ...] = (
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
class Offer:
    """An act form to show: its kind and the values it starts with."""

    kind: str
    preset: dict[str, Any] = field(default_factory=dict)


def _bodies(
    kind: str, case: cases.Case, scenario: Scenario, prior: Callable[[str], int]
) -> Iterator[dict[str, Any]]:
    """Bodies a form for ``kind`` could send, the likeliest first."""
    text = {"statement": "-", "language": "en"}
    if kind == "case.respond":
        yield {"position": "deny", **text}
    elif kind == "case.evidence":
        yield {"files": [], "description": "-", "language": "en"}
    elif kind == "case.request_info":
        yield {"to": case.lodged_by, "questions": "-", "language": "en"}
    elif kind == "case.finding":
        yield {"outcome": "inconclusive", "reasons": "-", "language": "en"}
    elif kind == "case.rule":
        seen: set[tuple[Any, ...]] = set()
        for found in case.findings.values():
            key = (found.outcome, found.violator, tuple(sorted(found.clauses)))
            if key not in seen:
                seen.add(key)
                yield {
                    "outcome": found.outcome,
                    "violator": found.violator,
                    "clauses": list(key[2]),
                    "reasons": "-",
                    "language": "en",
                }
    elif kind == "case.penalty":
        if case.violator is not None:
            count = prior(case.violator)
            try:
                step = cases.penalty_for(scenario, count)
            except RefusedActError:
                return
            yield {"member": case.violator, "step": step, "prior_violations": count}
    elif kind in ("case.provide_info", "case.appeal"):
        yield dict(text)
    else:
        yield {}


#: Preset values a form keeps from the body the workflow accepted.
_PRESETS: dict[str, tuple[str, ...]] = {
    "case.rule": ("outcome", "violator", "clauses"),
    "case.penalty": ("member", "step", "prior_violations"),
}


def offers(
    scenario: Scenario,
    case: cases.Case,
    member: str,
    role: str,
    now: datetime,
    prior: Callable[[str], int],
) -> list[Offer]:
    """The act forms a delegate of ``member`` with ``role`` may use on ``case`` at ``now``.

    ``prior(member)`` counts a member's earlier confirmed violations within the penalty
    window, as admission counts them.
    """
    found = scenario.member(member)
    if found is None:
        return []
    actor = cases.Actor(member=member, kind=found.kind, at=now)
    shown: list[Offer] = []
    for kind in CASE_STEPS:
        if role not in PERMISSIONS[kind]:
            continue
        for body in _bodies(kind, case, scenario, prior):
            try:
                cases.step(scenario, case, kind, actor, body)
            except RefusedActError:
                continue
            keep = _PRESETS.get(kind, ())
            shown.append(Offer(kind, {name: body[name] for name in keep}))
            break
    return shown


#: Which offer a case page opens first: the step that moves the case on.
PRIORITY: tuple[str, ...] = (
    "case.respond",
    "case.investigate",
    "case.provide_info",
    "case.finding",
    "case.rule",
    "case.penalty",
    "case.close",
    "case.appeal",
    "case.request_info",
    "case.withdraw",
    "case.evidence",
)


def chosen(found: list[Offer], kind: str | None) -> Offer | None:
    """The offer named by ``kind`` if there is one, else the most pressing."""
    for offer in found:
        if offer.kind == kind:
            return offer
    ranked = sorted(found, key=lambda offer: PRIORITY.index(offer.kind))
    return ranked[0] if ranked else None


def may_lodge(scenario: Scenario, member: str, role: str) -> bool:
    """Whether a delegate of ``member`` with ``role`` may lodge an allegation."""
    found = scenario.member(member)
    return (
        found is not None
        and found.kind == "party"
        and role in PERMISSIONS["case.lodge"]
        and len(scenario.parties) > 1
    )
