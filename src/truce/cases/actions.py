"""Which act forms a case page offers the viewer, asked of the workflow itself.

A form is offered for each step :func:`truce.cases.rules.next_steps` lists as allowed:
the viewer's role may sign it (:data:`truce.verify.registry.PERMISSIONS`) and the workflow
accepts it now from the viewer's member, through the same guards the admission service
applies, so a page never offers what admission would refuse for the case's state, the
deadlines or the member. (Admission also checks the delegate's key; the browser
registers it before it signs anything.) Where the workflow accepts only one body (the
penalty the schedule gives, a ruling that matches concurring findings), the offer
carries it as the form's preset values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truce.cases import rules as cases
from truce.scenario.rules import Scenario
from truce.verify.registry import PERMISSIONS

#: The steps of a case after its lodging, in the order a page lists their forms.
CASE_STEPS: tuple[str, ...] = cases.CASE_STEPS


@dataclass(frozen=True, slots=True)
class Offer:
    """An act form to show: its kind and the values it starts with."""

    kind: str
    preset: dict[str, Any] = field(default_factory=dict)


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
    window, as admission counts them; it is asked only where a penalty may be recorded.
    """
    counted = None
    if case.status == "ruled" and case.violator is not None and role in PERMISSIONS["case.penalty"]:
        counted = prior(case.violator)
    shown: list[Offer] = []
    for found in cases.next_steps(scenario, case, member, role, now, violator_prior=counted):
        if found.allowed and all(offer.kind != found.kind for offer in shown):
            shown.append(Offer(found.kind, dict(found.preset)))
    return shown


#: Which offer a case page opens first: the step that moves the case on.
PRIORITY: tuple[str, ...] = (
    "case.respond",
    "case.investigate",
    "case.provide_info",
    "case.finding",
    "case.rule",
    "case.new_round",
    "case.refer",
    "case.penalty",
    "case.close",
    "case.appeal",
    "case.waive_appeal",
    "case.request_info",
    "case.extend",
    "case.withdraw",
    "case.evidence",
    "case.lapse",
)


def chosen(found: list[Offer], kind: str | None) -> Offer | None:
    """The offer named by ``kind`` if there is one, else the most pressing."""
    for offer in found:
        if offer.kind == kind:
            return offer
    ranked = sorted(found, key=lambda offer: PRIORITY.index(offer.kind))
    return ranked[0] if ranked else None
