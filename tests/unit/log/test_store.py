"""The Merkle log in the database against the in-memory tree and a naive RFC 6962 model.

Synthetic leaves (random bytes) are appended in uneven batches; then every root, every
inclusion proof and every consistency proof of every tree size up to :data:`SIZE` is read
back from the store and compared, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from truce.errors import NotFoundError
from truce.ledger import merkle
from truce.log.store import LogStore
from truce.storage import schema
from truce.storage.db import Database

SIZE = 70
BATCHES = (1, 2, 3, 5, 8, 13, 1, 16, 21)
assert sum(BATCHES) == SIZE


class NaiveTree:
    """RFC 6962 §2.1 written out literally: MTH, PATH and PROOF by recursion on D[n]."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.leaves = list(leaf_hashes)
        self._cache: dict[tuple[int, int], bytes] = {}

    @staticmethod
    def _k(n: int) -> int:
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end])."""
        if end - start == 0:
            return hashlib.sha256(b"").digest()
        if end - start == 1:
            return self.leaves[start]
        if (start, end) not in self._cache:
            k = self._k(end - start)
            left, right = self.mth(start, start + k), self.mth(start + k, end)
            self._cache[start, end] = hashlib.sha256(b"\x01" + left + right).digest()
        return self._cache[start, end]

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        """PATH(m, D[start:end]), m relative to start."""
        n = end - start
        if n == 1:
            return []
        k = self._k(n)
        if m < k:
            return [*self.path(m, start, start + k), self.mth(start + k, end)]
        return [*self.path(m - k, start + k, end), self.mth(start, start + k)]

    def subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        """SUBPROOF(m, D[start:end], b)."""
        n = end - start
        if m == n:
            return [] if whole else [self.mth(start, end)]
        k = self._k(n)
        if m <= k:
            return [*self.subproof(m, start, start + k, whole), self.mth(start + k, end)]
        return [*self.subproof(m - k, start + k, end, False), self.mth(start, start + k)]


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """An empty, initialised log."""
    database = Database.from_url(database_url)
    schema.upgrade(database.engine)
    with database.write() as connection:
        LogStore(connection).initialise()
    yield database
    database.dispose()


def _leaves(count: int, seed: int) -> list[tuple[bytes, bytes]]:
    rng = random.Random(seed)
    leaves = []
    for _ in range(count):
        leaf = rng.randbytes(rng.randrange(1, 64))
        leaves.append((leaf, merkle.hash_leaf(leaf)))
    return leaves


def _append(db: Database, leaves: Sequence[tuple[bytes, bytes]]) -> list[int]:
    with db.write() as connection:
        return LogStore(connection).append(leaves)


def test_every_root_and_proof_matches_the_in_memory_tree(db: Database) -> None:
    leaves = _leaves(SIZE, seed=6962)
    tree = merkle.MerkleTree()
    done = 0
    for batch in BATCHES:
        indices = _append(db, leaves[done : done + batch])
        assert indices == list(range(done, done + batch))
        for _, leaf_hash in leaves[done : done + batch]:
            tree.append(leaf_hash)
        done += batch
        with db.read() as connection:
            head = LogStore(connection).head()
        assert (head.size, head.root) == (done, tree.root())

    naive = NaiveTree([leaf_hash for _, leaf_hash in leaves])
    with db.read() as connection:
        store = LogStore(connection)
        assert store.root() == tree.root() == naive.mth(0, SIZE)
        assert store.entries(0, SIZE - 1) == [(i, leaf) for i, (leaf, _) in enumerate(leaves)]
        for index, (_, leaf_hash) in enumerate(leaves):
            assert store.leaf_hash(index) == leaf_hash
            assert store.index_of(leaf_hash) == index
        for size in range(1, SIZE + 1):
            root = store.root(size)
            assert root == tree.root(size) == naive.mth(0, size), size
            for index in range(size):
                proof = store.inclusion_proof(index, size)
                assert proof == tree.inclusion_proof(index, size), (index, size)
                assert proof == naive.path(index, 0, size), (index, size)
                merkle.verify_inclusion(leaves[index][1], index, size, proof, root)
        for second in range(1, SIZE + 1):
            for first in range(1, second + 1):
                proof = store.consistency_proof(first, second)
                assert proof == tree.consistency_proof(first, second), (first, second)
                assert proof == naive.subproof(first, 0, second, True), (first, second)
                merkle.verify_consistency(first, second, tree.root(first), tree.root(second), proof)
        assert store.consistency_proof(0, SIZE) == []

        for beyond in (
            lambda: store.root(SIZE + 1),
            lambda: store.inclusion_proof(SIZE, SIZE),
            lambda: store.inclusion_proof(0, SIZE + 1),
            lambda: store.inclusion_proof(0, 0),
            lambda: store.consistency_proof(1, SIZE + 1),
            lambda: store.consistency_proof(5, 3),
            lambda: store.leaf_hash(SIZE),
        ):
            with pytest.raises(NotFoundError):
                beyond()
        assert store.entries(SIZE, SIZE + 10) == []


def test_an_empty_log_has_the_empty_root(db: Database) -> None:
    with db.read() as connection:
        store = LogStore(connection)
        head = store.head()
        assert (head.size, head.root) == (0, merkle.EMPTY_ROOT)
        assert store.root() == merkle.EMPTY_ROOT
        assert store.root(0) == merkle.EMPTY_ROOT
        assert store.consistency_proof(0, 0) == []
        with pytest.raises(NotFoundError):
            store.root(1)
        with pytest.raises(NotFoundError):
            store.inclusion_proof(0, 1)
        with pytest.raises(NotFoundError):
            store.leaf_hash(0)
    assert _append(db, []) == []
    with db.read() as connection:
        assert LogStore(connection).head().size == 0


def test_initialise_is_idempotent_and_required(database_url: str) -> None:
    database = Database.from_url(database_url)
    try:
        schema.upgrade(database.engine)
        with database.read() as connection, pytest.raises(NotFoundError):
            LogStore(connection).head()
        for _ in range(2):
            with database.write() as connection:
                LogStore(connection).initialise()
        with database.read() as connection:
            assert LogStore(connection).head().size == 0
    finally:
        database.dispose()


def test_a_duplicate_leaf_hash_rolls_the_whole_append_back(db: Database) -> None:
    leaves = _leaves(6, seed=1)
    _append(db, leaves[:5])
    with db.read() as connection:
        before = LogStore(connection).head()

    fresh = leaves[5]
    for attempt in ([fresh, leaves[2]], [fresh, fresh]):
        with pytest.raises(IntegrityError):
            _append(db, attempt)
        with db.read() as connection:
            store = LogStore(connection)
            assert store.head() == before
            assert store.index_of(fresh[1]) is None
            assert store.entries(0, 10) == [(i, leaf) for i, (leaf, _) in enumerate(leaves[:5])]

    assert _append(db, [fresh]) == [5]
    with db.read() as connection:
        assert LogStore(connection).root() == merkle.MerkleTree(h for _, h in leaves).root()


def test_inclusion_proofs_of_a_batch_equal_the_single_proofs(db: Database) -> None:
    leaves = _leaves(SIZE, seed=9162)
    _append(db, leaves)
    with db.read() as connection:
        store = LogStore(connection)
        for size in (1, 2, 7, 32, 33, SIZE):
            indices = list(range(size))[::-1]
            proofs = store.inclusion_proofs(indices, size)
            assert proofs == [store.inclusion_proof(index, size) for index in indices]
        assert store.inclusion_proofs([], SIZE) == []
        for bad in (
            lambda: store.inclusion_proofs([0, SIZE], SIZE),
            lambda: store.inclusion_proofs([0], SIZE + 1),
        ):
            with pytest.raises(NotFoundError):
                bad()


def test_writers_through_separate_handles_of_one_database_never_fork_the_tree(
    db: Database, database_url: str
) -> None:
    """Two handles stand for two server processes: each has its own pool and lock file handle."""
    other = Database.from_url(database_url)
    leaves = _leaves(48, seed=3)
    try:
        threads = [
            threading.Thread(target=_append, args=(handle, leaves[n : n + 3]))
            for n, handle in zip(range(0, 48, 3), [db, other] * 8, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with db.read() as connection:
            store = LogStore(connection)
            head = store.head()
            stored = [leaf for _, leaf in store.entries(0, head.size - 1)]
    finally:
        other.dispose()
    assert sorted(stored) == sorted(leaf for leaf, _ in leaves)
    assert head.root == merkle.MerkleTree.from_entries(stored).root()


def _statements(db: Database) -> list[str]:
    """Every SQL statement ``db`` runs from now on (until the test ends)."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


def test_an_appending_transaction_reads_the_head_once_and_proves_from_what_it_wrote(
    db: Database,
) -> None:
    leaves = _leaves(40, seed=77)
    _append(db, leaves[:13])
    statements = _statements(db)
    with db.write() as connection:
        store = LogStore(connection)
        before = store.head(lock=True)
        indices = store.append(leaves[13:])
        after = store.head()
        proofs = store.inclusion_proofs(indices, after.size)
        root = store.root()
    heads = [s for s in statements if "FROM log_head" in s]
    node_reads = [s for s in statements if "FROM log_nodes" in s]
    assert len(heads) == 1
    # The border of the 13-entry tree was kept by the append that made it, and every
    # subtree the new entries' audit paths need was either on it or written just now.
    assert node_reads == []
    tree = merkle.MerkleTree(h for _, h in leaves)
    assert (before.size, after.size) == (13, 40)
    assert after.root == root == tree.root()
    with db.read() as connection:
        fresh = LogStore(connection)
        assert fresh.head() == after
        assert proofs == [fresh.inclusion_proof(index, 40) for index in indices]


def test_a_kept_border_serves_only_the_tree_it_belongs_to(db: Database, tmp_path: Path) -> None:
    """Two logs of the same sizes but other leaves, appended to in turn by one process."""
    other = Database.from_url(f"sqlite:///{tmp_path / 'other.db'}")
    schema.upgrade(other.engine)
    with other.write() as connection:
        LogStore(connection).initialise()
    ours, theirs = _leaves(30, seed=5), _leaves(30, seed=6)
    try:
        for start, end in ((0, 7), (7, 8), (8, 19), (19, 30)):
            _append(db, ours[start:end])
            _append(other, theirs[start:end])
        for handle, leaves in ((db, ours), (other, theirs)):
            with handle.read() as connection:
                store = LogStore(connection)
                assert store.head().root == merkle.MerkleTree(h for _, h in leaves).root()
                assert store.inclusion_proof(3, 30) == store.inclusion_proofs([3], 30)[0]
    finally:
        other.dispose()


def test_one_append_may_hold_more_rows_than_a_statement_binds(db: Database) -> None:
    """A mirror's first run appends a whole log at once: more values than SQLite binds
    to one statement (50,000 leaves: 150,000 entry and about 300,000 node values, over
    even Debian's raised limit of 250,000)."""
    leaves = [(leaf, merkle.hash_leaf(leaf)) for leaf in (b"entry %d" % i for i in range(50_000))]
    assert _append(db, leaves) == list(range(50_000))
    tree = merkle.MerkleTree()
    for _, leaf_hash in leaves:
        tree.append(leaf_hash)
    with db.read() as connection:
        store = LogStore(connection)
        assert store.root() == tree.root()
        assert store.inclusion_proof(49_999, 50_000) == tree.inclusion_proof(49_999, 50_000)
