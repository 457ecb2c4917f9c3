"""RFC 6962 Merkle trees: known answers, a naive reference, proofs and their refusals."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.errors import ProofError
from truce.ledger import merkle
from truce.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    consistency_ranges,
    fold,
    frontier_subtrees,
    hash_children,
    hash_leaf,
    inclusion_ranges,
    root_from_inclusion,
    subtrees,
    verify_consistency,
    verify_inclusion,
)

# The leaves of the standard RFC 6962 test tree (certificate-transparency, transparency-dev).
STANDARD_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]

# Their roots for tree sizes 1..8, as published with that test data.
STANDARD_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

MAX_SIZE = 64
LEAVES = STANDARD_LEAVES + [bytes([i]) * (i % 7) + b"leaf" for i in range(8, MAX_SIZE)]

# --------------------------------------------------------------------------- reference
# RFC 6962 §2.1, §2.1.1 and §2.1.2 as written: recursion over the list D of entries.


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def _mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) over LEAVES."""
    n = hi - lo
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + LEAVES[lo]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + _mth(lo, lo + k) + _mth(lo + k, hi)).digest()


def _path(m: int, lo: int, hi: int) -> list[bytes]:
    """PATH(m, D[lo:hi])."""
    n = hi - lo
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*_path(m, lo, lo + k), _mth(lo + k, hi)]
    return [*_path(m - k, lo + k, hi), _mth(lo, lo + k)]


def _subproof(m: int, lo: int, hi: int, b: bool) -> list[bytes]:
    """SUBPROOF(m, D[lo:hi], b)."""
    n = hi - lo
    if m == n:
        return [] if b else [_mth(lo, hi)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, lo, lo + k, b), _mth(lo + k, hi)]
    return [*_subproof(m - k, lo + k, hi, False), _mth(lo, lo + k)]


def _proof(m: int, n: int) -> list[bytes]:
    """PROOF(m, D[n])."""
    return _subproof(m, 0, n, True)


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    return MerkleTree.from_entries(LEAVES)


# --------------------------------------------------------------------------- known answers


def test_empty_root() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert Frontier.empty().root() == EMPTY_ROOT
    assert MerkleTree().root() == EMPTY_ROOT
    assert MerkleTree().root(0) == EMPTY_ROOT


def test_standard_tree_roots() -> None:
    standard = MerkleTree.from_entries(STANDARD_LEAVES)
    frontier = Frontier.empty()
    for size, expected in enumerate(STANDARD_ROOTS, start=1):
        assert standard.root(size).hex() == expected
        assert _mth(0, size).hex() == expected
        frontier.append(hash_leaf(STANDARD_LEAVES[size - 1]))
        assert frontier.root().hex() == expected


def test_hash_prefixes() -> None:
    assert hash_leaf(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"L" * 32, b"R" * 32
    assert hash_children(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


# --------------------------------------------------------------------------- ranges


def test_subtrees() -> None:
    assert subtrees(0, 1) == [(0, 0)]
    assert subtrees(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert subtrees(8, 13) == [(2, 2), (0, 12)]
    assert subtrees(16, 32) == [(4, 1)]
    assert frontier_subtrees(0) == []
    assert frontier_subtrees(13) == [(3, 0), (2, 2), (0, 12)]
    for bad in [(3, 5), (4, 12), (2, 2), (5, 4), (-1, 3)]:
        with pytest.raises(ValueError, match="range"):
            subtrees(*bad)


def test_fold() -> None:
    a, b, c = (bytes([i]) * 32 for i in range(3))
    assert fold([a]) == a
    assert fold([a, b, c]) == hash_children(a, hash_children(b, c))
    with pytest.raises(ValueError, match="empty"):
        fold([])


def test_range_arguments_refused() -> None:
    with pytest.raises(ValueError, match="0 leaves"):
        inclusion_ranges(0, 0)
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_ranges(5, 5)
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_ranges(-1, 5)
    with pytest.raises(ValueError, match="larger"):
        consistency_ranges(6, 5)
    with pytest.raises(ValueError, match="negative"):
        consistency_ranges(-1, 5)


def test_consistency_from_empty_and_to_self() -> None:
    assert consistency_ranges(0, 0) == []
    assert consistency_ranges(0, 9) == []
    assert consistency_ranges(9, 9) == []


def test_every_range_is_a_node_range() -> None:
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            for start, end in inclusion_ranges(index, size):
                assert subtrees(start, end)  # aligned: would raise otherwise
        for first in range(1, size + 1):
            for start, end in consistency_ranges(first, size):
                assert subtrees(start, end)


# --------------------------------------------------------------------------- proofs


def test_inclusion_proofs_match_reference_and_verify(tree: MerkleTree) -> None:
    for size in range(1, MAX_SIZE + 1):
        root = tree.root(size)
        assert root == _mth(0, size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == _path(index, 0, size), (index, size)
            leaf = tree.leaf_hash(index)
            verify_inclusion(leaf, index, size, proof, root)
            assert root_from_inclusion(leaf, index, size, proof) == root


def test_consistency_proofs_match_reference_and_verify(tree: MerkleTree) -> None:
    for second in range(1, MAX_SIZE + 1):
        for first in range(1, second + 1):
            proof = tree.consistency_proof(first, second)
            assert proof == _proof(first, second), (first, second)
            verify_consistency(first, second, tree.root(first), tree.root(second), proof)


def test_consistency_with_the_empty_tree(tree: MerkleTree) -> None:
    verify_consistency(0, 5, EMPTY_ROOT, tree.root(5), [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 5, tree.root(1), tree.root(5), [])
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(0, 5, EMPTY_ROOT, tree.root(5), [tree.root(5)])


def test_consistency_with_itself(tree: MerkleTree) -> None:
    verify_consistency(7, 7, tree.root(7), tree.root(7), [])
    with pytest.raises(ProofError, match="differ"):
        verify_consistency(7, 7, tree.root(7), tree.root(6), [])
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(7, 7, tree.root(7), tree.root(7), [tree.root(7)])


def _flip(value: bytes, position: int = 0) -> bytes:
    return value[:position] + bytes([value[position] ^ 1]) + value[position + 1 :]


def _inclusion_refused(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, root)


def _shape(index: int, size: int) -> list[bool]:
    """Which side each audit path sibling is on. The RFC 9162 check folds a proof the same
    way for any two sizes of the same shape, so only the root tells those sizes apart."""
    return [start < index for start, _ in inclusion_ranges(index, size)]


def test_tampered_inclusion_proofs_refused(tree: MerkleTree) -> None:
    for size in range(1, 34):
        root = tree.root(size)
        for index in range(size):
            leaf = tree.leaf_hash(index)
            proof = tree.inclusion_proof(index, size)
            _inclusion_refused(_flip(leaf), index, size, proof, root)
            _inclusion_refused(leaf, index, size, proof, _flip(root, 31))
            for position in range(len(proof)):
                changed = list(proof)
                changed[position] = _flip(proof[position], position)
                _inclusion_refused(leaf, index, size, changed, root)
            if proof:
                _inclusion_refused(leaf, index, size, proof[:-1], root)
                _inclusion_refused(leaf, index, size, proof[1:], root)
            _inclusion_refused(leaf, index, size, [*proof, root], root)
            _inclusion_refused(leaf, index, size, [root, *proof], root)
            _inclusion_refused(leaf, index, size, [*proof, b"short"], root)
            for other in {index - 1, index + 1, size}:
                if other >= 0 and (other >= size or tree.leaf_hash(other) != leaf):
                    _inclusion_refused(leaf, other, size, proof, root)
            for other_size in {size - 1, size + 1, 2 * size}:
                if other_size > index and _shape(index, other_size) != _shape(index, size):
                    _inclusion_refused(leaf, index, other_size, proof, root)


def _consistency_refused(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    with pytest.raises(ProofError):
        verify_consistency(first, second, first_root, second_root, proof)


def test_tampered_consistency_proofs_refused(tree: MerkleTree) -> None:
    for second in range(2, 34):
        for first in range(1, second):
            proof = tree.consistency_proof(first, second)
            r1, r2 = tree.root(first), tree.root(second)
            _consistency_refused(first, second, _flip(r1), r2, proof)
            _consistency_refused(first, second, r1, _flip(r2), proof)
            for position in range(len(proof)):
                changed = list(proof)
                changed[position] = _flip(proof[position], 31 - position)
                _consistency_refused(first, second, r1, r2, changed)
            _consistency_refused(first, second, r1, r2, proof[:-1])
            _consistency_refused(first, second, r1, r2, proof[1:])
            _consistency_refused(first, second, r1, r2, [*proof, r2])
            _consistency_refused(first, second, r1, r2, [r1, *proof])
            _consistency_refused(first, second, r1, r2, [])
            _consistency_refused(first, second, r1, r2, [*proof[:-1], b"x" * 31])
            _consistency_refused(second, first, r2, r1, proof)
            for other in (first - 1, first + 1):
                if 0 < other < second and tree.root(other) != r1:
                    _consistency_refused(other, second, r1, r2, proof)
            # A proof for another pair of sizes does not lead to the right roots (a size
            # alone is bound only through its root, as with inclusion proofs).
            _consistency_refused(first, second + 1, r1, tree.root(second + 1), proof)


def test_proof_errors_are_plain() -> None:
    leaf = hash_leaf(b"x")
    with pytest.raises(ProofError, match="cannot be in a tree"):
        verify_inclusion(leaf, 3, 3, [], leaf)
    with pytest.raises(ProofError, match="too short"):
        verify_inclusion(leaf, 0, 2, [], leaf)
    with pytest.raises(ProofError, match="too long"):
        verify_inclusion(leaf, 0, 1, [leaf], leaf)
    with pytest.raises(ProofError, match="does not lead to the root"):
        verify_inclusion(leaf, 0, 1, [], EMPTY_ROOT)
    with pytest.raises(ProofError, match="root is 3 bytes"):
        verify_inclusion(leaf, 0, 1, [], b"abc")
    with pytest.raises(ProofError, match="cannot be a prefix"):
        verify_consistency(3, 2, leaf, leaf, [leaf])


# --------------------------------------------------------------------------- frontier


def _complete_subtrees(size: int) -> set[tuple[int, int]]:
    return {(level, index) for level in range(size.bit_length()) for index in range(size >> level)}


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=300), st.randoms(use_true_random=False))
def test_frontier_appends(size: int, rng: random.Random) -> None:
    entries = [rng.randbytes(rng.randrange(0, 40)) for _ in range(size)]
    frontier = Frontier.empty()
    created: dict[tuple[int, int], bytes] = {}
    for count, entry in enumerate(entries, start=1):
        new = frontier.append(hash_leaf(entry))
        assert new[0] == (0, count - 1, hash_leaf(entry))
        for level, index, node in new:
            assert (level, index) not in created
            created[level, index] = node
    assert frontier.size == size
    assert set(created) == _complete_subtrees(size)
    # Each emitted node is the MTH of the leaves it covers.
    for (level, index), node in created.items():
        start = index << level
        assert node == _reference_root(entries[start : start + (1 << level)])
    assert frontier.root() == _reference_root(entries)
    # The border is exactly the frontier_subtrees nodes, and reloads.
    border = [created[node] for node in frontier_subtrees(size)]
    assert frontier.hashes == border
    assert Frontier(size, border).root() == frontier.root()


def _reference_root(entries: Sequence[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = _k(n)
    return hashlib.sha256(
        b"\x01" + _reference_root(entries[:k]) + _reference_root(entries[k:])
    ).digest()


def test_frontier_continues_from_loaded_border(tree: MerkleTree) -> None:
    for size in range(MAX_SIZE):
        border = [
            tree.range_hash(index << level, (index + 1) << level)
            for level, index in frontier_subtrees(size)
        ]
        frontier = Frontier(size, border)
        copy = frontier.copy()
        frontier.append(tree.leaf_hash(size))
        assert frontier.root() == tree.root(size + 1)
        assert copy.size == size
        assert copy.root() == tree.root(size)


def test_frontier_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="2 border subtrees"):
        Frontier(3, [EMPTY_ROOT])
    with pytest.raises(ValueError, match="32 bytes"):
        Frontier(1, [b"x"])
    with pytest.raises(ValueError, match="-1 leaves"):
        Frontier(-1, [])
    with pytest.raises(ValueError, match="32 bytes"):
        Frontier.empty().append(b"short")


def test_tree_refuses_sizes_it_does_not_have(tree: MerkleTree) -> None:
    with pytest.raises(ValueError, match="no tree"):
        tree.root(MAX_SIZE + 1)
    with pytest.raises(ValueError, match="no tree"):
        tree.inclusion_proof(0, MAX_SIZE + 1)
    with pytest.raises(ValueError, match="no tree"):
        tree.consistency_proof(1, MAX_SIZE + 1)
    with pytest.raises(ValueError, match="not in a tree"):
        tree.leaf_hash(MAX_SIZE)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_large_trees(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=2000))
    big = MerkleTree(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    verify_inclusion(big.leaf_hash(index), index, size, big.inclusion_proof(index), big.root())
    first = data.draw(st.integers(min_value=1, max_value=size))
    verify_consistency(first, size, big.root(first), big.root(), big.consistency_proof(first))
    assert len(merkle.inclusion_ranges(index, size)) <= size.bit_length()
