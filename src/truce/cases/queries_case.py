"""The read side of one case, and of what awaits a member: the thread, the inbox, tasks.

Like :mod:`truce.cases.queries`, every function takes a connection and the
:class:`~truce.log.audience.Reader`, and reads only what the reader may see: a case
appears only to the audience of its ``case.lodge`` act, and in a thread an act's body
is shown only to its own audience (the act itself, like every envelope in the log,
stays visible). What waits on a member is asked of the workflow
(:func:`truce.cases.rules.next_steps`), not written again here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from truce.cases import rules as cases
from truce.cases import stored
from truce.cases.checks import prior_violations
from truce.cases.summary import CaseThread, ThreadAct, case_summary, next_acts
from truce.errors import NotFoundError
from truce.ledger.envelope import format_time, stored_audience
from truce.log.audience import Reader, visible
from truce.scenario.facts import casualty_lists
from truce.scenario.rules import Scenario
from truce.storage.models import Act, Body, CaseAct, CaseRecord, LogEntry, StoredFile
from truce.verify.registry import PERMISSIONS

#: The inbox's name of each act kind that can wait on a member.
INBOX_ACTIONS: dict[str, str] = {
    "case.respond": "respond",
    "case.provide_info": "provide_information",
    "case.investigate": "open_investigation",
    "case.finding": "record_finding",
    "case.rule": "rule",
    "case.appeal": "consider_appeal",
    "case.new_round": "open_new_round",
    "case.refer": "refer",
    "case.penalty": "record_penalty",
    "case.close": "close",
}
#: The act kinds that may name the acts of the case they rest on (``refs[1:]``).
RESTING_KINDS: tuple[str, ...] = ("case.finding", "case.rule")
#: The statuses in which a case can wait on a member.
WAITING: tuple[str, ...] = ("awaiting_response", "under_investigation", "ruled")


def find_case(connection: Connection, reader: Reader, case_id: int) -> Any:
    """The case row, or :class:`NotFoundError` if there is none the reader may see."""
    row = connection.execute(
        select(CaseRecord).where(CaseRecord.id == case_id, visible(reader))
    ).first()
    if row is None or not reader.sees(row.audience, row.lodged_by):
        raise NotFoundError(f"no case {case_id} that {reader.member} may see")
    return row


def case_numbered(connection: Connection, reader: Reader, number: int) -> int:
    """The log index of case number ``number`` (the mechanism's own sequence), or
    :class:`NotFoundError` if there is none the reader may see."""
    row = connection.execute(
        select(CaseRecord.id, CaseRecord.audience, CaseRecord.lodged_by).where(
            CaseRecord.number == number, visible(reader)
        )
    ).first()
    if row is None or not reader.sees(row.audience, row.lodged_by):
        raise NotFoundError(f"no case number {number} that {reader.member} may see")
    return int(row.id)


def counter_cases(connection: Connection, reader: Reader, case_id: int) -> list[Any]:
    """The visible cases lodged as counter-claims to ``case_id``."""
    return [
        row
        for row in connection.execute(
            select(CaseRecord).where(CaseRecord.counter_to == case_id, visible(reader))
        ).all()
        if reader.sees(row.audience, row.lodged_by)
    ]


def violator_prior(
    connection: Connection, scenario: Scenario, row: Any, reader: Reader, now: datetime
) -> int | None:
    """The violator's earlier confirmed violations, as admission counts them, where the
    reader's role may record the case's penalty; else None (not counted)."""
    if row.status != "ruled" or row.violator is None:
        return None
    if reader.role not in PERMISSIONS["case.penalty"]:
        return None
    return prior_violations(connection, scenario, row.violator, now, row.leaf_hash)


def case_thread(
    connection: Connection, reader: Reader, scenario: Scenario, case_id: int, now: datetime
) -> tuple[Any, CaseThread]:
    """The case row and the case as the API answers it: summary, the workflow state as
    the reader may see it, every act in log order, and the reader's next steps."""
    row = find_case(connection, reader, case_id)
    acts = connection.execute(
        select(Act)
        .join(CaseAct, CaseAct.idx == Act.idx)
        .where(CaseAct.case_id == case_id)
        .order_by(Act.idx)
    ).all()
    digests = [act.body_digest for act in acts]
    bodies = {
        digest: bytes(content)
        for digest, content in connection.execute(
            select(Body.digest, Body.content).where(Body.digest.in_(digests))
        )
    }
    thread = [_thread_act(connection, act, bodies, reader) for act in acts]
    _add_bases(connection, thread)
    state = stored.from_json(row.state)
    steps = cases.next_steps(
        scenario,
        state,
        reader.member,
        reader.role,
        now,
        violator_prior=violator_prior(connection, scenario, row, reader, now),
    )
    answer = CaseThread(
        case=case_summary(scenario, row, now),
        state=_seen_state(row.state, thread),
        thread=thread,
        next_steps=next_acts(steps),
        casualties=casualty_lists(scenario),
    )
    return row, answer


def _seen_state(state: dict[str, Any], thread: list[ThreadAct]) -> dict[str, Any]:
    """The workflow state without what it took from bodies withheld from the reader.

    The state repeats parts of bodies: the response's position, each mediator's current
    finding (the newest ``case.finding`` of that member), each request for information
    (the n-th ``case.request_info``, or the accused's first response). Each stays only
    if the reader may see its act.
    """
    newest_finding = {act.member: act for act in thread if act.kind == "case.finding"}
    requests = [act for act in thread if act.kind == "case.request_info"]
    responses = [act for act in thread if act.kind == "case.respond"]
    seen = dict(state)
    seen["findings"] = {
        member: finding
        for member, finding in state.get("findings", {}).items()
        if member in newest_finding and not newest_finding[member].withheld
    }
    # A request is made by the n-th case.request_info, or by the accused's first
    # response (asking the lodger for more information is always its first).
    asked_by_mediators = iter(requests)
    seen["requests"] = []
    for request in state.get("requests", []):
        by_accused = request.get("by") is not None and request.get("by") == state.get("accused")
        act = responses[0] if by_accused and responses else next(asked_by_mediators, None)
        if act is not None and not act.withheld:
            seen["requests"].append(request)
    if responses and responses[0].withheld:
        seen["response"] = None
    return seen


def _add_bases(connection: Connection, thread: list[ThreadAct]) -> None:
    """Fill each finding's and ruling's ``rests_on`` from its envelope's ``refs[1:]``
    (public, like every envelope): the acts of the case it names, by log index."""
    judging = [act.index for act in thread if act.kind in RESTING_KINDS]
    if not judging:
        return
    index_of = {act.leaf_hash: act.index for act in thread}
    leaves = {
        index: bytes(leaf)
        for index, leaf in connection.execute(
            select(LogEntry.idx, LogEntry.leaf).where(LogEntry.idx.in_(judging))
        )
    }
    for act in thread:
        if act.index in leaves:
            refs = json.loads(leaves[act.index])["refs"][1:]
            act.rests_on = [index_of[ref] for ref in refs if ref in index_of]


def _thread_act(
    connection: Connection, act: Any, bodies: dict[str, bytes], reader: Reader
) -> ThreadAct:
    audience = stored_audience(act.audience)
    allowed = reader.sees(act.audience, act.member)
    content = bodies.get(act.body_digest) if allowed else None
    body = None if content is None else json.loads(content)
    files: list[dict[str, Any]] = []
    if body is not None and act.kind == "case.evidence":
        cited = [ref["sha256"] for ref in body["files"]]
        stored = {
            row.sha256: row
            for row in connection.execute(
                select(
                    StoredFile.sha256, StoredFile.media_type, StoredFile.size, StoredFile.photo
                ).where(StoredFile.sha256.in_(cited))
            )
        }
        files = [
            {
                "sha256": sha256,
                "media_type": stored[sha256].media_type,
                "size": stored[sha256].size,
                "photo": stored[sha256].photo,
            }
            for sha256 in cited
            if sha256 in stored
        ]
    return ThreadAct(
        index=act.idx,
        kind=act.kind,
        member=act.member,
        delegate=act.delegate,
        at=format_time(act.at),
        audience=audience if isinstance(audience, str) else list(audience),
        leaf_hash=act.leaf_hash,
        body_digest=act.body_digest,
        body=body,
        withheld=not allowed,
        files=files,
    )


# -- what awaits a member -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Awaiting:
    """A step of a case that waits on the reader's member, by the inbox's name."""

    case: int
    action: str
    due: datetime | None
    #: The case's number in the mechanism's sequence (None on a database not migrated).
    number: int | None = None
    #: Whether the reader's role may take the step (else another delegate of its
    #: member takes it: a response is its head's).
    allowed: bool = True


def _soonest(item: Awaiting) -> tuple[bool, str]:
    """Soonest due first (as the answers write the time), those without a deadline last."""
    return item.due is None, "" if item.due is None else format_time(item.due)


def awaiting(
    scenario: Scenario,
    case_id: int,
    state: cases.Case,
    reader: Reader,
    now: datetime,
    number: int | None = None,
) -> list[Awaiting]:
    """The steps of one case that wait on the reader's member (whatever its role)."""
    return [
        Awaiting(case_id, INBOX_ACTIONS[step.kind], step.due, number, step.allowed)
        for step in cases.next_steps(scenario, state, reader.member, reader.role, now)
        if step.awaited
    ]


def inbox(
    connection: Connection, reader: Reader, scenario: Scenario, now: datetime
) -> list[Awaiting]:
    """Every step of every visible case that waits on the reader's member, soonest due
    first (those without a deadline last), then by case."""
    rows = connection.execute(
        select(CaseRecord).where(CaseRecord.status.in_(WAITING), visible(reader))
    ).all()
    found = [
        item
        for row in rows
        if reader.sees(row.audience, row.lodged_by)
        for item in awaiting(scenario, row.id, stored.from_json(row.state), reader, now, row.number)
    ]
    return sorted(found, key=lambda item: (*_soonest(item), item.case))


def _task_queries(reader: Reader, scenario: Scenario, now: datetime) -> list[Any]:
    """Queries of the cases that can hold a step for the member, each in lodging order.

    Each is narrow enough for an index: a party responds to allegations against it,
    answers requests, and may appeal a ruling in a case it is party to; the mediators
    investigate once a response came or its deadline passed, then find, rule and close.
    """
    columns = select(
        CaseRecord.id,
        CaseRecord.number,
        CaseRecord.audience,
        CaseRecord.lodged_by,
        CaseRecord.state,
    )
    waiting = CaseRecord.status == "awaiting_response"

    def with_act(kind: str) -> Any:
        return CaseRecord.id.in_(select(CaseAct.case_id).where(CaseAct.kind == kind))

    if reader.mediator:
        cutoff = now - timedelta(hours=scenario.procedure.response_deadline_hours)
        wheres = [
            and_(waiting, CaseRecord.lodged_at < cutoff),
            and_(waiting, CaseRecord.lodged_at >= cutoff, with_act("case.respond")),
            CaseRecord.status.in_(("under_investigation", "ruled")),
        ]
    else:
        wheres = [
            and_(waiting, CaseRecord.accused == reader.member),
            # the accused asked the lodging member for more information
            and_(waiting, CaseRecord.lodged_by == reader.member, with_act("case.respond")),
            and_(CaseRecord.status == "under_investigation", with_act("case.request_info")),
            # either party may appeal a ruling, or waive its appeal, within the window
            and_(
                CaseRecord.status == "ruled",
                or_(CaseRecord.accused == reader.member, CaseRecord.lodged_by == reader.member),
            ),
        ]
    seen = visible(reader)
    return [
        columns.where(where, seen).order_by(CaseRecord.lodged_at, CaseRecord.id) for where in wheres
    ]


def tasks(
    connection: Connection, reader: Reader, scenario: Scenario, now: datetime, limit: int
) -> tuple[list[Awaiting], bool]:
    """Up to ``limit`` steps awaiting the member, soonest due first, and whether there
    are more.

    The steps are those of :func:`inbox`, but only the cases that can hold one for this
    member are read, oldest first, and each query stops once it has filled the list: a
    dashboard must not parse every open case.
    """
    found: list[Awaiting] = []
    more = False
    for query in _task_queries(reader, scenario, now):
        found_here = 0
        for row in connection.execution_options(yield_per=200).execute(query):
            if not reader.sees(row.audience, row.lodged_by):
                continue
            here = awaiting(scenario, row.id, stored.from_json(row.state), reader, now, row.number)
            found_here += len(here)
            found.extend(here)
            if found_here > limit:
                more = True
                break
    found.sort(key=_soonest)
    return found[:limit], more or len(found) > limit
