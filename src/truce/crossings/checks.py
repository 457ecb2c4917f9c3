"""Checking ``crossing.*`` acts before anything is written.

A crossing report opens nothing that a later act continues, so it is checked on its own
against the scenario and the server's clock; no state is kept across a batch.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from truce.cases.rules import Actor
from truce.crossings import rules as crossings
from truce.errors import RefusedActError
from truce.ledger.envelope import SignedAct, format_time, parse_time
from truce.scenario.rules import Scenario

PREFIX = "crossing."


def check(scenario: Scenario, act: SignedAct, actor: Actor, now: datetime) -> None:
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
