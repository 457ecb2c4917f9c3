"""What follows a ruling: the right of appeal, its waiver, and the penalty.

A ruling binds only once it is final, and a penalty falls only on a final ruling:

- the appeal window (the scenario's ``appeal_window_days`` from the ruling) has closed
  with no appeal; or
- the ruling was appealed and the mediators have ruled again (one appeal per case);
- or every party to the case has waived its appeal by a signed ``case.waive_appeal``.

Until then the party ruled against may appeal, and nobody may record the penalty or
close the case: a penalty can never take away the right of appeal. The penalty is the
step of the scenario's schedule for the violator's count of confirmed violations within
the penalty window; the caller counts the earlier ones (they need the whole log) and
the act states the count, which admission checks against its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from truce.acts.actor import Actor
from truce.acts.refusal import require
from truce.cases.state import Case, when
from truce.errors import RefusedActError
from truce.scenario.rules import Scenario


def is_final(scenario: Scenario, case: Case, at: datetime) -> bool:
    """Whether the case's ruling can no longer be appealed at ``at``."""
    if case.status != "ruled":
        return case.status in ("penalised", "closed")
    deadline = case.appeal_deadline(scenario)
    parties = {case.lodged_by, case.accused}
    return case.appealed or parties <= set(case.waived) or (deadline is not None and at > deadline)


def _appeal_open(scenario: Scenario, case: Case, actor: Actor) -> None:
    require(actor.member in (case.lodged_by, case.accused), "only a party to the case appeals")
    require(
        case.status == "ruled", f"case {case.id} is {case.status}: there is no ruling to appeal"
    )
    require(not case.appealed, "the ruling was already appealed once")
    require(actor.member not in case.waived, f"{actor.member} has waived its appeal")
    deadline = case.appeal_deadline(scenario)
    require(
        deadline is not None and actor.at <= deadline,
        f"the appeal window closed at {when(deadline)}",
        "at",
    )


def may_appeal(scenario: Scenario, case: Case, actor: Actor) -> None:
    """A party to the case appeals a ruling once, within the window, unless it waived."""
    _appeal_open(scenario, case, actor)


def appeal(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    """The case goes back to the mediators for a new round of findings."""
    return replace(
        case,
        status="under_investigation",
        appealed=True,
        round=case.round + 1,
        findings={},
        outcome=None,
        violator=None,
        ruled_at=None,
        waived=(),
        split_rounds=0,
        investigating_since=actor.at,
    )


def may_waive(scenario: Scenario, case: Case, actor: Actor) -> None:
    """A party may give up its appeal for as long as it could appeal."""
    _appeal_open(scenario, case, actor)


def waive(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    """The party's waiver is kept; once both parties have waived, the ruling is final."""
    return replace(case, waived=(*case.waived, actor.member))


def penalty_for(scenario: Scenario, prior_confirmed: int) -> str:
    """The schedule's step for a member with ``prior_confirmed`` earlier violations."""
    step = scenario.penalty_step(prior_confirmed + 1)
    if step is None:
        raise RefusedActError(
            "the penalty schedule has no step for a first violation", field="kind"
        )
    return step.id


def may_penalise(scenario: Scenario, case: Case, actor: Actor) -> None:
    """A mediator records the penalty of a confirmed violation once the ruling is final."""
    require(actor.kind == "mediator", "only a mediator records the penalty")
    require(case.status == "ruled", f"case {case.id} is {case.status}")
    require(case.outcome == "violation_confirmed", "no violation was confirmed")
    deadline = case.appeal_deadline(scenario)
    require(
        is_final(scenario, case, actor.at),
        f"the ruling may still be appealed until {when(deadline)}: "
        "a penalty follows the appeal window, the appeal's decision, or both parties' waivers",
        "at",
    )


def penalise(scenario: Scenario, case: Case, actor: Actor, body: Mapping[str, Any]) -> Case:
    """The schedule's step for the violator, as the act names it."""
    require(body["member"] == case.violator, f"the violator is {case.violator}", "body.member")
    expected = penalty_for(scenario, int(body["prior_violations"]))
    require(
        body["step"] == expected,
        f"the schedule gives {expected} for violation number {int(body['prior_violations']) + 1}",
        "body.step",
    )
    return replace(case, status="penalised", penalty=body["step"])
