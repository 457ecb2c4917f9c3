"""Checking ``joint.*`` acts before anything is written.

:class:`RequestBook` holds the requests for joint action one admission transaction
touches: read from their projection, then advanced act by act, so a request and its
report in one batch are each checked against the state the previous ones left (as
:class:`truce.cases.checks.CaseBook` does for cases).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from truce.acts.actor import Actor
from truce.acts.refusal import require_addressed
from truce.errors import RefusedActError
from truce.joint import rules as joint
from truce.ledger.envelope import SignedAct
from truce.log.registry import Decided, StatesBook, checks
from truce.log.states import first_ref, state_of
from truce.scenario.rules import Scenario
from truce.storage.models import JointRequestRecord

PREFIX = "joint."


@checks(PREFIX)
class RequestBook(StatesBook):
    """Request states for one transaction, as the batch advances them."""

    def __init__(self, connection: Connection, scenario: Scenario) -> None:
        self.connection = connection
        self.scenario = scenario
        self.states: dict[str, joint.Request] = {}

    def check(self, act: SignedAct, actor: Actor, now: datetime) -> Decided:
        """Refuse the act (RefusedActError) unless its rules allow it now; the
        request's new state otherwise."""
        envelope = act.envelope
        body: dict[str, Any] = act.body
        if envelope.kind == "joint.request":
            require_addressed(
                envelope.audience, actor.member, body["to"], "a request for joint action"
            )
            own = envelope.leaf_hash().hex()
            self.states[own] = joint.request(self.scenario, own, actor, body)
            return {own: self.states[own]}
        elif envelope.kind == "joint.report":
            ref = first_ref(act, "the joint.request act")
            self.states[ref] = joint.report(self.scenario, self._request(ref), actor, body)
            return {ref: self.states[ref]}
        elif envelope.kind == "joint.extend":
            ref = first_ref(act, "the joint.request act")
            found = self._request(ref)
            require_addressed(envelope.audience, actor.member, found.to, "leave to report late")
            self.states[ref] = joint.extend(self.scenario, found, actor, body)
            return {ref: self.states[ref]}
        raise RefusedActError(f"{envelope.kind} is not a joint-action act", field="kind")

    def _request(self, leaf_hash: str) -> joint.Request:
        if leaf_hash not in self.states:
            self.states[leaf_hash] = state_of(
                self.connection, JointRequestRecord, leaf_hash, joint.from_json,
                opened_by="joint.request", noun="a request for joint action",
            )  # fmt: skip
        return self.states[leaf_hash]
