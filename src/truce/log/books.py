"""The workflow checks of admission: each concept's own, against the states of a batch.

Cases, attestations and requests for joint action are opened by one act and continued
by later ones; :class:`Books` holds their states for one admission transaction, read
from the projections and advanced act by act, so that acts about one of them in one
batch are each judged against the state the previous ones left. A crossing report
continues nothing and is judged on its own. Which concept checks an act is told by its
kind's prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from truce.cases.checks import CaseBook
from truce.cases.rules import Actor
from truce.compliance import checks as compliance_checks
from truce.crossings import checks as crossing_checks
from truce.joint import checks as joint_checks
from truce.ledger.envelope import SignedAct
from truce.scenario.rules import Scenario

#: Kinds checked here, by prefix.
PREFIXES = ("case.", compliance_checks.PREFIX, crossing_checks.PREFIX, joint_checks.PREFIX)


def is_checked(kind: str) -> bool:
    """Whether acts of ``kind`` are checked by :meth:`Books.check`."""
    return kind.startswith(PREFIXES)


@dataclass(frozen=True, slots=True)
class Saved:
    """The states a batch has advanced, kept to undo a refused act's check."""

    cases: dict[str, Any]
    attestations: dict[str, Any]
    requests: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Books:
    """The workflow states one transaction reads and advances, by concept."""

    cases: CaseBook
    attestations: compliance_checks.AttestationBook
    requests: joint_checks.RequestBook

    @classmethod
    def open(cls, connection: Connection, scenario: Scenario) -> Books:
        """Empty books: each state is read from its projection when first needed."""
        return cls(
            CaseBook(connection, scenario),
            compliance_checks.AttestationBook(connection, scenario),
            joint_checks.RequestBook(connection, scenario),
        )

    def save(self) -> Saved:
        """The states as they are now."""
        return Saved(
            dict(self.cases.states), dict(self.attestations.states), dict(self.requests.states)
        )

    def restore(self, saved: Saved) -> None:
        """Put back the states :meth:`save` kept."""
        self.cases.states = dict(saved.cases)
        self.attestations.states = dict(saved.attestations)
        self.requests.states = dict(saved.requests)

    def check(self, scenario: Scenario, act: SignedAct, now: datetime) -> None:
        """Refuse the act (RefusedActError) unless its concept's rules allow it now."""
        envelope = act.envelope
        member = scenario.member(envelope.member)
        member_kind = member.kind if member is not None else "unknown"
        if envelope.kind.startswith("case."):
            self.cases.check(act, member_kind)
            return
        actor = Actor(member=envelope.member, kind=member_kind, at=envelope.time)
        if envelope.kind.startswith(compliance_checks.PREFIX):
            self.attestations.check(act, actor)
        elif envelope.kind.startswith(crossing_checks.PREFIX):
            crossing_checks.check(scenario, act, actor, now)
        elif envelope.kind.startswith(joint_checks.PREFIX):
            self.requests.check(act, actor)
