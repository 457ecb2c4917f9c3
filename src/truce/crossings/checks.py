"""Checking ``crossing.*`` acts before anything is written.

A crossing report opens nothing that a later act continues, so it is checked on its own
against the scenario and the server's clock; no state is kept across a batch.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from truce.acts.actor import Actor
from truce.crossings import rules as crossings
from truce.errors import RefusedActError
from truce.ledger.envelope import SignedAct, format_time, parse_time
from truce.log.registry import NOTHING_DECIDED, Decided, checks
from truce.scenario.rules import Scenario

PREFIX = "crossing."


def check_report(scenario: Scenario, act: SignedAct, actor: Actor, now: datetime) -> None:
    """Refuse the act (RefusedActError) unless its rules allow it at ``now``: a report
    takes effect no later than the server's time (with the scenario's clock skew)."""
    kind = act.envelope.kind
    if kind != "crossing.status":
        raise RefusedActError(f"{kind} is not a crossing act", field="kind")
    body: dict[str, Any] = act.body
    effective_at = parse_time(body["effective_at"], field="body.effective_at")
    skew = timedelta(seconds=scenario.procedure.max_clock_skew_seconds)
    if effective_at > now + skew:
        raise RefusedActError(
            f"effective_at {body['effective_at']} is in the future (the server's "
            f"time is {format_time(now)})",
            field="body.effective_at",
        )
    crossings.check_report(scenario, actor, body, effective_at)


@checks(PREFIX)
class CrossingBook:
    """Crossing reports continue nothing: the book keeps no state across a batch."""

    def __init__(self, connection: Connection, scenario: Scenario) -> None:
        self.scenario = scenario

    def check(self, act: SignedAct, actor: Actor, now: datetime) -> Decided:
        """:func:`check_report`; a report leaves no state."""
        check_report(self.scenario, act, actor, now)
        return NOTHING_DECIDED

    def save(self) -> object:
        """Nothing to keep."""
        return None

    def restore(self, saved: object) -> None:
        """Nothing to put back."""
