"""The Merkle log in the database: append, roots of any size, and proofs.

Every complete aligned subtree's hash is stored in ``log_nodes`` when the append that
completes it happens. A root or a proof element is the RFC 6962 hash of a node range,
which :func:`truce.ledger.merkle.subtrees` splits into at most ~log2(n) stored
subtrees; a proof therefore costs one indexed query of a few dozen rows, whatever the
size of the log.

All methods run inside a transaction the caller opened with
:meth:`truce.storage.db.Database.read` or :meth:`~truce.storage.db.Database.write`;
:meth:`LogStore.append` requires the write transaction and locks the head row, so that
the append and the projection updates of the same acts commit together or not at all.

A write transaction reads the database for what it cannot know already, and no more:

- once it holds the head row's lock, no one else can move the head, so the head is
  read once and then kept as the appends move it;
- a stored subtree never changes, so the nodes it loaded or wrote are kept for the
  proofs it builds next (the receipts of the acts it appended need no further query);
- the right border of the tree (:class:`truce.ledger.merkle.Frontier`) is kept by the
  process, keyed by the tree head it belongs to: a size and an RFC 6962 root determine
  every leaf, so a border kept for one head is right for that head in any database,
  and the next append of this process starts from it without a query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from truce.errors import NotFoundError
from truce.ledger import merkle
from truce.storage.bulk import copy_rows
from truce.storage.models import Body, LogEntry, LogHead, LogNode

_HEAD_ID = 1
#: Stored subtrees looked up per query: well under SQLite's limit of bound parameters.
_SQLITE_MAX_VARIABLES = 32766
_NODES_PER_QUERY = 400
#: How many borders the process keeps (one per database it appends to, in practice).
_FRONTIERS_KEPT = 8


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A tree size and its RFC 6962 root."""

    size: int
    root: bytes


class LogStore:
    """The log tables as seen through one connection (and its transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._is_sqlite = connection.dialect.name == "sqlite"
        #: The head, once this transaction holds its lock (see the module's docstring).
        self._held: TreeHead | None = None
        self._known: dict[tuple[int, int], bytes] = {}

    # -- set-up ---------------------------------------------------------------------

    def initialise(self) -> None:
        """Create the head row of an empty log (idempotent)."""
        exists = self.connection.execute(select(LogHead.id).where(LogHead.id == _HEAD_ID)).first()
        if exists is None:
            self.connection.execute(
                insert(LogHead).values(id=_HEAD_ID, size=0, root=merkle.EMPTY_ROOT)
            )

    # -- reads ----------------------------------------------------------------------

    def head(self, *, lock: bool = False) -> TreeHead:
        """The current size and root; ``lock`` takes the row lock for an append.

        Must be called with ``lock`` only in a write transaction: from then on the head
        is this transaction's to move, and is no longer read from the database.
        """
        if self._held is not None:
            return self._held
        # FOR UPDATE is PostgreSQL's row lock; SQLite's write transaction already holds
        # the database's write lock (see truce.storage.db).
        statement = "SELECT size, root FROM log_head WHERE id = ?"
        if lock and not self._is_sqlite:
            statement += " FOR UPDATE"
        found = self._sql(statement, (_HEAD_ID,)).first()
        if found is None:
            raise NotFoundError("the log has not been initialised: run truce init")
        head = TreeHead(size=int(found[0]), root=bytes(found[1]))
        if lock:
            self._held = head
        return head

    def _sql(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Run fixed-shape SQL through the driver, with ``?`` placeholders.

        The hot paths (node lookups, bulk inserts) bypass SQLAlchemy's statement
        compilation and per-row type processing, which cost more than the database work.
        """
        if self.connection.dialect.paramstyle != "qmark":
            statement = statement.replace("?", "%s")
        return self.connection.exec_driver_sql(statement, tuple(params))

    def _insert_many(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """All ``rows`` in one statement (see :mod:`truce.storage.bulk` for why):
        ``COPY`` on PostgreSQL, one ``INSERT ... VALUES (...), (...)`` on SQLite."""
        if not rows:
            return
        if not self._is_sqlite:
            copy_rows(self.connection, table, columns, rows)
            return
        row = "(" + ", ".join("?" for _ in rows[0]) + ")"
        # SQLite binds at most SQLITE_MAX_VARIABLE_NUMBER values to one statement (32,766
        # by default, 250,000 in Debian's build); a mirror's first run of a large log
        # appends far more in one transaction.
        per_statement = _SQLITE_MAX_VARIABLES // len(columns)
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            placeholders = ", ".join(row for _ in chunk)
            self._sql(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders}",  # noqa: S608
                [value for values in chunk for value in values],
            )

    def _nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        known = self._known
        found: dict[tuple[int, int], bytes] = {}
        keys: list[tuple[int, int]] = []
        for key in set(wanted):
            if key in known:
                found[key] = known[key]
            else:
                keys.append(key)
        keys.sort()
        for start in range(0, len(keys), _NODES_PER_QUERY):
            chunk = keys[start : start + _NODES_PER_QUERY]
            # An OR of (level, idx) pairs: both SQLite and PostgreSQL answer it from the
            # primary key, where SQLite would scan the whole table for a row-value IN.
            where = " OR ".join("(level = ? AND idx = ?)" for _ in chunk)
            rows = self._sql(
                f"SELECT level, idx, hash FROM log_nodes WHERE {where}",  # noqa: S608
                [value for key in chunk for value in key],
            )
            loaded = {(level, idx): bytes(digest) for level, idx, digest in rows}
            found.update(loaded)
            known.update(loaded)
        missing = [key for key in keys if key not in found]
        if missing:
            raise NotFoundError(f"the log is missing stored subtrees {missing[:3]}")
        return found

    def _range_hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        plans = [merkle.subtrees(start, end) for start, end in ranges]
        nodes = self._nodes(node for plan in plans for node in plan)
        return [merkle.fold([nodes[node] for node in plan]) for plan in plans]

    def _check_size(self, size: int, *, allow_empty: bool = True) -> TreeHead:
        head = self.head()
        if size < (0 if allow_empty else 1) or size > head.size:
            raise NotFoundError(f"tree size {size} is outside 0..{head.size}")
        return head

    def root(self, size: int | None = None) -> bytes:
        """The RFC 6962 root of the first ``size`` entries (default: all)."""
        head = self.head()
        if size is None or size == head.size:
            return head.root
        self._check_size(size)
        if size == 0:
            return merkle.EMPTY_ROOT
        return self._range_hashes([(0, size)])[0]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 6962 §2.1.1 audit path of entry ``index`` in the tree of ``size``."""
        self._check_size(size, allow_empty=False)
        if not 0 <= index < size:
            raise NotFoundError(f"index {index} is outside the tree of size {size}")
        return self._range_hashes(merkle.inclusion_ranges(index, size))

    def inclusion_proofs(self, indices: Sequence[int], size: int) -> list[list[bytes]]:
        """The audit paths of several entries in the tree of ``size``, from one lookup.

        The entries of one batch share most of their stored subtrees, so a batch's
        receipts cost one query (per few hundred subtrees) instead of one per entry.
        """
        self._check_size(size, allow_empty=False)
        plans: list[list[tuple[int, int]]] = []
        for index in indices:
            if not 0 <= index < size:
                raise NotFoundError(f"index {index} is outside the tree of size {size}")
            plans.append(merkle.inclusion_ranges(index, size))
        hashes = iter(self._range_hashes([span for plan in plans for span in plan]))
        return [[next(hashes) for _ in plan] for plan in plans]

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 6962 §2.1.2 proof that the tree of ``first`` is a prefix of ``second``."""
        self._check_size(second)
        if not 0 <= first <= second:
            raise NotFoundError(f"first size {first} is outside 0..{second}")
        if first == 0 or first == second:
            return []
        return self._range_hashes(merkle.consistency_ranges(first, second))

    def subtree_run(self, level: int, start: int, count: int) -> list[bytes]:
        """The hashes of ``count`` consecutive complete subtrees of ``2**level`` leaves,
        the first covering leaves from ``start << level``: one range read of the primary
        key (a C2SP tlog-tiles hash tile is such a run at a level that is a multiple of 8).
        """
        rows = self.connection.execute(
            select(LogNode.idx, LogNode.hash)
            .where(LogNode.level == level, LogNode.idx >= start, LogNode.idx < start + count)
            .order_by(LogNode.idx)
        ).all()
        if len(rows) != count:
            raise NotFoundError(
                f"the log holds {len(rows)} of the {count} subtrees of level {level} from {start}"
            )
        return [bytes(row.hash) for row in rows]

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash of entry ``index``."""
        row = self.connection.execute(
            select(LogEntry.leaf_hash).where(LogEntry.idx == index)
        ).first()
        if row is None:
            raise NotFoundError(f"no entry {index}")
        return bytes(row.leaf_hash)

    def entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """Entries ``start`` to ``end`` inclusive (as RFC 6962 ``get-entries``)."""
        rows = self.connection.execute(
            select(LogEntry.idx, LogEntry.leaf)
            .where(LogEntry.idx >= start, LogEntry.idx <= end)
            .order_by(LogEntry.idx)
        )
        return [(row.idx, bytes(row.leaf)) for row in rows]

    def index_of(self, leaf_hash: bytes) -> int | None:
        """The index of the entry with this leaf hash, if logged."""
        row = self.connection.execute(
            select(LogEntry.idx).where(LogEntry.leaf_hash == leaf_hash)
        ).first()
        return None if row is None else int(row.idx)

    def logged(self, leaf_hashes: Iterable[bytes]) -> set[bytes]:
        """Which of these leaf hashes are already in the log (one query per 500)."""
        wanted = list(leaf_hashes)
        found: set[bytes] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._sql(
                f"SELECT leaf_hash FROM log_entries WHERE leaf_hash IN ({marks})",  # noqa: S608
                chunk,
            )
            found.update(bytes(row[0]) for row in rows)
        return found

    def body(self, digest: str) -> bytes | None:
        """The stored canonical bytes of a body, if any."""
        row = self.connection.execute(select(Body.content).where(Body.digest == digest)).first()
        return None if row is None else bytes(row.content)

    # -- writes ---------------------------------------------------------------------

    def frontier(self, head: TreeHead) -> merkle.Frontier:
        """The right border of the tree at ``head``: the process's own copy if it kept
        one for this head, otherwise loaded from stored subtrees."""
        wanted = merkle.frontier_subtrees(head.size)
        with _FRONTIERS_LOCK:
            kept = _FRONTIERS.get((head.size, head.root))
        if kept is not None:
            self._known.update(zip(wanted, kept.hashes, strict=True))
            return kept.copy()
        nodes = self._nodes(wanted)
        return merkle.Frontier(head.size, [nodes[node] for node in wanted])

    def append(
        self, leaves: Sequence[tuple[bytes, bytes]], bodies: Sequence[tuple[str, bytes]] = ()
    ) -> list[int]:
        """Append ``(leaf_bytes, leaf_hash)`` pairs and store bodies; return the indices.

        Must run in a write transaction. The head row is locked first, so concurrent
        appenders queue up; the unique constraint on ``leaf_hash`` is the last guard
        against a replay slipping in between a caller's check and this append.
        """
        head = self.head(lock=True)
        frontier = self.frontier(head)
        entry_rows: list[tuple[int, bytes, bytes]] = []
        node_rows: list[tuple[int, int, bytes]] = []
        for offset, (leaf, leaf_hash) in enumerate(leaves):
            entry_rows.append((head.size + offset, leaf_hash, leaf))
            node_rows.extend(frontier.append(leaf_hash))
        if entry_rows:
            self._insert_many("log_entries", ("idx", "leaf_hash", "leaf"), entry_rows)
            self._insert_many("log_nodes", ("level", "idx", "hash"), node_rows)
            root = frontier.root()
            self._sql(
                "UPDATE log_head SET size = ?, root = ? WHERE id = ?",
                (frontier.size, root, _HEAD_ID),
            )
            self._held = TreeHead(frontier.size, root)
            self._known.update(((level, idx), digest) for level, idx, digest in node_rows)
            _keep(self._held, frontier)
        self.store_bodies(bodies)
        return [head.size + offset for offset in range(len(entry_rows))]

    def store_bodies(self, bodies: Sequence[tuple[str, bytes]]) -> None:
        """Store bodies not yet stored (a body is immutable: same digest, same bytes)."""
        fresh: dict[str, bytes] = {}
        for digest, content in bodies:
            fresh.setdefault(digest, content)
        if not fresh:
            return
        marks = ", ".join("(?, ?)" for _ in fresh)
        self._sql(
            f"INSERT INTO bodies (digest, content) VALUES {marks} "  # noqa: S608
            "ON CONFLICT (digest) DO NOTHING",
            [value for item in fresh.items() for value in item],
        )


_FRONTIERS: dict[tuple[int, bytes], merkle.Frontier] = {}
_FRONTIERS_LOCK = threading.Lock()


def _keep(head: TreeHead, frontier: merkle.Frontier) -> None:
    """Keep the border of ``head`` for the next append (a few heads, newest last).

    Kept before the transaction commits: if it rolls back, the head it names is never
    the database's, and the entry is simply never asked for.
    """
    kept = frontier.copy()
    with _FRONTIERS_LOCK:
        _FRONTIERS.pop((head.size, head.root), None)
        _FRONTIERS[(head.size, head.root)] = kept
        while len(_FRONTIERS) > _FRONTIERS_KEPT:
            del _FRONTIERS[next(iter(_FRONTIERS))]
