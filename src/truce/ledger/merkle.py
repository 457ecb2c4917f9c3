"""RFC 6962 §2.1 Merkle Hash Trees, with the proof checks of RFC 9162 §2.1.3 and §2.1.4.

The log of truce is an append-only Merkle tree over the JCS bytes of signed act envelopes
(see "Log format, version 1" in the design). Hashing is RFC 6962 §2.1:

- ``MTH({})      = SHA-256()``,
- ``MTH({d(0)})  = SHA-256(0x00 || d(0))``, the leaf hash, and
- ``MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`` for ``n > 1``, where
  ``k`` is the largest power of two smaller than ``n``.

**Storage model.** A store keeps the hash of every *complete aligned subtree*, addressed
``(level, index)`` and covering leaves ``[index << level, (index + 1) << level)``; level 0
holds the leaf hashes. Any node of any tree size is a short left-to-right run of such
subtrees (:func:`subtrees`), and its hash is their right fold (:func:`fold`). The proof
functions here are pure: they say *which* leaf ranges a proof needs
(:func:`inclusion_ranges`, :func:`consistency_ranges`); the store fetches the subtrees of
each range and folds them. :class:`Frontier` keeps the right border of the tree so that an
append costs O(log n) hashes and reports the new complete subtrees for the store to insert.

**Verification** follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), whose
proofs are byte-for-byte those of RFC 6962 §2.1.1 and §2.1.2. Failures raise
:class:`~truce.errors.ProofError` with a plain reason.

:class:`MerkleTree` is a small in-memory tree built the same way, for tests and for
offline verification of a downloaded log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

from truce.ledger.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "MerkleTree",
    "consistency_ranges",
    "fold",
    "frontier_subtrees",
    "hash_children",
    "hash_leaf",
    "inclusion_ranges",
    "root_from_inclusion",
    "subtrees",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
"""Bytes in a SHA-256 hash, and so in every node hash."""

EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
"""``MTH({})``: the root of the empty tree (RFC 6962 §2.1)."""

_sha256 = hashlib.sha256


def hash_leaf(data: bytes) -> bytes:
    """RFC 6962 §2.1 leaf hash: ``SHA-256(0x00 || data)``."""
    return _sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """RFC 6962 §2.1 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return _sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (``size > 1``), RFC 6962 §2.1."""
    return 1 << ((size - 1).bit_length() - 1)


# --------------------------------------------------------------------------- ranges


def subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The complete aligned subtrees ``(level, index)`` that make up ``[start, end)``.

    They are listed left to right, largest first, one per set bit of ``end - start``;
    ``start`` must be aligned for that (true of ``0`` and of every node range of an
    RFC 6962 tree, which starts at a multiple of the smallest power of two that is at
    least its size). Raises :class:`ValueError` for an empty or unaligned range.
    """
    if not 0 <= start < end:
        raise ValueError(f"no leaves in the range [{start}, {end})")
    result: list[tuple[int, int]] = []
    position, remaining = start, end - start
    while remaining:
        level = remaining.bit_length() - 1
        width = 1 << level
        if position & (width - 1):
            raise ValueError(
                f"[{start}, {end}) is not a node range: {position} is not a multiple of {width}"
            )
        result.append((level, position >> level))
        position += width
        remaining -= width
    return result


def frontier_subtrees(size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` nodes on the right border of a tree of ``size`` leaves.

    One per set bit of ``size``, highest level first: what a store loads to build a
    :class:`Frontier`. Empty for the empty tree.
    """
    if size < 0:
        raise ValueError(f"a tree cannot have {size} leaves")
    return subtrees(0, size) if size else []


def fold(hashes: Sequence[bytes]) -> bytes:
    """The RFC 6962 MTH of a range, from the hashes of its :func:`subtrees`, in order.

    The range is a complete subtree of the largest of them followed by the rest, so its
    hash is the right fold ``H(s0, H(s1, ... H(s[n-2], s[n-1])))``.
    """
    if not hashes:
        raise ValueError("cannot fold an empty list of subtree hashes")
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = _sha256(b"\x01" + left + result).digest()
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges ``[start, end)`` whose MTHs are the audit path of RFC 6962 §2.1.1.

    ``PATH(index, D[size])``, in the RFC's order: from the leaf's sibling up to the
    child of the root. Empty for a tree of one leaf.
    """
    if size <= 0:
        raise ValueError(f"no inclusion proof in a tree of {size} leaves")
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    result: list[tuple[int, int]] = []
    low, high = 0, size
    while high - low > 1:
        middle = low + _split(high - low)
        if index < middle:
            result.append((middle, high))
            high = middle
        else:
            result.append((low, middle))
            low = middle
    result.reverse()
    return result


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """Leaf ranges ``[start, end)`` whose MTHs are ``PROOF(first, D[second])``.

    RFC 6962 §2.1.2, ``SUBPROOF(first, D[second], true)``, in the RFC's order. Empty when
    ``first == second``, and also when ``first == 0``: the empty tree is a prefix of every
    tree, so nothing needs proving (RFC 9162 §2.1.4); :func:`verify_consistency` then
    only checks that the first root is :data:`EMPTY_ROOT`.
    """
    if first < 0 or second < 0:
        raise ValueError(f"tree sizes cannot be negative ({first}, {second})")
    if first > second:
        raise ValueError(f"the first tree ({first}) is larger than the second ({second})")
    result: list[tuple[int, int]] = []
    if first == 0:
        return result
    low, high, whole = 0, second, True
    while first != high:
        middle = low + _split(high - low)
        if first <= middle:
            result.append((middle, high))
            high = middle
        else:
            result.append((low, middle))
            low = middle
            whole = False
    if not whole:
        result.append((low, high))
    result.reverse()
    return result


# --------------------------------------------------------------------------- frontier


class Frontier:
    """The right border of a tree: one complete-subtree hash per set bit of ``size``.

    ``hashes`` are those of :func:`frontier_subtrees` (``size``), highest level first.
    :meth:`append` adds a leaf in O(log n) hashes; :meth:`root` folds the border.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int, hashes: Iterable[bytes]) -> None:
        if size < 0:
            raise ValueError(f"a tree cannot have {size} leaves")
        self._size = size
        self._hashes = list(hashes)
        if len(self._hashes) != size.bit_count():
            raise ValueError(
                f"a tree of {size} leaves has {size.bit_count()} border subtrees, "
                f"not {len(self._hashes)}"
            )
        if any(len(h) != HASH_SIZE for h in self._hashes):
            raise ValueError(f"border hashes must be {HASH_SIZE} bytes")

    @classmethod
    def empty(cls) -> Frontier:
        """The border of the empty tree."""
        return cls(0, [])

    @property
    def size(self) -> int:
        """The number of leaves in the tree."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """A copy of the border hashes, highest level first."""
        return list(self._hashes)

    def copy(self) -> Frontier:
        """An independent copy of this border."""
        return Frontier(self._size, self._hashes)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return the complete subtrees this creates as ``(level, index, hash)``.

        The first is the leaf itself at ``(0, size)``; each further one is the merge of the
        previous with the border subtree to its left, up to the new largest. These are the
        nodes a store inserts.
        """
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes, not {len(leaf_hash)}")
        size = self._size
        hashes = self._hashes
        created = [(0, size, leaf_hash)]
        node = leaf_hash
        level = 0
        while (size >> level) & 1:
            node = _sha256(b"\x01" + hashes.pop() + node).digest()
            level += 1
            created.append((level, size >> level, node))
        hashes.append(node)
        self._size = size + 1
        return created

    def root(self) -> bytes:
        """The RFC 6962 MTH of the whole tree; :data:`EMPTY_ROOT` when it is empty."""
        return fold(self._hashes) if self._hashes else EMPTY_ROOT

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"


# --------------------------------------------------------------------------- verification


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"the {what} is {len(value)} bytes long, not {HASH_SIZE}")


def root_from_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof leads to, by RFC 9162 §2.1.3.2 steps 1 to 4.

    Raises :class:`~truce.errors.ProofError` when the proof has the wrong length for
    ``index`` and ``size``, or holds something that is not a hash.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} cannot be in a tree of {size} leaves")
    _check_hash(leaf_hash, "leaf hash")
    fn, sn = index, size - 1
    result = leaf_hash
    for position, sibling in enumerate(proof):
        _check_hash(sibling, f"proof element {position}")
        if sn == 0:
            raise ProofError(
                f"the inclusion proof is too long: {len(proof)} hashes, "
                f"but leaf {index} of {size} needs {position}"
            )
        if fn & 1 or fn == sn:
            result = _sha256(b"\x01" + sibling + result).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = _sha256(b"\x01" + result + sibling).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"the inclusion proof is too short: {len(proof)} hashes for leaf {index} of {size}"
        )
    return result


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that leaf ``index`` of the tree of ``size`` leaves with ``root`` has ``leaf_hash``.

    RFC 9162 §2.1.3.2. Returns ``None``, or raises :class:`~truce.errors.ProofError`.
    """
    _check_hash(root, "root")
    if root_from_inclusion(leaf_hash, index, size, proof) != root:
        raise ProofError(
            f"the inclusion proof for leaf {index} does not lead to the root of the tree "
            f"of {size} leaves"
        )


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``first`` leaves is a prefix of the tree of ``second``.

    RFC 9162 §2.1.4.2, which checks RFC 6962 §2.1.2 proofs. When ``first == second`` the
    proof must be empty and the roots equal; when ``first == 0`` the proof must be empty
    and ``first_root`` must be :data:`EMPTY_ROOT` (any tree extends the empty tree).
    Returns ``None``, or raises :class:`~truce.errors.ProofError`.
    """
    _check_hash(first_root, "first root")
    _check_hash(second_root, "second root")
    if first < 0 or first > second:
        raise ProofError(f"a tree of {first} leaves cannot be a prefix of one of {second}")
    if first == 0 or first == second:
        if proof:
            raise ProofError(
                f"a consistency proof from {first} to {second} leaves must be empty, "
                f"but it has {len(proof)} hashes"
            )
        expected = EMPTY_ROOT if first == 0 else second_root
        if first_root != expected:
            raise ProofError(
                "the first root is not the empty tree's root"
                if first == 0
                else f"the two roots of the tree of {first} leaves differ"
            )
        return
    for position, element in enumerate(proof):
        _check_hash(element, f"proof element {position}")
    if not proof:
        raise ProofError(f"the consistency proof from {first} to {second} leaves is empty")
    path = list(proof)
    if first & (first - 1) == 0:  # step 2: a power of two is a node of both trees
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for element in path[1:]:
        if sn == 0:
            raise ProofError(f"the consistency proof from {first} to {second} leaves is too long")
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + element + fr).digest()
            sr = _sha256(b"\x01" + element + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + element).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"the consistency proof from {first} to {second} leaves is too short")
    if fr != first_root:
        raise ProofError(f"the consistency proof does not lead to the root of {first} leaves")
    if sr != second_root:
        raise ProofError(f"the consistency proof does not lead to the root of {second} leaves")


# --------------------------------------------------------------------------- in memory


class MerkleTree:
    """An in-memory RFC 6962 tree that keeps every complete subtree, as a store would.

    Proofs are answered the way a store answers them: :func:`inclusion_ranges` or
    :func:`consistency_ranges`, then :func:`subtrees` and :func:`fold` per range.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._frontier = Frontier.empty()
        self._nodes: dict[tuple[int, int], bytes] = {}
        for leaf_hash in leaf_hashes:
            self.append(leaf_hash)

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MerkleTree:
        """A tree whose leaves are the :func:`hash_leaf` of each entry."""
        return cls(hash_leaf(entry) for entry in entries)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self._frontier.size

    def append(self, leaf_hash: bytes) -> int:
        """Add a leaf hash; return its index."""
        index = self._frontier.size
        for level, position, node in self._frontier.append(leaf_hash):
            self._nodes[level, position] = node
        return index

    def leaf_hash(self, index: int) -> bytes:
        """The hash of leaf ``index``."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf {index} is not in a tree of {self.size} leaves")
        return self._nodes[0, index]

    def range_hash(self, start: int, end: int) -> bytes:
        """The MTH of the leaves ``[start, end)`` (an RFC 6962 node, or a prefix)."""
        if end > self.size:
            raise ValueError(f"leaf {end - 1} is not in a tree of {self.size} leaves")
        return fold([self._nodes[node] for node in subtrees(start, end)])

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree of the first ``size`` leaves (default: all of them)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"no tree of {size} leaves; this one has {self.size}")
        return self.range_hash(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 §2.1.1 audit path of leaf ``index`` in the tree of ``size`` leaves."""
        size = self.size if size is None else size
        if size > self.size:
            raise ValueError(f"no tree of {size} leaves; this one has {self.size}")
        return [self.range_hash(*span) for span in inclusion_ranges(index, size)]

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """RFC 6962 §2.1.2 consistency proof between the trees of ``first`` and ``second``."""
        second = self.size if second is None else second
        if second > self.size:
            raise ValueError(f"no tree of {second} leaves; this one has {self.size}")
        return [self.range_hash(*span) for span in consistency_ranges(first, second)]
