"""What the read side answers about a case: its summary, its thread, its next steps.

A case row becomes a :class:`CaseSummary` (the JSON API's shape, times as RFC 3339
strings) or a :class:`CaseItem` (the pages', times as datetimes, with the scenario's
labels); both take the workflow state's deadline from :func:`_response_due`, so a list,
a case page and the API agree on whether a response is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from truce.cases import rules as cases
from truce.cases import stored
from truce.cases.queries import case_title
from truce.cases.situation import CODES, Situation, situation
from truce.ledger.envelope import format_time
from truce.scenario.facts import DEFAULT_CASUALTIES, HARM_IDS, CasualtyLists, split_total
from truce.scenario.rules import Scenario


class SideTotals(BaseModel):
    """One harm's figures of a case, each side of the attack summed on its own."""

    victims: int = Field(description="the victims' categories (all but attackers) summed")
    attackers: int = Field(description="the attackers' categories (militants) summed")


class Figures(BaseModel):
    """A case's casualty figures as the member that lodged it claims them."""

    claimed_by: str = Field(description="the member whose claim these figures are")
    totals: dict[str, SideTotals] = Field(
        description="per harm (killed, injured, missing): victims and attackers, apart"
    )


class SituationOut(BaseModel):
    """Where a case stands (:mod:`truce.cases.situation`): what it waits for, from
    which member, until when."""

    code: str = Field(description="one of " + ", ".join(CODES))
    member: str | None = None
    due: str | None = None


class CaseSummary(BaseModel):
    """One case as lists show it.

    ``killed``, ``injured`` and ``missing`` are the lodging member's figures by
    category (``missing``: missing or abducted); ``figures`` sums them per side of the
    attack, never adding attackers to victims.
    """

    id: int = Field(description="the log index of the act that lodged the case")
    number: int | None = Field(description="the case's number in the mechanism's sequence")
    leaf_hash: str
    status: str
    lodged_by: str
    accused: str
    accused_group: str | None
    type: str
    occurred_at: str
    place_id: str | None
    sector: str | None = Field(description="the province (admin1) of the place")
    lat: float | None
    lon: float | None
    clauses: list[str]
    killed: dict[str, int | None]
    injured: dict[str, int | None]
    missing: dict[str, int | None]
    figures: Figures
    lodged_at: str
    response_deadline: str
    response_overdue: bool
    situation: SituationOut
    outcome: str | None
    violator: str | None
    penalty: str | None
    counter_to: int | None


class ThreadAct(BaseModel):
    """One act of a case's thread; ``body`` is null where the reader is not in its audience.

    An act the reader may not read is a restricted annex: its envelope (kind, author,
    time, log index, audience and body digest) is shown, as the public log shows it,
    never its body or the names of its files.
    """

    index: int
    kind: str
    member: str
    delegate: str
    at: str
    audience: str | list[str]
    leaf_hash: str
    body_digest: str = Field(description="sha256: and the hex SHA-256 of the body's JCS bytes")
    body: Any | None
    withheld: bool = Field(description="a restricted annex: the reader is not in its audience")
    rests_on: list[int] = Field(
        default_factory=list,
        description="for a finding or a ruling: the log indices of the acts of the case it "
        "rests on (refs[1:] of its envelope)",
    )
    files: list[dict[str, Any]] = Field(
        default_factory=list,
        description="for evidence: each cited file's type, size and photo metadata",
    )


class NextAct(BaseModel):
    """A step of the case the reader's member may take, or that waits on it."""

    kind: str
    allowed: bool = Field(description="the workflow accepts it now from the reader's role")
    awaited: bool = Field(description="the case waits on the reader's member for it")
    due: str | None
    preset: dict[str, Any] = Field(description="body values the workflow fixes")


class CaseThread(BaseModel):
    """A case and every act of it, in log order."""

    case: CaseSummary
    state: dict[str, Any]
    thread: list[ThreadAct]
    next_steps: list[NextAct] = Field(
        default_factory=list, description="what the reader may do next on the case"
    )
    casualties: CasualtyLists = Field(
        default_factory=lambda: DEFAULT_CASUALTIES,
        description="the scenario's casualty categories (with their side) and harms, with "
        "the labels of the scenario, that the case's figures count",
    )


@dataclass(frozen=True, slots=True)
class CaseItem:
    """A case as lists, maps and search results show it."""

    id: int
    number: int | None
    url: str
    title: str
    type: str
    type_label: str
    status: str
    lodged_by: str
    accused: str
    accused_group: str | None
    occurred_at: datetime
    time_precision: str
    lodged_at: datetime
    place: str | None
    lat: float | None
    lon: float | None
    precision: str
    clauses: tuple[str, ...]
    #: The lodging member's claim, per harm: (victims, attackers), never added together.
    killed: tuple[int, int]
    injured: tuple[int, int]
    missing: tuple[int, int]
    response_deadline: datetime | None
    response_overdue: bool
    situation: Situation
    outcome: str | None
    penalty: str | None


def _response_due(
    scenario: Scenario, row: Any, now: datetime
) -> tuple[datetime, bool, bool, Situation]:
    """The response deadline, whether the case still awaits the response, whether it
    is overdue, and where the case stands."""
    state = stored.from_json(row.state)
    awaiting = state.status == "awaiting_response" and state.response is None
    standing = situation(scenario, state, now)
    return state.response_deadline, awaiting, awaiting and state.response_overdue(now), standing


def situation_out(standing: Situation) -> SituationOut:
    """A situation as the API gives it (times in RFC 3339)."""
    due = None if standing.due is None else format_time(standing.due)
    return SituationOut(code=standing.code, member=standing.member, due=due)


def figures(scenario: Scenario, row: Any) -> Figures:
    """The lodging member's figures of a case row, summed per side of the attack."""
    totals: dict[str, SideTotals] = {}
    for harm in HARM_IDS:
        victims, attackers = split_total(scenario, getattr(row, harm))
        totals[harm] = SideTotals(victims=victims, attackers=attackers)
    return Figures(claimed_by=row.lodged_by, totals=totals)


def case_summary(scenario: Scenario, row: Any, now: datetime) -> CaseSummary:
    """A full case row as the API lists it."""
    deadline, _awaiting, overdue, standing = _response_due(scenario, row, now)
    return CaseSummary(
        id=row.id,
        number=row.number,
        leaf_hash=row.leaf_hash,
        status=row.status,
        lodged_by=row.lodged_by,
        accused=row.accused,
        accused_group=row.accused_group,
        type=row.type,
        occurred_at=format_time(row.occurred_at),
        place_id=row.place_id,
        sector=row.admin1,
        lat=row.lat,
        lon=row.lon,
        clauses=list(row.clauses),
        killed=dict(row.killed),
        injured=dict(row.injured),
        missing=dict(row.missing or {}),
        figures=figures(scenario, row),
        lodged_at=format_time(row.lodged_at),
        response_deadline=format_time(deadline),
        response_overdue=overdue,
        situation=situation_out(standing),
        outcome=row.outcome,
        violator=row.violator,
        penalty=row.penalty,
        counter_to=row.counter_to,
    )


def type_label(scenario: Scenario, type_id: str) -> str:
    """The taxonomy's label of an incident type (the type id when unknown)."""
    return next((t.label for t in scenario.incident_types if t.id == type_id), type_id)


def case_item(scenario: Scenario, row: Any, now: datetime) -> CaseItem:
    """A full case row as a page lists it, in ``scenario``'s words."""
    deadline, awaiting, overdue, standing = _response_due(scenario, row, now)
    place = scenario.place(row.place_id) if row.place_id else None
    return CaseItem(
        id=row.id,
        number=row.number,
        url=f"/cases/{row.id}",
        title=case_title(scenario, row),
        type=row.type,
        type_label=type_label(scenario, row.type),
        status=row.status,
        lodged_by=row.lodged_by,
        accused=row.accused,
        accused_group=row.accused_group,
        occurred_at=row.occurred_at,
        time_precision=row.time_precision,
        lodged_at=row.lodged_at,
        place=place.shown_name if place else None,
        lat=row.lat,
        lon=row.lon,
        precision=row.precision,
        clauses=tuple(row.clauses),
        killed=split_total(scenario, row.killed),
        injured=split_total(scenario, row.injured),
        missing=split_total(scenario, row.missing),
        response_deadline=deadline if awaiting else None,
        response_overdue=overdue,
        situation=standing,
        outcome=row.outcome,
        penalty=row.penalty,
    )


def next_acts(steps: list[cases.NextStep]) -> list[NextAct]:
    """:func:`truce.cases.rules.next_steps` as the API answers it."""
    return [
        NextAct(
            kind=step.kind,
            allowed=step.allowed,
            awaited=step.awaited,
            due=None if step.due is None else format_time(step.due),
            preset=dict(step.preset),
        )
        for step in steps
    ]
