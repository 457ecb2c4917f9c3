"""What a case is: its state between two acts, as the workflow reads and writes it.

:mod:`truce.cases.rules` moves a :class:`Case` from one state to the next, act by act;
:mod:`truce.cases.stored` keeps it as JSON in the ``cases`` projection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from truce.scenario.rules import Scenario

Status = Literal[
    "awaiting_response",
    "under_investigation",
    "ruled",
    "penalised",
    "closed",
    "withdrawn",
    "referred",
]
Position = Literal["accept", "deny", "counter_claim", "request_information"]
Outcome = Literal["violation_confirmed", "not_substantiated", "inconclusive"]
#: The deadlines of a case that the secretariat's clock records as passed.
Deadline = Literal["response", "information", "appeal", "investigation"]
#: The statuses a case can have, in workflow order.
STATUSES: tuple[Status, ...] = get_args(Status)
OPEN: frozenset[Status] = frozenset({"awaiting_response", "under_investigation"})
CASE_KINDS = (
    "case.lodge",
    "case.respond",
    "case.evidence",
    "case.investigate",
    "case.request_info",
    "case.provide_info",
    "case.finding",
    "case.rule",
    "case.new_round",
    "case.refer",
    "case.lapse",
    "case.extend",
    "case.appeal",
    "case.waive_appeal",
    "case.penalty",
    "case.withdraw",
    "case.close",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One mediator's assessment in the current round."""

    member: str
    outcome: Outcome
    violator: str | None
    clauses: tuple[str, ...]
    reasons: str


@dataclass(frozen=True, slots=True)
class InfoRequest:
    """A request for information to a member, with its deadline.

    Made by a mediator (``case.request_info``) or by the accused, whose response asks
    the lodging member for more information (``by`` is then the accused's code, and
    the accused's response clock may stand still until the request is answered or
    lapses: the scenario's ``response_clock_pauses``).
    """

    to: str
    deadline: datetime
    answered: bool = False
    by: str | None = None
    asked_at: datetime | None = None
    #: The clock recorded its deadline as passed (``case.lapse``).
    lapsed: bool = False

    @property
    def open(self) -> bool:
        """Neither answered nor lapsed: the member may still answer."""
        return not self.answered and not self.lapsed


@dataclass(frozen=True, slots=True)
class Case:
    """Everything the workflow needs to decide what may happen next."""

    id: str
    lodged_by: str
    accused: str
    lodged_at: datetime
    response_deadline: datetime
    status: Status = "awaiting_response"
    response: Position | None = None
    information_requested: bool = False
    findings: Mapping[str, Finding] = field(default_factory=dict)
    requests: tuple[InfoRequest, ...] = ()
    outcome: Outcome | None = None
    violator: str | None = None
    ruled_at: datetime | None = None
    appealed: bool = False
    #: The parties that waived their appeal of the current ruling.
    waived: tuple[str, ...] = ()
    round: int = 1
    #: Rounds of findings that ended split (each one followed by a new round).
    split_rounds: int = 0
    #: When the current investigation opened (by ``case.investigate`` or an appeal).
    investigating_since: datetime | None = None
    penalty: str | None = None
    #: The deadlines the clock recorded as passed (``case.lapse``), and not extended.
    lapsed: tuple[Deadline, ...] = ()

    def pausing_request(self, scenario: Scenario) -> InfoRequest | None:
        """The accused's open request to the lodger that stops its response clock."""
        if not scenario.procedure.response_clock_pauses or self.response is not None:
            return None
        for request in self.requests:
            if request.by == self.accused and request.open:
                return request
        return None

    def response_overdue(self, now: datetime) -> bool:
        """True when the accused has not answered and the deadline has passed."""
        return self.response is None and now > self.response_deadline

    def appeal_deadline(self, scenario: Scenario) -> datetime | None:
        """Until when a party may appeal the ruling."""
        if self.ruled_at is None:
            return None
        return self.ruled_at + timedelta(days=scenario.procedure.appeal_window_days)


def when(moment: datetime | None) -> str:
    """A deadline as a refusal states it: to the minute, in UTC."""
    return "?" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
