"""C2SP checkpoints (c2sp.org/tlog-checkpoint) and their cosignatures (c2sp.org/tlog-cosignature).

A checkpoint is a signed note (:mod:`truce.ledger.note`) whose text is the head of a
Merkle log (tlog-checkpoint §Note text)::

    <origin>
    <tree size, ASCII decimal, no leading zeroes>
    <base64 RFC 6962 root hash>
    [<extension line> ...]

    — <origin> <base64(key ID || Ed25519 signature)>
    — <origin>/witness/<MEMBER> <base64(key ID || timestamp || Ed25519 signature)>

**The log's signature** is a plain Ed25519 note signature (type 0x01) under a key named
after the origin, as tlog-checkpoint §Signatures recommends (:func:`sign_checkpoint`).
:func:`open_checkpoint` verifies it *before* reading the body, since a note's text must
be ignored until a trusted signature over it has verified (signed-note, introduction).

**Cosignatures** (tlog-cosignature, Ed25519 type 0x04) are further signature lines, one
per witness. The signature bytes are the 8-byte big-endian POSIX timestamp followed by
the 64-byte Ed25519 signature of::

    cosignature/v1
    time <timestamp>
    <the whole checkpoint body, extension lines included>

(tlog-cosignature §Ed25519 signed message). That message does not name the witness, so
each witness needs its own key (same section). In truce a member's witness signs under
the key name :func:`witness_name` ``(origin, member)``, ``<origin>/witness/<MEMBER>``.

Strictness: the tree size is at most 2^64 - 1 (the unsigned 64-bit size every
implementation stores) and the root hash is 32 bytes, because truce's tree hashes with
SHA-256 (RFC 6962 §2.1). The origin is only required to be a non-empty line:
tlog-checkpoint says clients MUST NOT assume more (``sum.golang.org`` uses
``go.sum database tree``).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Final

from truce.ledger.errors import InputError, MalformedCheckpointError, ProofError
from truce.ledger.keys import PublicKey, SigningKey
from truce.ledger.note import (
    KEY_ID_SIZE,
    MAX_TIMESTAMP,
    SIGNATURE_TYPE_COSIGNATURE_V1,
    SIGNATURE_TYPE_ED25519,
    Note,
    Signature,
    Verifier,
    b64decode_strict,
    check_note_text,
    cosignature_v1_message,
    is_valid_key_name,
    key_id,
    sign_note,
)

__all__ = [
    "MAX_TREE_SIZE",
    "ROOT_SIZE",
    "Checkpoint",
    "cosign",
    "cosignature_message",
    "cosignature_timestamp",
    "log_verifier",
    "open_checkpoint",
    "sign_checkpoint",
    "verify_cosignature",
    "witness_name",
    "witness_verifier",
]

ROOT_SIZE: Final = 32
"""Bytes of a root hash: SHA-256, as the RFC 6962 tree of truce uses."""

MAX_TREE_SIZE: Final = 2**64 - 1
"""Largest tree size a checkpoint may state."""

_TIMESTAMP_SIZE: Final = 8
_COSIGNATURE_SIZE: Final = _TIMESTAMP_SIZE + 64
_DECIMAL: Final = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The note text of a checkpoint: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise MalformedCheckpointError("the tree size of a checkpoint is an integer")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise MalformedCheckpointError(f"the tree size {self.size} is outside 0 to 2^64 - 1")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_SIZE:
            raise MalformedCheckpointError(
                f"the root hash of a checkpoint has {ROOT_SIZE} bytes (SHA-256)"
            )
        if not isinstance(self.extensions, tuple):
            raise MalformedCheckpointError("the extension lines are a tuple of strings")
        for line in self.extensions:
            _check_line(line, "extension line")

    def body(self) -> str:
        """The note text: each line, extension lines included, ending in newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return "".join(f"{line}\n" for line in (*lines, *self.extensions))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint body strictly (tlog-checkpoint §Note text).

        At least three non-empty lines, each ending in newline: the origin; the tree size
        in ASCII decimal with no leading zero (``0`` for the empty tree); the canonical
        base64 of a 32-byte root hash; then optional non-empty extension lines. Raises
        :class:`~truce.errors.MalformedCheckpointError`.
        """
        if not isinstance(text, str):
            raise MalformedCheckpointError("a checkpoint body is text")
        try:
            check_note_text(text, "checkpoint")
        except InputError as exc:
            raise MalformedCheckpointError(exc.message) from exc
        if not text.endswith("\n"):
            raise MalformedCheckpointError("a checkpoint body ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpointError(
                "a checkpoint has at least three lines: origin, tree size and root hash"
            )
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL.fullmatch(size_text):
            raise MalformedCheckpointError(
                f"the tree size is ASCII decimal with no leading zero, not {size_text[:30]!r}"
            )
        try:
            root = b64decode_strict(root_text, "the root hash")
        except InputError as exc:
            raise MalformedCheckpointError(exc.message) from exc
        return cls(origin, int(size_text), root, tuple(extensions))


def _check_line(line: str, what: str) -> None:
    if not isinstance(line, str) or not line:
        raise MalformedCheckpointError(f"a checkpoint's {what} must not be empty")
    if "\n" in line:
        raise MalformedCheckpointError(f"a checkpoint's {what} is a single line")
    try:
        check_note_text(line, what)
    except InputError as exc:
        raise MalformedCheckpointError(exc.message) from exc


# --------------------------------------------------------------------------- the log


def log_verifier(origin: str, public_key: PublicKey) -> Verifier:
    """The verifier of a log's Ed25519 key (type 0x01), named after its origin."""
    return Verifier(origin, public_key, SIGNATURE_TYPE_ED25519)


def sign_checkpoint(checkpoint: Checkpoint, name: str, key: SigningKey) -> Note:
    """The log's signed note of ``checkpoint``: an Ed25519 signature (type 0x01).

    ``name`` is the log's key name; tlog-checkpoint §Signatures says it SHOULD be the
    origin, and truce always passes the origin.
    """
    return sign_note(checkpoint.body(), name, key)


def open_checkpoint(
    data: bytes, log_verifier: Verifier, *, origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verify the log's signature on a checkpoint note, then read its body.

    Every signature other than the log's is ignored here (cosignatures are checked with
    :func:`verify_cosignature`). The checkpoint is refused with
    :class:`~truce.errors.ProofError` when:

    - no signature line carries the log's key name (the log signature is missing);
    - lines carry the log's name but another key ID (signed by a key that is not the
      configured log key);
    - a line with the log's name and key ID does not verify (a bad signature).

    A note that is not a signed note, or whose verified text is not a checkpoint body,
    raises an :class:`~truce.errors.InputError` subclass. With ``origin``, the body's
    origin line must equal it.
    """
    if log_verifier.signature_type != SIGNATURE_TYPE_ED25519:
        raise InputError("a log key verifies plain Ed25519 note signatures (type 0x01)")
    note = Note.parse(data)
    named = [sig for sig in note.signatures if sig.name == log_verifier.name]
    if not named:
        raise ProofError(f"the checkpoint has no signature from the log {log_verifier.name}")
    ours = [sig for sig in named if sig.key_id == log_verifier.key_id]
    if not ours:
        others = ", ".join(sorted({sig.key_id.hex() for sig in named}))
        raise ProofError(
            f"the checkpoint is signed as {log_verifier.name} by an unknown key "
            f"(key ID {others}), not by the log key {log_verifier.key_id.hex()}"
        )
    for sig in ours:
        if not log_verifier.verify(note.message, sig.signature):
            raise ProofError(
                f"the log signature of {log_verifier.name} does not verify over the checkpoint"
            )
    checkpoint = Checkpoint.parse(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise ProofError(f"the checkpoint is for the log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint, note


# --------------------------------------------------------------------------- witnesses


def witness_name(origin: str, member: str) -> str:
    """The key name of ``member``'s witness of the log ``origin``: ``<origin>/witness/<member>``.

    The result must be a valid key name (no spaces, no ``+``), so neither part may hold
    them. Raises :class:`~truce.errors.InputError`.
    """
    name = f"{origin}/witness/{member}"
    if not origin or not member or not is_valid_key_name(name):
        raise InputError(
            f"{name!r} is not a valid witness key name: the origin and member code must "
            "be non-empty and hold no spaces and no '+'"
        )
    check_note_text(name, "witness key name")
    return name


def witness_verifier(name: str, public_key: PublicKey) -> Verifier:
    """The verifier of a witness's Ed25519 cosignature key (type 0x04)."""
    return Verifier(name, public_key, SIGNATURE_TYPE_COSIGNATURE_V1)


def cosignature_message(checkpoint: Checkpoint, timestamp: int) -> bytes:
    """What a cosignature of ``checkpoint`` at ``timestamp`` signs.

    ``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint body
    (tlog-cosignature §Ed25519 signed message).
    """
    return cosignature_v1_message(timestamp, checkpoint.body().encode("utf-8"))


def cosign(checkpoint: Checkpoint, name: str, key: SigningKey, timestamp: int) -> Signature:
    """A witness's cosignature of ``checkpoint`` at POSIX time ``timestamp`` (seconds).

    The signature line carries ``key ID || 8-byte big-endian timestamp || Ed25519
    signature``, with the type 0x04 key ID (tlog-cosignature §Format). Add it to the
    checkpoint note with :func:`~truce.ledger.note.add_signature`.
    """
    message = cosignature_message(checkpoint, timestamp)
    kid = key_id(name, SIGNATURE_TYPE_COSIGNATURE_V1, key.public_key.raw)
    return Signature(name, kid, timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + key.sign(message))


def cosignature_timestamp(signature: Signature) -> int:
    """The timestamp a cosignature claims, read without verifying anything."""
    if len(signature.signature) != _COSIGNATURE_SIZE:
        raise ProofError(
            f"the signature of {signature.name} is not an Ed25519 cosignature "
            f"({KEY_ID_SIZE} + {len(signature.signature)} bytes, not "
            f"{KEY_ID_SIZE} + {_COSIGNATURE_SIZE})"
        )
    return int.from_bytes(signature.signature[:_TIMESTAMP_SIZE], "big")


def verify_cosignature(
    checkpoint: Checkpoint,
    signature: Signature,
    witness_verifier: Verifier,
    *,
    not_after: int | None = None,
) -> int:
    """Verify a witness's cosignature of ``checkpoint``; return its timestamp.

    The signature must carry the witness's key name and type 0x04 key ID, hold an 8-byte
    timestamp of at most 2^63 - 1 and a 64-byte Ed25519 signature that verifies over
    :func:`cosignature_message`. With ``not_after``, a timestamp later than it is refused
    (tlog-cosignature §Format lets verifiers refuse timestamps in the future). Raises
    :class:`~truce.errors.ProofError`.
    """
    if witness_verifier.signature_type != SIGNATURE_TYPE_COSIGNATURE_V1:
        raise InputError("a witness key verifies Ed25519 cosignatures (type 0x04)")
    if not witness_verifier.matches(signature):
        raise ProofError(
            f"the cosignature is from {signature.name} with key ID "
            f"{signature.key_id.hex()}, not from the witness {witness_verifier.name} "
            f"({witness_verifier.key_id.hex()})"
        )
    timestamp = cosignature_timestamp(signature)
    if timestamp > MAX_TIMESTAMP:
        raise ProofError(f"the cosignature of {signature.name} has a timestamp above 2^63 - 1")
    if not witness_verifier.verify(checkpoint.body().encode("utf-8"), signature.signature):
        raise ProofError(
            f"the cosignature of {signature.name} does not verify over this checkpoint "
            "and its timestamp"
        )
    if not_after is not None and timestamp > not_after:
        raise ProofError(
            f"the cosignature of {signature.name} is dated {timestamp}, after {not_after}"
        )
    return timestamp
