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

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from truce.ledger.envelope import Envelope, parse_time
from truce.ledger.errors import TruceError
from truce.ledger.keys import verify_raw
from truce.verify.bundle import iter_bodies, iter_leaves

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
_CANONICAL: Final = re.compile(
    rb'\{"at":"(' + _TIME + rb')",'
    rb'"audience":("all"|"mediators"|"public"|\["' + _CODE + rb'"(?:,"' + _CODE + rb'")*\]),'
    rb'"author":\{"delegate":"(' + _NAME + rb')","key":"([A-Za-z0-9_-]{43})",'
    rb'"member":"(' + _CODE + rb')"\},'
    rb'"body_digest":"sha256:(' + _HEX + rb')",'
    rb'"kind":"([a-z][a-z_]*(?:\.[a-z][a-z_]*)+)",'
    rb'"mechanism":"(' + _NAME + rb')",'
    rb'"refs":\[(?:"' + _HEX + rb'"(?:,"' + _HEX + rb'"){0,63})?\],'
    # The last character of an unpadded 64-byte signature carries 2 bits and 4 zero
    # bits: only A, Q, g and w spell it canonically (what Envelope.from_dict demands).
    rb'("sig":"([A-Za-z0-9_-]{85}[AQgw])",)"v":1\}'
)
"""The RFC 8785 form of every envelope that ``Envelope.from_dict`` accepts, and nothing
else except a list audience that repeats a member and an impossible date (both checked
after a match). Groups: at, audience, delegate, key, member, digest, kind, mechanism,
the ``"sig":"…",`` member, and the signature."""

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
    that every subtree is one of the tree's own.
    """
    stack: list[tuple[int, bytes]] = []
    sha256 = hashlib.sha256
    for number, node in enumerate(hashes):
        level = 0
        while (number >> level) & 1:
            node = sha256(b"\x01" + stack.pop()[1] + node).digest()
            level += 1
        stack.append((level, node))
    return stack


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
    signers: list[Signer] = []
    known: dict[tuple[bytes, ...], int] = {}
    ids: list[int] = []
    flags = bytearray()
    digests: dict[int, str] = {}
    kept: dict[int, bytes] = {}
    hashes: list[bytes] = []
    times: set[bytes] = set()
    public_keys: dict[str, bytes | None] = {}
    error: tuple[int, str] | None = None
    sha256 = hashlib.sha256
    match = _CANONICAL.fullmatch
    decode = base64.urlsafe_b64decode
    body_records = iter_bodies(bodies)
    for offset, leaf in enumerate(iter_leaves(entries)):
        body = next(body_records, None)
        found = match(leaf)
        if found is not None:
            at, audience, delegate, key_id, member, digest, kind, mechanism, _, sig = found.groups()
            real = at in times or _real_time(at, times)
            if not real or (audience[0] == 0x5B and not _distinct(audience)):  # a list: "["
                found = None
        if found is None:
            envelope = _slow_parse(leaf)
            if isinstance(envelope, str):
                error = (offset, envelope)
                break
            sig_text = envelope.sig
            signature_at = leaf.index(b'"sig":"')
            span = (signature_at, signature_at + len(sig_text) + 9)
            signer_key: tuple[bytes, ...] = (
                envelope.kind.encode(),
                envelope.member.encode(),
                envelope.delegate.encode(),
                envelope.key_id.encode(),
                envelope.mechanism.encode(),
                b"1" if envelope.audience == "all" else b"0",
            )
            digest_hex = envelope.body_digest[7:].encode()
            sig = sig_text.encode()
        else:
            span = found.span(9)
            signer_key = (
                kind,
                member,
                delegate,
                key_id,
                mechanism,
                b"1" if audience == b'"all"' else b"0",
            )
            digest_hex = digest
        number = known.get(signer_key)
        if number is None:
            number = known[signer_key] = len(signers)
            kind_text, member_text, delegate_text, key_text, mechanism_text, to_all = (
                part.decode("ascii") for part in signer_key
            )
            signers.append(
                (kind_text, member_text, delegate_text, key_text, mechanism_text, to_all == "1")
            )
        ids.append(number)
        signer = signers[number]
        if signer[3] in public_keys:
            public_key = public_keys[signer[3]]
        else:
            raw = keys.get(signer[3])
            public_key = public_keys[signer[3]] = None if raw is None else _load(raw)
        if public_key is None:
            state = SIG_UNKNOWN_KEY
        else:
            # The leaf is the canonical envelope, whose last two members are "sig" and
            # "v": without "sig" it is exactly the signed bytes.
            try:
                signature = decode(sig + b"==")
            except ValueError:
                state = SIG_BAD
            else:
                signed = leaf[: span[0]] + leaf[span[1] :]
                state = SIG_OK if verify_raw(public_key, signature, signed) else SIG_BAD
        if body is None:
            state += BODY_ABSENT
        elif sha256(body).hexdigest().encode() == digest_hex:
            state += BODY_OK
            if signer[0] in KEEP_BODIES_OF:
                kept[offset] = body
        else:
            state += BODY_MISMATCH
            digests[offset] = "sha256:" + digest_hex.decode()
        flags.append(state)
        hashes.append(sha256(b"\x00" + leaf).digest())
    return BatchResult(
        first=first,
        signers=signers,
        ids=ids,
        flags=bytes(flags),
        digests=digests,
        bodies=kept,
        subtrees=subtrees(hashes),
        leaf_hashes=b"".join(hashes) if want_leaf_hashes else b"",
        error=error,
    )


def _load(raw: bytes) -> bytes | None:
    """A registered key's raw bytes, or None when they cannot be an Ed25519 key."""
    return raw if len(raw) == 32 else None


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
