"""Projections: the tables derived from the log, and how each act kind updates them.

A handler is registered per act kind with :func:`projects`. The admission service calls
:func:`apply` for each accepted act inside the same transaction as the append, and
:func:`rebuild` replays the whole log through the same handlers into empty tables; both
paths share every line of projection code, which is what makes the rebuilt database
equal to the live one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Table, delete, insert, select, update

from truce.acts.actor import Actor
from truce.ledger.envelope import Envelope
from truce.ledger.keys import PublicKey
from truce.log.registry import NOTHING_DECIDED, Decided, load_concepts
from truce.log.store import LogStore
from truce.scenario.rules import Scenario
from truce.storage.bulk import insert_rows
from truce.storage.models import (
    PROJECTION_TABLES,
    Act,
    Body,
    DelegateKey,
    LogEntry,
    Mechanism,
    Member,
)


@dataclass(frozen=True, slots=True)
class LoggedAct:
    """An act as a projection handler sees it: where it sits in the log, and its body.

    ``body`` is always parsed from the body's canonical bytes, live and in a rebuild
    alike, so a handler can never see a difference between the two (``250.0`` written by
    a client is ``250`` in RFC 8785). ``decided`` holds the states admission's checks
    already worked out for this act (empty in a rebuild or on a mirror): see
    :func:`decided`.
    """

    index: int
    leaf_hash: bytes
    envelope: Envelope
    body: Any
    decided: Decided = field(default_factory=lambda: NOTHING_DECIDED)

    @property
    def stored_audience(self) -> str | list[str]:
        """The envelope's audience as a projection row stores it: a word, or a list."""
        audience = self.envelope.audience
        return audience if isinstance(audience, str) else list(audience)


@dataclass(slots=True)
class ProjectionContext:
    """What handlers write through: the transaction, and rows whose insert can wait.

    One statement per row is most of what projecting a batch of acts costs, so a
    handler may queue a row with :meth:`insert`; the queued rows of one table and shape
    are written by one ``executemany``. Reading :attr:`connection` writes every queued
    row first, so a handler always reads what the acts before it wrote.
    """

    _connection: Connection
    pending_acts: list[dict[str, Any]] = field(default_factory=list)
    #: The mechanism's scenario, if the caller has it (it is read on first use otherwise).
    known_scenario: Scenario | None = None
    _pending: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = field(
        default_factory=dict
    )
    _tallies: dict[TallyWriter, dict[Hashable, int]] = field(default_factory=dict)
    _sequences: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        load_concepts()  # every concept's handlers, before the first act is projected

    @property
    def connection(self) -> Connection:
        """The transaction, once every row queued by :meth:`insert` is written."""
        if self._pending:
            pending, self._pending = self._pending, {}
            for (table, _), rows in pending.items():
                insert_rows(self._connection, table, rows)
        return self._connection

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        """Queue ``row`` for ``table``: written before the next read, or by :meth:`flush`.

        Tables are written in the order of their first queued row, which respects a
        foreign key from a later table to an earlier one.
        """
        self._pending.setdefault((table, tuple(row)), []).append(row)

    def tally(self, write: TallyWriter, key: Hashable, delta: int) -> None:
        """Add ``delta`` to the counter ``key`` that ``write`` stores.

        For counters no handler reads: :meth:`flush` hands ``write`` the net change of
        each counter once per batch, instead of one statement per act.
        """
        counts = self._tallies.setdefault(write, {})
        counts[key] = counts.get(key, 0) + delta

    def next_in_sequence(self, name: str, last: Callable[[Connection], int]) -> int:
        """The next number (1, 2, 3 …) of the sequence ``name``, in log order.

        ``last`` reads the highest number stored; it is read once per batch, before any
        row of this batch is numbered, and counted on here, so that rows queued by
        :meth:`insert` need not be written to be counted.
        """
        if name not in self._sequences:
            self._sequences[name] = last(self._connection)
        self._sequences[name] += 1
        return self._sequences[name]

    def scenario(self) -> Scenario:
        """The mechanism's scenario, from the genesis act's projection.

        Validating a scenario costs milliseconds and it never changes once logged, so it
        is parsed once per process per mechanism (keyed by id and genesis time).
        """
        if self.known_scenario is None:
            connection = self.connection
            row = connection.execute(select(Mechanism.id, Mechanism.genesis_at)).first()
            if row is None:
                raise RuntimeError("no mechanism: the genesis act comes first")
            key = (row.id, str(row.genesis_at))
            if key not in _SCENARIOS:
                data = connection.execute(select(Mechanism.scenario)).scalar_one()
                _SCENARIOS[key] = Scenario.model_validate(data)
            self.known_scenario = _SCENARIOS[key]
        return self.known_scenario

    def flush(self) -> None:
        """Write every queued row, the batched ``acts`` rows and the tallied counters."""
        connection = self.connection
        if self.pending_acts:
            insert_rows(connection, _ACTS, self.pending_acts)
            self.pending_acts.clear()
        tallies, self._tallies = self._tallies, {}
        for write, counts in tallies.items():
            changed = {key: delta for key, delta in counts.items() if delta}
            if changed:
                write(connection, changed)


_ACTS = cast(Table, Act.__table__)

TallyWriter = Callable[[Connection, dict[Hashable, int]], None]
"""Stores the net changes of counters (see :meth:`ProjectionContext.tally`)."""


def projected_state(
    context: ProjectionContext, table: Any, leaf_hash: str
) -> tuple[int, Any] | None:
    """The id and stored state of ``table``'s row opened by the act with ``leaf_hash``.

    None where it is not projected here (on a mirror, outside the member's audience).
    """
    row = context.connection.execute(
        select(table.id, table.state).where(table.leaf_hash == leaf_hash)
    ).first()
    return None if row is None else (int(row.id), row.state)


State = TypeVar("State")


def decided(act: LoggedAct, opened_by: str, step: Callable[[], State]) -> State:
    """The state ``act`` leaves to what the act with leaf hash ``opened_by`` opened.

    Live, admission's check has already run the rules' step and hands its result over,
    so the step runs once per act; in a rebuild or on a mirror no check ran, and
    ``step`` (the same rules' step) works it out here.
    """
    state = act.decided.get(opened_by)
    return step() if state is None else cast(State, state)


def stepped(
    context: ProjectionContext, act: LoggedAct, table: Any, step: Callable[[Any], State]
) -> tuple[int, State] | None:
    """For an act on what another act opened (its ``refs[0]``): the id of ``table``'s row
    and the state the act leaves, ``step`` applied to the stored state (or as admission
    decided it). None where the act's body or the row is not projected here."""
    if act.body is None:
        return None
    opened_by = act.envelope.refs[0]
    found = projected_state(context, table, opened_by)
    if found is None:
        return None
    row_id, state = found
    return row_id, decided(act, opened_by, lambda: step(state))


Handler = Callable[[ProjectionContext, LoggedAct], None]
_SCENARIOS: dict[tuple[str, str], Scenario] = {}
HANDLERS: dict[str, Handler] = {}

Follower = Callable[[ProjectionContext, Sequence[LoggedAct]], None]
"""What a concept does when acts are admitted, beside their projections (the
notifications they cause): see :func:`on_admission`."""
FOLLOWERS: list[Follower] = []


def on_admission(follower: Follower) -> Follower:
    """Register the decorated function to run, in the admitting transaction, on every
    batch of acts admission records, once their projections are written.

    Unlike a projection handler it never runs in :func:`rebuild` nor on a mirror: what
    it writes is a record of the live admission (who was to be told of an act), not a
    table the log can recreate, and replaying the log must not tell anyone twice.
    """
    FOLLOWERS.append(follower)
    return follower


def follow(context: ProjectionContext, acts: Sequence[LoggedAct]) -> None:
    """Run every :func:`on_admission` follower on ``acts`` (admission only)."""
    if not acts:
        return
    for follower in FOLLOWERS:
        follower(context, acts)
    context.flush()


def projects(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the projection handler of ``kind``."""

    def register(handler: Handler) -> Handler:
        if kind in HANDLERS:
            raise RuntimeError(f"two projection handlers for {kind}")
        HANDLERS[kind] = handler
        return handler

    return register


def apply(context: ProjectionContext, act: LoggedAct) -> None:
    """Project one act: the generic ``acts`` row, then its kind's handler."""
    envelope = act.envelope
    context.pending_acts.append(
        {
            "idx": act.index,
            "leaf_hash": act.leaf_hash.hex(),
            "kind": envelope.kind,
            "member": envelope.member,
            "delegate": envelope.delegate,
            "key_id": envelope.key_id,
            "at": envelope.time,
            "audience": envelope.audience
            if isinstance(envelope.audience, str)
            else list(envelope.audience),
            "body_digest": envelope.body_digest,
        }
    )
    handler = HANDLERS.get(envelope.kind)
    if handler is not None:
        handler(context, act)


# -- handlers of the foundation kinds -------------------------------------------------


@projects("mechanism.genesis")
def _genesis(context: ProjectionContext, act: LoggedAct) -> None:
    scenario = act.body
    mechanism = scenario["mechanism"]
    context.connection.execute(
        insert(Mechanism).values(
            id=mechanism["id"],
            name=mechanism["name"],
            origin=mechanism["origin"],
            scenario=scenario,
            genesis_at=act.envelope.time,
        )
    )
    for member in scenario["members"]:
        context.connection.execute(
            insert(Member).values(code=member["code"], name=member["name"], kind=member["kind"])
        )
        key = PublicKey.from_text(member["root_key"])
        context.connection.execute(
            insert(DelegateKey).values(
                key_id=key.key_id,
                member=member["code"],
                delegate="root",
                role="secretariat" if member["kind"] == "secretariat" else "head",
                public_key=key.text,
                registered_idx=act.index,
                revoked_idx=None,
            )
        )


@projects("member.key")
def _member_key(context: ProjectionContext, act: LoggedAct) -> None:
    body = act.body
    key = PublicKey.from_text(body["public_key"])
    if body["action"] == "register":
        context.connection.execute(
            insert(DelegateKey).values(
                key_id=key.key_id,
                member=act.envelope.member,
                delegate=body["delegate"],
                role=body["role"],
                public_key=key.text,
                registered_idx=act.index,
                revoked_idx=None,
            )
        )
    else:
        context.connection.execute(
            update(DelegateKey)
            .where(DelegateKey.key_id == key.key_id, DelegateKey.revoked_idx.is_(None))
            .values(revoked_idx=act.index)
        )


# -- rebuild ----------------------------------------------------------------------------


def _replay(connection: Connection, batch: int = 2000) -> Iterator[LoggedAct]:
    size = LogStore(connection).head().size
    for start in range(0, size, batch):
        rows = connection.execute(
            select(LogEntry.idx, LogEntry.leaf_hash, LogEntry.leaf)
            .where(LogEntry.idx >= start, LogEntry.idx < start + batch)
            .order_by(LogEntry.idx)
        ).all()
        envelopes = [Envelope.from_dict(json.loads(row.leaf)) for row in rows]
        digests = {envelope.body_digest for envelope in envelopes}
        bodies = {
            row.digest: json.loads(row.content)
            for row in connection.execute(
                select(Body.digest, Body.content).where(Body.digest.in_(digests))
            )
        }
        for row, envelope in zip(rows, envelopes, strict=True):
            yield LoggedAct(
                index=row.idx,
                leaf_hash=bytes(row.leaf_hash),
                envelope=envelope,
                body=bodies.get(envelope.body_digest),
            )


def rebuild(connection: Connection, progress: Callable[[int, int], None] | None = None) -> int:
    """Empty every projection table and replay the log into them; return the act count.

    Runs in the caller's write transaction: either the whole rebuild commits, or none.
    """
    for table in reversed(PROJECTION_TABLES):
        connection.execute(delete(table))
    context = ProjectionContext(connection)
    total = LogStore(connection).head().size
    count = 0
    for act in _replay(connection):
        apply(context, act)
        count += 1
        if count % 2000 == 0:
            context.flush()
            if progress is not None:
                progress(count, total)
    context.flush()
    if progress is not None:
        progress(count, total)
    return count


def snapshot(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection row, sorted, per table: what a rebuild must reproduce."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    for table in PROJECTION_TABLES:
        rows = connection.execute(select(table)).all()
        result[table.name] = sorted(
            (tuple(_comparable(value) for value in row) for row in rows), key=repr
        )
    return result


def _comparable(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    return value


def actor(context: ProjectionContext, act: LoggedAct) -> Actor:
    """The domain's view of who signed ``act``."""
    member = context.scenario().member(act.envelope.member)
    return Actor(
        member=act.envelope.member,
        kind=member.kind if member is not None else "unknown",
        at=act.envelope.time,
    )
