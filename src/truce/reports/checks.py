"""Checking ``report.*`` acts before anything is written.

:class:`ReportBook` holds the reports one admission transaction touches: read from
their projection, then advanced act by act, so a report and its approvals in one batch
are each checked against the state the previous ones left (as
:class:`truce.joint.checks.RequestBook` does for requests).

A ``report.publish`` may name only PDFs this server holds, given to the publishing
member (it uploaded them), each a PDF of the stated size whose embedded data
(:data:`truce.reports.embedded.ATTACHMENT`) has the stated ``data_sha256``: approvers
then read exactly what they approve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from truce.acts.actor import Actor
from truce.errors import RefusedActError, ReportFileError
from truce.files.queries import given, not_given
from truce.ledger.envelope import Audience, SignedAct
from truce.log.audience import Reader
from truce.log.registry import Decided, StatesBook, checks
from truce.log.states import first_ref, state_of
from truce.reports import approval as reports
from truce.reports import embedded
from truce.scenario.rules import Scenario
from truce.storage.models_reports import ReportRecord

PREFIX = "report."


def audiences(scenario: Scenario) -> tuple[str, ...]:
    """The audiences a report act may have: ``all``, the common record every member
    reads. The scenario's publication policy adds ``public`` here where it lets reports
    be published to everyone."""
    return ("all",)


def _addressed(scenario: Scenario, audience: Audience, kind: str) -> None:
    allowed = audiences(scenario)
    if not isinstance(audience, str) or audience not in allowed:
        raise RefusedActError(
            f"a {kind} act is addressed to {' or '.join(repr(a) for a in allowed)}: a report "
            "goes to every member",
            field="audience",
        )


@checks(PREFIX)
class ReportBook(StatesBook):
    """Report states for one transaction, as the batch advances them."""

    def __init__(self, connection: Connection, scenario: Scenario) -> None:
        self.connection = connection
        self.scenario = scenario
        self.states: dict[str, reports.Report] = {}

    def check(self, act: SignedAct, actor: Actor, now: datetime) -> Decided:
        """Refuse the act (RefusedActError) unless its rules allow it now; the report's
        new state otherwise."""
        envelope = act.envelope
        kind = envelope.kind
        if kind not in reports.REPORT_KINDS:
            raise RefusedActError(f"{kind} is not a report act", field="kind")
        _addressed(self.scenario, envelope.audience, kind)
        own = envelope.leaf_hash().hex()
        if kind == "report.publish":
            found = reports.publish(reports.policy_of(self.scenario), own, actor)
            self._check_pdfs(act.body, actor)
            self.states[own] = found
            return {own: found}
        ref = first_ref(act, "the report.publish act")
        step = reports.approve if kind == "report.approve" else reports.withdraw
        self.states[ref] = step(self._report(ref), actor, own)
        return {ref: self.states[ref]}

    def _check_pdfs(self, body: dict[str, Any], actor: Actor) -> None:
        """Each PDF is held, given to the publisher, as described, and embeds the data
        whose digest the body states."""
        reader = Reader(actor.member, mediator=actor.kind == "mediator")
        for pdf in body["pdfs"]:
            row = given(self.connection, reader, pdf["sha256"])
            if row is None:
                raise RefusedActError(not_given(pdf["sha256"]), field="body.pdfs")
            if (row.media_type, int(row.size)) != ("application/pdf", pdf["size"]):
                raise RefusedActError(
                    f"file {pdf['sha256']} is a {row.media_type} of {row.size} bytes, not a "
                    f"PDF of {pdf['size']} bytes",
                    field="body.pdfs",
                )
            try:
                data = embedded.read_data(bytes(row.content))
            except ReportFileError as exc:
                raise RefusedActError(
                    f"the {pdf['language']} PDF: {exc.message}", field="body.pdfs"
                ) from exc
            if embedded.sha256_hex(data) != body["data_sha256"]:
                raise RefusedActError(
                    f"the {pdf['language']} PDF embeds data whose SHA-256 is "
                    f"{embedded.sha256_hex(data)}, not the data_sha256 of the act: every "
                    "PDF of a report embeds the same data",
                    field="body.data_sha256",
                )

    def _report(self, leaf_hash: str) -> reports.Report:
        if leaf_hash not in self.states:
            self.states[leaf_hash] = state_of(
                self.connection, ReportRecord, leaf_hash, reports.from_json,
                opened_by="report.publish", noun="a report",
            )  # fmt: skip
        return self.states[leaf_hash]
