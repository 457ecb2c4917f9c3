"""Checking ``compliance.*`` acts before anything is written.

:class:`AttestationBook` holds the attestations one admission transaction touches: read
from their projection, then advanced act by act, so several acts about one attestation
in one batch are each checked against the state the previous ones left (as
:class:`truce.cases.checks.CaseBook` does for cases).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from truce.acts.actor import Actor
from truce.acts.refusal import require_addressed
from truce.compliance import rules as compliance
from truce.errors import RefusedActError
from truce.ledger.envelope import SignedAct, parse_time
from truce.log.registry import Decided, StatesBook, checks
from truce.log.states import first_ref, state_of
from truce.scenario.rules import Scenario
from truce.storage.models import AttestationRecord

PREFIX = "compliance."


@checks(PREFIX)
class AttestationBook(StatesBook):
    """Attestation states for one transaction, as the batch advances them."""

    def __init__(self, connection: Connection, scenario: Scenario) -> None:
        self.connection = connection
        self.scenario = scenario
        self.states: dict[str, compliance.Attestation] = {}

    def check(self, act: SignedAct, actor: Actor, now: datetime) -> Decided:
        """Refuse the act (RefusedActError) unless its rules allow it now; the
        attestation's new state otherwise."""
        envelope = act.envelope
        body: dict[str, Any] = act.body
        if envelope.kind == "compliance.attest":
            own = envelope.leaf_hash().hex()
            taken_at = parse_time(body["taken_at"], field="body.taken_at")
            self.states[own] = compliance.attest(self.scenario, own, actor, body, taken_at)
            return {own: self.states[own]}
        elif envelope.kind == "compliance.review":
            ref = first_ref(act, "the attestation's compliance.attest act")
            found = self._attestation(ref)
            require_addressed(
                envelope.audience,
                actor.member,
                found.member,
                f"a review of {found.member}'s attestation",
            )
            self.states[ref] = compliance.review(self.scenario, found, actor, body)
            return {ref: self.states[ref]}
        raise RefusedActError(f"{envelope.kind} is not a compliance act", field="kind")

    def _attestation(self, leaf_hash: str) -> compliance.Attestation:
        if leaf_hash not in self.states:
            self.states[leaf_hash] = state_of(
                self.connection, AttestationRecord, leaf_hash, compliance.from_json,
                opened_by="compliance.attest", noun="an attestation",
            )  # fmt: skip
        return self.states[leaf_hash]
