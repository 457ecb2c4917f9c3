"""Checking compliance, crossing and joint-action acts before anything is written.

:class:`MonitoringBook` holds the attestations and joint requests one admission
transaction touches: read from their projections, then advanced act by act, so several
acts about one attestation or request in one batch are each checked against the state
the previous ones left (as :class:`truce.cases.checks.CaseBook` does for cases).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from truce.cases.rules import Actor
from truce.compliance import rules as compliance
from truce.crossings import rules as crossings
from truce.errors import RefusedActError
from truce.joint import rules as joint
from truce.ledger.envelope import SignedAct, format_time, parse_time
from truce.log.states import state_of
from truce.scenario.rules import Scenario
from truce.storage.models import AttestationRecord, JointRequestRecord

PREFIXES = ("compliance.", "crossing.", "joint.")


def is_monitoring(kind: str) -> bool:
    """Whether ``kind`` is checked by :class:`MonitoringBook`."""
    return kind.startswith(PREFIXES)


class MonitoringBook:
    """Attestation and request states for one transaction, as the batch advances them."""

    def __init__(self, connection: Connection, scenario: Scenario) -> None:
        self.connection = connection
        self.scenario = scenario
        self.attestations: dict[str, compliance.Attestation] = {}
        self.requests: dict[str, joint.Request] = {}

    def check(self, act: SignedAct, member_kind: str, now: datetime) -> None:
        """Refuse the act (RefusedActError) unless its rules allow it now."""
        envelope = act.envelope
        body: dict[str, Any] = act.body
        actor = Actor(member=envelope.member, kind=member_kind, at=envelope.time)
        own = envelope.leaf_hash().hex()
        kind = envelope.kind
        if kind == "compliance.attest":
            taken_at = parse_time(body["taken_at"], field="body.taken_at")
            self.attestations[own] = compliance.attest(self.scenario, own, actor, body, taken_at)
        elif kind == "compliance.review":
            ref = self._ref(act, "the attestation's compliance.attest act")
            found = self._attestation(ref)
            self.attestations[ref] = compliance.review(self.scenario, found, actor, body)
        elif kind == "crossing.status":
            effective_at = parse_time(body["effective_at"], field="body.effective_at")
            skew = timedelta(seconds=self.scenario.procedure.max_clock_skew_seconds)
            if effective_at > now + skew:
                raise RefusedActError(
                    f"effective_at {body['effective_at']} is in the future (the server's "
                    f"time is {format_time(now)})",
                    field="body.effective_at",
                )
            crossings.check_report(self.scenario, actor, body, effective_at)
        elif kind == "joint.request":
            self.requests[own] = joint.request(self.scenario, own, actor, body)
        elif kind == "joint.report":
            ref = self._ref(act, "the joint.request act")
            self.requests[ref] = joint.report(self.scenario, self._request(ref), actor, body)
        else:
            raise RefusedActError(f"{kind} is not a monitoring act", field="kind")

    @staticmethod
    def _ref(act: SignedAct, what: str) -> str:
        if not act.envelope.refs:
            raise RefusedActError(
                f"{act.envelope.kind} names {what} in refs[0]: its leaf hash", field="refs"
            )
        return act.envelope.refs[0]

    def _attestation(self, leaf_hash: str) -> compliance.Attestation:
        if leaf_hash not in self.attestations:
            self.attestations[leaf_hash] = state_of(
                self.connection, AttestationRecord, leaf_hash, compliance.from_json,
                opened_by="compliance.attest", noun="an attestation",
            )  # fmt: skip
        return self.attestations[leaf_hash]

    def _request(self, leaf_hash: str) -> joint.Request:
        if leaf_hash not in self.requests:
            self.requests[leaf_hash] = state_of(
                self.connection, JointRequestRecord, leaf_hash, joint.from_json,
                opened_by="joint.request", noun="a request for joint action",
            )  # fmt: skip
        return self.requests[leaf_hash]
