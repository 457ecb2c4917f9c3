"""Where a case stands, in words that are true: what it waits for, from whom, until when.

The workflow's status says which acts may follow; it does not say, for a delegate, what
is happening. A case "awaiting response" may have been answered (it then awaits the
mediators' investigation), may have no response by a deadline the clock recorded as
passed, or may have its response clock stopped while the lodging member is asked for
information. :func:`situation` names each of these, for lists, case pages, the API and
the CLI alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from truce.cases import findings, penalty
from truce.cases.state import Case
from truce.scenario.rules import Scenario

Code = Literal[
    "awaiting_response",
    "response_overdue",
    "no_response",
    "information_from_lodger",
    "responded",
    "information_requested",
    "under_investigation",
    "findings_split",
    "ruling_ready",
    "appeal_open",
    "ruling_final",
    "penalised",
    "closed",
    "withdrawn",
    "referred",
]
CODES: tuple[Code, ...] = get_args(Code)


@dataclass(frozen=True, slots=True)
class Situation:
    """What the case waits for (``code``), from which member, until when."""

    code: Code
    member: str | None = None
    due: datetime | None = None


def situation(scenario: Scenario, case: Case, now: datetime) -> Situation:
    """Where ``case`` stands at ``now``; see the module docstring."""
    if case.status == "awaiting_response":
        return _awaiting(scenario, case, now)
    if case.status == "under_investigation":
        asked = [r for r in case.requests if r.open]
        if asked:
            return Situation("information_requested", asked[0].to, asked[0].deadline)
        if findings.rulings(scenario, case):
            return Situation("ruling_ready")
        if findings.is_split(scenario, case):
            return Situation("findings_split")
        return Situation("under_investigation")
    if case.status == "ruled":
        if penalty.is_final(scenario, case, now) or "appeal" in case.lapsed:
            return Situation("ruling_final")
        return Situation("appeal_open", None, case.appeal_deadline(scenario))
    return Situation(case.status)


def _awaiting(scenario: Scenario, case: Case, now: datetime) -> Situation:
    if case.response is not None:
        return Situation("responded", case.accused)
    pausing = case.pausing_request(scenario)
    if pausing is not None:
        return Situation("information_from_lodger", pausing.to, pausing.deadline)
    if "response" in case.lapsed:
        return Situation("no_response", case.accused, case.response_deadline)
    if now > case.response_deadline:
        return Situation("response_overdue", case.accused, case.response_deadline)
    return Situation("awaiting_response", case.accused, case.response_deadline)
