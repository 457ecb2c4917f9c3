"""Checking ``case.*`` acts against the workflow before anything is written.

:class:`CaseBook` holds the states of the cases one admission transaction touches: read
from the ``cases`` projection, then advanced act by act, so that several steps of one
case in one batch are each checked against the state the previous ones left.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, select

from truce.acts.actor import Actor
from truce.acts.refusal import require_addressed
from truce.cases import rules as cases
from truce.cases import stored
from truce.cases.findings import Basis, require_shown
from truce.errors import RefusedActError
from truce.files.queries import given, not_given
from truce.ledger.envelope import SignedAct, stored_audience
from truce.log.audience import Reader
from truce.log.registry import Decided, StatesBook, checks
from truce.log.states import state_of
from truce.scenario.rules import Scenario
from truce.storage.models import Act, CaseAct, CaseRecord


def prior_violations(
    connection: Connection,
    scenario: Scenario,
    member: str,
    at: datetime,
    excluding: str,
) -> int:
    """Confirmed violations of ``member`` ruled within the penalty window before ``at``."""
    since = at - timedelta(days=scenario.penalties.window_days)
    rows = connection.execute(
        select(CaseRecord.ruled_at).where(
            CaseRecord.violator == member,
            CaseRecord.outcome == "violation_confirmed",
            CaseRecord.leaf_hash != excluding,
            CaseRecord.ruled_at.is_not(None),
        )
    ).scalars()
    return len([moment for moment in rows if moment is not None and since <= moment <= at])


#: An act admitted earlier in the batch: the leaf hash of its case, and the act.
_Admitted = tuple[str, Basis]


@checks("case.")
class CaseBook(StatesBook):
    """Case states for one transaction: the projection's, then as the batch advances them."""

    def __init__(self, connection: Connection, scenario: Scenario) -> None:
        self.connection = connection
        self.scenario = scenario
        self.states: dict[str, cases.Case] = {}
        #: The acts of cases admitted earlier in this batch, not yet in ``acts``: each
        #: with the leaf hash of its case.
        self.admitted: dict[str, _Admitted] = {}

    def save(self) -> object:
        """A copy of the states and of the acts admitted so far."""
        return dict(self.states), dict(self.admitted)

    def restore(self, saved: object) -> None:
        """The states and admitted acts of the copy :meth:`save` made."""
        states, admitted = cast("tuple[dict[str, cases.Case], dict[str, _Admitted]]", saved)
        self.states, self.admitted = dict(states), dict(admitted)

    def _get(self, leaf_hash: str) -> cases.Case:
        if leaf_hash not in self.states:
            self.states[leaf_hash] = state_of(
                self.connection, CaseRecord, leaf_hash, stored.from_json,
                opened_by="case.lodge", noun="a case",
            )  # fmt: skip
        return self.states[leaf_hash]

    def _check_files(self, refs: list[dict[str, Any]], actor: Actor) -> None:
        """Evidence may cite only files this server holds, as they are, and only files
        the actor's member has been given (uploaded, or seen cited in an act addressed
        to it): a file's SHA-256 alone must not make it readable to a new audience. A
        refusal tells nothing of a file the member was not given."""
        reader = Reader(actor.member, mediator=actor.kind == "mediator")
        for ref in refs:
            row = given(self.connection, reader, ref["sha256"])
            if row is None:
                raise RefusedActError(not_given(ref["sha256"]), field="body.files")
            if (row.media_type, int(row.size)) != (ref["media_type"], ref["size"]):
                raise RefusedActError(
                    f"file {ref['sha256']} is a {row.media_type} of {row.size} bytes, not a "
                    f"{ref['media_type']} of {ref['size']} bytes",
                    field="body.files",
                )

    def _basis(self, case_ref: str, refs: tuple[str, ...]) -> list[Basis]:
        """The acts of the case ``case_ref`` that ``refs`` name, as the rule of
        :func:`~truce.cases.findings.require_shown` reads them; refuse a reference to
        anything else (an act of another case, or none)."""
        wanted = set(refs)
        found = {
            row.leaf_hash: Basis(
                row.leaf_hash, row.kind, row.member, stored_audience(row.audience), row.idx
            )
            for row in self.connection.execute(
                select(Act.idx, Act.leaf_hash, Act.kind, Act.member, Act.audience)
                .join(CaseAct, CaseAct.idx == Act.idx)
                .join(CaseRecord, CaseRecord.id == CaseAct.case_id)
                .where(CaseRecord.leaf_hash == case_ref, Act.leaf_hash.in_(wanted))
            )
        }
        for ref in wanted - found.keys():
            if ref in self.admitted and self.admitted[ref][0] == case_ref:
                found[ref] = self.admitted[ref][1]
        for ref in refs:
            if ref not in found:
                raise RefusedActError(
                    f"refs names {ref}, which is not an act of this case", field="refs"
                )
        return [found[ref] for ref in refs]

    def check(self, act: SignedAct, actor: Actor, now: datetime) -> Decided:
        """Refuse the act (RefusedActError) unless the workflow allows it now; the
        states it leaves otherwise (the case's, and a counter-claim's)."""
        envelope = act.envelope
        body: dict[str, Any] = act.body
        own = envelope.leaf_hash().hex()
        if envelope.kind == "case.lodge":
            accused = body["accused"]["member"]
            require_addressed(envelope.audience, actor.member, accused, "an allegation")
            self.states[own] = cases.lodge(self.scenario, own, actor, body)
            return {own: self.states[own]}
        if not envelope.refs:
            raise RefusedActError(f"{envelope.kind} names its case in refs[0]", field="refs")
        case = self._get(envelope.refs[0])
        if envelope.kind == "case.request_info":
            require_addressed(
                envelope.audience, actor.member, body["to"], "a request for information"
            )
        if envelope.kind == "case.respond" and body["position"] == "counter_claim":
            counter = body["counter_case"]["accused"]["member"]
            require_addressed(envelope.audience, actor.member, counter, "a counter-claim")
        if envelope.kind == "case.evidence":
            self._check_files(body["files"], actor)
        if envelope.kind == "case.penalty":
            count = prior_violations(
                self.connection, self.scenario, body["member"], envelope.time, envelope.refs[0]
            )
            if body["prior_violations"] != count:
                raise RefusedActError(
                    f"{body['member']} has {count} earlier confirmed violations within "
                    f"{self.scenario.penalties.window_days} days, not {body['prior_violations']}",
                    field="body.prior_violations",
                )
        ref = envelope.refs[0]
        after = cases.step(self.scenario, case, envelope.kind, actor, body)
        if envelope.kind in ("case.finding", "case.rule"):
            basis = self._basis(ref, envelope.refs[1:])
            require_shown(self.scenario, envelope.kind, body, basis)
        self.states[ref] = after
        self.admitted[own] = (
            ref,
            Basis(own, envelope.kind, actor.member, envelope.audience),
        )
        if envelope.kind == "case.respond" and body["position"] == "counter_claim":
            self.states[own] = cases.lodge(self.scenario, own, actor, body["counter_case"])
            return {ref: self.states[ref], own: self.states[own]}
        return {ref: self.states[ref]}
