"""The per-entry half of offline verification: what can be checked of a leaf alone.

:func:`check_batch` runs in worker processes (or threads) of
:func:`truce.verify.audit.verify_bundle`. For each leaf of a batch it checks that the
leaf is a version 1 act envelope (:meth:`~truce.ledger.envelope.Envelope.from_dict`) in
RFC 8785 canonical form, verifies its Ed25519 signature (RFC 8032) with the public key
its ``author.key`` names, hashes the body beside it (when the bundle holds one) against
``body_digest``, and hashes the leaf into its RFC 6962 subtree. What depends on the log
before the entry (was the key registered to that author, and not revoked, at that
point?) is left to the registry replay in the parent, which gets back a compact
:class:`BatchResult`: one small record per distinct author and kind, one byte of flags
per leaf, and the complete subtree hashes of the batch, rather than an object per leaf.

A canonical envelope has one exact byte layout, so a single regular expression
(:data:`_CANONICAL`) both parses it and proves it canonical. A leaf it does not match is
parsed the slow, general way (JSON, then ``Envelope.from_dict``), which either names what
is wrong with it or accepts it: the expression only ever saves time, it never decides.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from binascii import a2b_base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from truce.ledger.envelope import Envelope, parse_time
from truce.ledger.errors import TruceError
from truce.ledger.keys import verify_all
from truce.verify.bundle import split_bodies, split_leaves

__all__ = [
    "BODY_ABSENT",
    "BODY_MISMATCH",
    "BODY_OK",
    "SIG_BAD",
    "SIG_OK",
    "SIG_UNKNOWN_KEY",
    "BatchResult",
    "Signer",
    "canonical",
    "check_batch",
    "check_file_batch",
    "subtrees",
]

BODY_ABSENT: Final = 0
BODY_OK: Final = 1
BODY_MISMATCH: Final = 2
SIG_BAD: Final = 0
SIG_OK: Final = 4
SIG_UNKNOWN_KEY: Final = 8
"""A leaf's flags byte is one ``SIG_*`` value plus one ``BODY_*`` value."""

KEEP_BODIES_OF: Final = frozenset({"mechanism.genesis", "member.key"})
"""Kinds whose bodies the parent needs: the scenario, and the key registry's acts."""

Signer = tuple[str, str, str, str, str, bool]
"""``(kind, member, delegate, key id, mechanism, audience is "all")``: what the parent
checks against the key registry. Every leaf of a batch points at one of these."""

_TIME = rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z"
_NAME = rb"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_CODE = rb"[A-Z]{2,4}"
_HEX = rb"[0-9a-f]{64}"
_WHO = (
    rb'"audience":("all"|"mediators"|"public"|\["' + _CODE + rb'"(?:,"' + _CODE + rb'")*\]),'
    rb'"author":\{"delegate":"(' + _NAME + rb')","key":"([A-Za-z0-9_-]{43})",'
    rb'"member":"(' + _CODE + rb')"\}'
)
_WHAT = rb'"kind":"([a-z][a-z_]*(?:\.[a-z][a-z_]*)+)","mechanism":"(' + _NAME + rb')"'
_CANONICAL: Final = re.compile(
    rb'\{"at":"(' + _TIME + rb')",'
    rb"((?:" + _WHO + rb")),"
    rb'"body_digest":"sha256:(' + _HEX + rb')",'
    rb"((?:" + _WHAT + rb")),"
    rb'"refs":\[(?:"' + _HEX + rb'"(?:,"' + _HEX + rb'"){0,63})?\],'
    # The last character of an unpadded 64-byte signature carries 2 bits and 4 zero
    # bits: only A, Q, g and w spell it canonically (what Envelope.from_dict demands).
    rb'"sig":"([A-Za-z0-9_-]{85}[AQgw])","v":1\}'
)
"""The RFC 8785 form of every envelope that ``Envelope.from_dict`` accepts, and nothing
else except a list audience that repeats a member and an impossible date (both checked
after a match). Groups: at, who (the audience and author members), audience, delegate,
key, member, digest, what (the kind and mechanism members), kind, mechanism, and the
signature. Leaves of one signer share ``who`` and ``what``, so the pair of them is what
a batch looks its signer up by."""

_TAIL: Final = b'"v":1}'
"""What follows the ``"sig"`` member of a canonical envelope."""
_SIG_AT: Final = -(len(b'"sig":"",') + 86 + len(_TAIL))
"""Where the ``"sig"`` member of a canonical leaf starts, counted from its end: its
signature is always 86 letters, so the offset is the same for every leaf."""

_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")
"""base64url's two letters (RFC 4648 §5) turned into base64's, for ``a2b_base64``."""

_TIMES_KEPT: Final = 4096


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a worker learnt about a batch of consecutive leaves.

    ``signers[ids[i]]`` and ``flags[i]`` describe leaf ``first + i`` for every ``i`` below
    ``len(flags)``. If a leaf is malformed, ``error`` is its offset in the batch and the
    reason, and the batch stops there. ``digests`` and ``bodies`` hold, by offset, the
    body digest of every leaf whose body does not match, and the body of every leaf of a
    kind in :data:`KEEP_BODIES_OF`. ``subtrees`` are the ``(level, hash)`` of the complete
    RFC 6962 subtrees that the checked leaves make, largest first; ``leaf_hashes`` the
    leaf hashes themselves, 32 bytes each, when the caller asked for them.
    """

    first: int
    signers: list[Signer]
    ids: list[int]
    flags: bytes
    digests: dict[int, str]
    bodies: dict[int, bytes]
    subtrees: list[tuple[int, bytes]]
    leaf_hashes: bytes
    error: tuple[int, str] | None


def canonical(envelope: Envelope) -> bytes:
    """The RFC 8785 bytes of an envelope that :meth:`Envelope.from_dict` accepted.

    Every value of such an envelope is an ASCII string matched by a pattern that admits
    no character JSON escapes, a list of them, or the integer 1, so the canonical form is
    the keys in sorted order with the values quoted: the same bytes as
    :meth:`Envelope.leaf_bytes`, several times faster. Raises ``UnicodeEncodeError`` for
    an envelope that holds other characters (those patterns use ``\\d``, which admits
    non-ASCII digits): such a leaf is not in the form truce writes.
    """
    audience = envelope.audience
    audience_text = f'"{audience}"' if isinstance(audience, str) else _quoted_list(audience)
    return (
        f'{{"at":"{envelope.at}","audience":{audience_text},"author":{{"delegate":'
        f'"{envelope.delegate}","key":"{envelope.key_id}","member":"{envelope.member}"}},'
        f'"body_digest":"{envelope.body_digest}","kind":"{envelope.kind}",'
        f'"mechanism":"{envelope.mechanism}","refs":{_quoted_list(envelope.refs)},'
        f'"sig":"{envelope.sig}","v":1}}'
    ).encode("ascii")


def _quoted_list(values: Sequence[str]) -> str:
    return "[" + ",".join(f'"{value}"' for value in values) + "]"


def _slow_parse(leaf: bytes) -> Envelope | str:
    """The envelope of a leaf that the fast expression did not match, or what is wrong."""
    try:
        data = json.loads(leaf)
        envelope = Envelope.from_dict(data)
    except (ValueError, RecursionError) as exc:
        return f"the entry is not a JSON act envelope: {exc}"
    except TruceError as exc:
        return f"malformed envelope: {exc.message}"
    try:
        if type(data["v"]) is not int or canonical(envelope) != leaf:
            return "the entry is not in RFC 8785 canonical form"
    except UnicodeEncodeError:
        return "the entry is not in RFC 8785 canonical form"
    return envelope


def subtrees(hashes: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """The RFC 6962 complete subtrees of consecutive leaves, as ``(level, hash)``.

    The leaves must start at a multiple of the largest power of two not above their
    number (a batch of :data:`~truce.verify.audit.BATCH` at a multiple of it does), so
    that every subtree is one of the tree's own. Each subtree is hashed a level at a time.
    """
    found: list[tuple[int, bytes]] = []
    sha256 = hashlib.sha256
    start = 0
    for level in reversed(range(len(hashes).bit_length())):
        if not (len(hashes) >> level) & 1:
            continue
        nodes = list(hashes[start : start + (1 << level)])
        while len(nodes) > 1:
            nodes = [
                sha256(b"\x01" + left + right).digest()
                for left, right in zip(nodes[::2], nodes[1::2], strict=True)
            ]
        found.append((level, nodes[0]))
        start += 1 << level
    return found


def check_file_batch(
    fd: int,
    first: int,
    entries: tuple[int, int],
    bodies: tuple[int, int],
    keys: dict[str, bytes],
    want_leaf_hashes: bool = False,
) -> BatchResult:
    """:func:`check_batch` of the ``(offset, length)`` spans of the open bundle ``fd``.

    A worker reads its batch itself (``os.pread``, which moves no shared file position),
    so that the process handing out batches sends it two numbers instead of a megabyte.
    The descriptor is the one the verifier opened before starting its workers, so every
    worker reads the same file even if its path is replaced meanwhile.
    """
    entry_bytes = os.pread(fd, entries[1], entries[0])
    body_bytes = os.pread(fd, bodies[1], bodies[0])
    if len(entry_bytes) != entries[1] or len(body_bytes) != bodies[1]:
        return BatchResult(first, [], [], b"", {}, {}, [], b"", (0, "the bundle is truncated"))
    return check_batch(first, entry_bytes, body_bytes, keys, want_leaf_hashes)


def check_batch(
    first: int,
    entries: bytes,
    bodies: bytes,
    keys: dict[str, bytes],
    want_leaf_hashes: bool = False,
) -> BatchResult:
    """Check the leaves of one batch: ``entries`` and ``bodies`` are the batch's slices of
    an entry file and of its body file, which hold the same number of records.

    ``keys`` maps key ids to raw public keys: every key the bundle names so far. Whether
    a key was *valid* for its author at that point is for the registry replay.
    """
    batch = _Batch(keys)
    error: tuple[int, str] | None = None
    leaves = split_leaves(entries)
    records = split_bodies(bodies)
    if len(records) != len(leaves):
        error = (0, f"the batch has {len(leaves)} entries but {len(records)} body records")
        leaves, records = [], []
    # Each step over the whole batch at once, as far as possible in comprehensions and
    # C functions: the interpreter's work per entry is what the verifier adds to the
    # signature checks themselves.
    ids: list[int] = []
    wanted: list[bytes] = []
    times: set[bytes] = set()
    known = batch.known
    for offset, found in enumerate(map(_CANONICAL.fullmatch, leaves)):
        number: int | None = None
        if found is not None:
            at, who, what, digest_hex = found.group(1, 2, 8, 7)
            number = known.get((who, what))
            if number is None:
                number = batch.add_matched(found)
            if number is not None and at not in times and not _real_time(at, times):
                number = None
        if number is None:
            envelope = _slow_parse(leaves[offset])
            if isinstance(envelope, str):
                error = (offset, envelope)
                leaves, records = leaves[:offset], records[:offset]
                break
            number = batch.add_parsed(envelope)
            digest_hex = envelope.body_digest[7:].encode()
        ids.append(number)
        wanted.append(digest_hex)
    sha256 = hashlib.sha256
    hashes = [sha256(b"\x00" + leaf).digest() for leaf in leaves]
    # A canonical envelope ends with "sig":"<86 letters>","v":1} and without its "sig"
    # member it is exactly the signed bytes.
    translate = _URLSAFE
    signed = [
        a2b_base64(leaf[_SIG_AT + 7 : -8].translate(translate) + b"==")
        + leaf[: len(leaf) + _SIG_AT]
        + _TAIL
        for leaf in leaves
    ]
    public_keys = [batch.public_keys[number] for number in ids]
    verdicts = verify_all([key or b"" for key in public_keys], signed)
    found_digests = [
        None if body is None else sha256(body).hexdigest().encode() for body in records
    ]
    flags = bytes(
        [
            (SIG_UNKNOWN_KEY if key is None else SIG_OK if good else SIG_BAD)
            + (BODY_ABSENT if digest is None else BODY_OK if digest == want else BODY_MISMATCH)
            for key, good, digest, want in zip(
                public_keys, verdicts, found_digests, wanted, strict=True
            )
        ]
    )
    keeps = batch.keeps
    kept = {
        offset: body
        for offset, (number, body) in enumerate(zip(ids, records, strict=True))
        if keeps[number] and flags[offset] & 3 == BODY_OK and body is not None
    }
    digests = {
        offset: "sha256:" + want.decode()
        for offset, want in enumerate(wanted)
        if flags[offset] & 3 == BODY_MISMATCH
    }
    return BatchResult(
        first=first,
        signers=batch.signers,
        ids=ids,
        flags=flags,
        digests=digests,
        bodies=kept,
        subtrees=subtrees(hashes),
        leaf_hashes=b"".join(hashes) if want_leaf_hashes else b"",
        error=error,
    )


class _Batch:
    """The distinct signers of one batch, each with its public key (None if unknown) and
    whether the bodies of its kind are kept for the parent."""

    __slots__ = ("by_signer", "keeps", "keys", "known", "public_keys", "signers")

    def __init__(self, keys: dict[str, bytes]) -> None:
        self.keys = keys
        self.known: dict[tuple[bytes, bytes], int] = {}
        self.by_signer: dict[Signer, int] = {}
        self.signers: list[Signer] = []
        self.public_keys: list[bytes | None] = []
        self.keeps: list[bool] = []

    def add_matched(self, found: re.Match[bytes]) -> int | None:
        """The signer of a leaf :data:`_CANONICAL` matched, remembered by its ``who`` and
        ``what``; None when its list audience names a member twice (not canonical)."""
        audience = found.group(3)
        if audience[0] == 0x5B and not _distinct(audience):  # a list: "["
            return None
        delegate, key_id, member, kind, mechanism = (
            part.decode("ascii") for part in found.group(4, 5, 6, 9, 10)
        )
        number = self._add((kind, member, delegate, key_id, mechanism, audience == b'"all"'))
        who, what = found.group(2, 8)
        self.known[(who, what)] = number
        return number

    def add_parsed(self, envelope: Envelope) -> int:
        """The signer of a leaf parsed the general way."""
        return self._add(
            (
                envelope.kind,
                envelope.member,
                envelope.delegate,
                envelope.key_id,
                envelope.mechanism,
                envelope.audience == "all",
            )
        )

    def _add(self, signer: Signer) -> int:
        number = self.by_signer.get(signer)
        if number is None:
            number = self.by_signer[signer] = len(self.signers)
            self.signers.append(signer)
            self.public_keys.append(_load(self.keys.get(signer[3])))
            self.keeps.append(signer[0] in KEEP_BODIES_OF)
        return number


def _load(raw: bytes | None) -> bytes | None:
    """A registered key's raw bytes, or None when there is none or they cannot be an
    Ed25519 key."""
    return raw if raw is not None and len(raw) == 32 else None


def _real_time(at: bytes, times: set[bytes]) -> bool:
    """Whether ``at`` (already of the RFC 3339 form) is a real moment; remembered if so."""
    try:
        parse_time(at.decode("ascii"))
    except TruceError:
        return False
    if len(times) >= _TIMES_KEPT:
        times.clear()
    times.add(at)
    return True


def _distinct(audience: bytes) -> bool:
    codes = audience[1:-1].split(b",")
    return len(set(codes)) == len(codes)
