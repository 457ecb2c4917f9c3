"""C2SP signed notes (c2sp.org/signed-note): text signed by one or more keys.

A signed note is a text that ends in a newline, a blank line, then one or more signature
lines (signed-note §Format)::

    <text, ending in "\\n">
    <blank line>
    — <key name> <base64(4-byte key ID || signature)>
    — <key name> <base64(4-byte key ID || signature)>

The dash is the em dash U+2014, followed by one space; the base64 is the standard alphabet
with padding (RFC 4648 §4). The signature covers the text only, final newline included,
blank line and signature lines excluded. truce signs its checkpoints this way, and its
witnesses add cosignatures (c2sp.org/tlog-cosignature) as further signature lines, so any
tool that speaks signed notes (``golang.org/x/mod/sumdb/note``, ``transparency-dev``) can
check a truce checkpoint.

**Parsing** (:meth:`Note.parse`) enforces every rule of signed-note §Format:

- the whole note is valid UTF-8 and holds no ASCII control character (below U+0020)
  other than newline;
- the text is separated from the signatures by the *last* blank line of the note, so the
  text may itself hold blank lines;
- every line after it is a signature line, and the note ends with a newline;
- a key name is non-empty and holds neither a Unicode space nor ``+``;
- a signature decodes to more than its 4-byte key ID;
- at most :data:`MAX_SIGNATURES` signatures (the spec asks for a limit of at least 16).

Base64 is read strictly: padding is required and a non-canonical encoding (stray bits in
the last character) is refused, so that a parsed note serialises back byte for byte.

**Keys.** A key ID is ``SHA-256(key name || 0x0A || signature type || public key)[:4]``
(signed-note §Signatures). Two signature types are supported, both over 32-byte Ed25519
keys: ``0x01``, plain Ed25519 over the note text (signed-note §Ed25519 signatures), used
by the log; and ``0x04``, timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature
§Format), used by witnesses. A verifier key is written
``<name>+<8 lowercase hex digits of the key ID>+<base64(type byte || public key)>``, the
"vkey" that c2sp.org/tlog-cosignature refers to and ``golang.org/x/mod/sumdb/note``
reads; its base64 may itself contain ``+``.

**Verifying** (:func:`verify_note`) follows signed-note §Signatures: a signature whose
key name *and* key ID do not both match a known key is ignored; a signature from a known
key must verify, and one that does not refuses the whole note; a note with no verified
signature from a known key is refused. Refusals raise :class:`~truce.errors.ProofError`;
unparseable input raises the :class:`~truce.errors.InputError` subclasses
:class:`~truce.errors.MalformedNoteError` and
:class:`~truce.errors.MalformedVerifierKeyError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from truce.ledger.errors import (
    InputError,
    MalformedNoteError,
    MalformedVerifierKeyError,
    ProofError,
)
from truce.ledger.keys import PublicKey, SigningKey, check_public_key

__all__ = [
    "COSIGNATURE_V1_HEADER",
    "EM_DASH",
    "KEY_ID_SIZE",
    "MAX_SIGNATURES",
    "MAX_TIMESTAMP",
    "SIGNATURE_TYPE_COSIGNATURE_V1",
    "SIGNATURE_TYPE_ED25519",
    "Note",
    "Signature",
    "Verifier",
    "add_signature",
    "b64decode_strict",
    "check_key_name",
    "check_note_text",
    "cosignature_v1_message",
    "is_valid_key_name",
    "key_id",
    "open_note",
    "sign_note",
    "verify_note",
]

EM_DASH: Final = "\u2014"
"""The em dash that opens every signature line (signed-note §Format)."""

_SIGNATURE_PREFIX: Final = EM_DASH + " "

SIGNATURE_TYPE_ED25519: Final = 0x01
"""Signature type of plain Ed25519 over the note text (signed-note §Ed25519 signatures)."""

SIGNATURE_TYPE_COSIGNATURE_V1: Final = 0x04
"""Signature type of timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature)."""

_SUPPORTED_TYPES: Final = frozenset({SIGNATURE_TYPE_ED25519, SIGNATURE_TYPE_COSIGNATURE_V1})

KEY_ID_SIZE: Final = 4
"""Bytes of the key ID that opens every signature (signed-note §Format)."""

MAX_SIGNATURES: Final = 100
"""Most signature lines a note may carry.

signed-note §Format: verifiers SHOULD limit the number of signatures and MUST accept at
least 16. 100 is the limit of ``golang.org/x/mod/sumdb/note``, so the two refuse the same
notes.
"""

MAX_TIMESTAMP: Final = 2**63 - 1
"""Largest cosignature timestamp (tlog-cosignature §Format: MUST NOT exceed 2^63 - 1)."""

COSIGNATURE_V1_HEADER: Final = "cosignature/v1"
"""Header line of the Ed25519 cosignature message (tlog-cosignature §Ed25519 signed message)."""

_ED25519_SIGNATURE_SIZE: Final = 64
_TIMESTAMP_SIZE: Final = 8

# The Unicode White_Space property: what Go's unicode.IsSpace tests and what
# signed-note §Format means by "Unicode spaces".
_UNICODE_SPACES: Final = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

_CONTROL: Final = re.compile(r"[\x00-\x09\x0b-\x1f]")
_KEY_ID_HEX: Final = re.compile(r"[0-9a-f]{8}")


# --------------------------------------------------------------------------- helpers


def b64decode_strict(text: str, what: str) -> bytes:
    """Decode standard padded base64 (RFC 4648 §4), refusing anything non-canonical.

    Characters outside the alphabet, missing padding and stray bits in the last character
    are refused with :class:`~truce.errors.InputError`, naming ``what``.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise InputError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise InputError(f"{what} is not canonical base64")
    return raw


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def is_valid_key_name(name: str) -> bool:
    """True when ``name`` may name a key: non-empty, no Unicode space, no ``+``.

    signed-note §Format: "Key names MUST be non-empty and MUST NOT contain any Unicode
    spaces or plus (U+002B) characters." A name must also be encodable as UTF-8.
    """
    if not isinstance(name, str) or not name or "+" in name:
        return False
    if any(ch in _UNICODE_SPACES for ch in name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_key_name(name: str) -> str:
    """Return ``name`` if it is a valid key name; raise :class:`MalformedNoteError` if not."""
    if not is_valid_key_name(name):
        raise MalformedNoteError(
            f"{name!r} is not a valid key name: a key name is non-empty and has no spaces "
            "and no '+'"
        )
    return name


def check_note_text(text: str, what: str = "note text") -> bytes:
    """Check the character rules of signed-note §Format and return the UTF-8 bytes.

    The text must be valid UTF-8 (no lone surrogates) and hold no ASCII control character
    other than newline. Raises :class:`MalformedNoteError`.
    """
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedNoteError(f"the {what} is not valid UTF-8") from exc
    match = _CONTROL.search(text)
    if match is not None:
        raise MalformedNoteError(
            f"the {what} holds the control character U+{ord(match.group()):04X}; "
            "only newline is allowed"
        )
    return raw


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """The 4-byte key ID: ``SHA-256(name || 0x0A || signature type || public key)[:4]``.

    signed-note §Signatures recommends it for every type and §Ed25519 signatures requires
    it for type 0x01; tlog-cosignature §Format requires it for type 0x04 (Ed25519
    cosignatures), where the public key is the 32-byte Ed25519 key.
    """
    check_key_name(name)
    if not 0 <= signature_type <= 0xFF:
        raise InputError(f"a signature type is one byte, not {signature_type}")
    material = name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key
    return hashlib.sha256(material).digest()[:KEY_ID_SIZE]


def cosignature_v1_message(timestamp: int, body: bytes) -> bytes:
    """The message an Ed25519 cosignature signs (tlog-cosignature §Ed25519 signed message).

    ``cosignature/v1\\n``, then ``time <timestamp>\\n`` in ASCII decimal without leading
    zeroes, then the whole checkpoint body including its final newline (and extension
    lines, if any) but no signature line.
    """
    if isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InputError(f"a cosignature timestamp is between 0 and 2^63 - 1, not {timestamp}")
    return f"{COSIGNATURE_V1_HEADER}\ntime {timestamp}\n".encode("ascii") + body


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class Verifier:
    """A known key: its name, Ed25519 public key and signature type (0x01 or 0x04).

    The key ID is derived (:func:`key_id`), never trusted from outside: :meth:`parse`
    refuses a verifier key string whose stated key ID differs from the derived one.
    """

    name: str
    public_key: PublicKey
    signature_type: int = SIGNATURE_TYPE_ED25519

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise MalformedVerifierKeyError(
                f"{self.name!r} is not a valid key name: a key name is non-empty and has "
                "no spaces and no '+'"
            )
        if self.signature_type not in _SUPPORTED_TYPES:
            raise MalformedVerifierKeyError(
                f"signature type 0x{self.signature_type:02x} is not supported; truce reads "
                "0x01 (Ed25519) and 0x04 (Ed25519 cosignature/v1)"
            )

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID of this key under this name and type."""
        return key_id(self.name, self.signature_type, self.public_key.raw)

    @property
    def text(self) -> str:
        """The verifier key string ``<name>+<hex key ID>+<base64(type || public key)>``."""
        material = bytes([self.signature_type]) + self.public_key.raw
        return f"{self.name}+{self.key_id.hex()}+{_b64encode(material)}"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """Read a verifier key string and check it fully.

        The name is everything before the first ``+`` and the key ID the 8 lowercase hex
        digits before the second; the rest, which may contain ``+``, is the base64 of
        the type byte and the 32-byte Ed25519 public key. The stated key ID must equal the
        derived one, and the public key must be a usable Ed25519 key
        (:func:`~truce.ledger.keys.check_public_key`). Raises
        :class:`MalformedVerifierKeyError`.
        """
        if not isinstance(vkey, str):
            raise MalformedVerifierKeyError("a verifier key is a string")
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise MalformedVerifierKeyError(
                "a verifier key is <name>+<hex key ID>+<base64 key>, with two '+'"
            )
        name, id_hex, material_b64 = parts
        if not _KEY_ID_HEX.fullmatch(id_hex):
            raise MalformedVerifierKeyError(
                f"the key ID of a verifier key is 8 lowercase hex digits, not {id_hex!r}"
            )
        try:
            material = b64decode_strict(material_b64, "the key of the verifier key")
        except InputError as exc:
            raise MalformedVerifierKeyError(exc.message) from exc
        if not material:
            raise MalformedVerifierKeyError("the verifier key holds no key")
        signature_type, raw = material[0], material[1:]
        if signature_type not in _SUPPORTED_TYPES:
            raise MalformedVerifierKeyError(
                f"signature type 0x{signature_type:02x} is not supported; truce reads "
                "0x01 (Ed25519) and 0x04 (Ed25519 cosignature/v1)"
            )
        try:
            check_public_key(raw)
        except InputError as exc:
            raise MalformedVerifierKeyError(f"the verifier key's {exc.message}") from exc
        verifier = cls(name, PublicKey(raw), signature_type)
        if verifier.key_id.hex() != id_hex:
            raise MalformedVerifierKeyError(
                f"the verifier key states key ID {id_hex} but its name, type and key give "
                f"{verifier.key_id.hex()}"
            )
        return verifier

    def matches(self, signature: Signature) -> bool:
        """True when the signature's key name and key ID are both this key's."""
        return signature.name == self.name and signature.key_id == self.key_id

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True when ``signature`` (the bytes after the key ID) is valid over ``text``.

        For type 0x01 it is an Ed25519 signature of the text. For type 0x04 it is an
        8-byte big-endian timestamp followed by an Ed25519 signature of
        :func:`cosignature_v1_message` (tlog-cosignature §Format); a timestamp above
        2^63 - 1 never verifies.
        """
        if self.signature_type == SIGNATURE_TYPE_ED25519:
            if len(signature) != _ED25519_SIGNATURE_SIZE:
                return False
            return self.public_key.verify(signature, text)
        if len(signature) != _TIMESTAMP_SIZE + _ED25519_SIGNATURE_SIZE:
            return False
        timestamp = int.from_bytes(signature[:_TIMESTAMP_SIZE], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        message = cosignature_v1_message(timestamp, text)
        return self.public_key.verify(signature[_TIMESTAMP_SIZE:], message)


# --------------------------------------------------------------------------- notes


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: the key name, the 4-byte key ID and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        check_note_text(self.name, "key name")
        if len(self.key_id) != KEY_ID_SIZE:
            raise MalformedNoteError(f"a key ID has 4 bytes, not {len(self.key_id)}")
        if not self.signature:
            raise MalformedNoteError("a signature has at least one byte after its key ID")

    @property
    def line(self) -> str:
        """The signature line, ending in newline: ``— <name> <base64(key ID || sig)>``."""
        return f"{_SIGNATURE_PREFIX}{self.name} {_b64encode(self.key_id + self.signature)}\n"

    @classmethod
    def parse_line(cls, line: str) -> Signature:
        """Read one signature line, with or without its final newline."""
        if line.endswith("\n"):
            line = line[:-1]
        if not line.startswith(_SIGNATURE_PREFIX):
            raise MalformedNoteError(
                f"a signature line starts with an em dash (U+2014) and a space: {line[:40]!r}"
            )
        name, space, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
        if not space or not encoded:
            raise MalformedNoteError(
                f"a signature line is '— <key name> <base64 signature>': {line[:40]!r}"
            )
        if " " in encoded:
            raise MalformedNoteError(
                f"a signature line has exactly two spaces, since a key name has none: {line[:40]!r}"
            )
        if not is_valid_key_name(name):
            raise MalformedNoteError(
                f"{name!r} is not a valid key name: a key name is non-empty and has no "
                "spaces and no '+'"
            )
        try:
            raw = b64decode_strict(encoded, f"the signature of {name!r}")
        except InputError as exc:
            raise MalformedNoteError(exc.message) from exc
        if len(raw) <= KEY_ID_SIZE:
            raise MalformedNoteError(
                f"the signature of {name!r} has {len(raw)} bytes; it needs a 4-byte key ID "
                "and a signature"
            )
        return cls(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


@dataclass(frozen=True, slots=True)
class Note:
    """A signed note: its text and one or more signatures, in the order they appear.

    Construction checks what serialisation needs: the text ends in newline and obeys the
    character rules, and there are between 1 and :data:`MAX_SIGNATURES` signatures.
    Signatures are kept exactly as given, duplicates and unknown keys included, so
    ``Note.parse(data).to_bytes() == data`` for every note :meth:`parse` accepts.
    """

    text: str
    signatures: tuple[Signature, ...]

    def __post_init__(self) -> None:
        check_note_text(self.text)
        if not self.text.endswith("\n"):
            raise MalformedNoteError("the note text must end with a newline")
        if not self.signatures:
            raise MalformedNoteError("a signed note has at least one signature line")
        if len(self.signatures) > MAX_SIGNATURES:
            raise MalformedNoteError(
                f"the note has {len(self.signatures)} signatures; at most "
                f"{MAX_SIGNATURES} are accepted"
            )

    @property
    def message(self) -> bytes:
        """The signed bytes: the UTF-8 text, final newline included."""
        return self.text.encode("utf-8")

    def serialize(self) -> str:
        """The note: text, blank line, then one line per signature."""
        return self.text + "\n" + "".join(sig.line for sig in self.signatures)

    def to_bytes(self) -> bytes:
        """The UTF-8 bytes of :meth:`serialize`."""
        return self.serialize().encode("utf-8")

    @classmethod
    def parse(cls, data: bytes | str) -> Note:
        """Read a signed note strictly, by the rules of signed-note §Format.

        Nothing is verified here; see :func:`verify_note` and :func:`open_note`. Raises
        :class:`MalformedNoteError` naming the first rule broken.
        """
        if isinstance(data, bytes | bytearray):
            try:
                whole = bytes(data).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedNoteError("the note is not valid UTF-8") from exc
        elif isinstance(data, str):
            whole = data
        else:
            raise MalformedNoteError("a note is bytes or text")
        check_note_text(whole, "note")
        split = whole.rfind("\n\n")
        if split < 0:
            raise MalformedNoteError(
                "the note has no blank line between its text and its signatures"
            )
        text, block = whole[: split + 1], whole[split + 2 :]
        if not block:
            raise MalformedNoteError("the note has no signature line after its blank line")
        if not block.endswith("\n"):
            raise MalformedNoteError("the note's last signature line does not end in newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise MalformedNoteError(
                f"the note has {len(lines)} signatures; at most {MAX_SIGNATURES} are accepted"
            )
        return cls(text, tuple(Signature.parse_line(line) for line in lines))


def sign_note(text: str, name: str, key: SigningKey) -> Note:
    """Sign ``text`` with an Ed25519 key (type 0x01) under the key name ``name``.

    The signature is Ed25519 over the UTF-8 text, final newline included
    (signed-note §Ed25519 signatures).
    """
    check_key_name(name)
    check_note_text(text)
    if not text.endswith("\n"):
        raise MalformedNoteError("the note text must end with a newline")
    raw = text.encode("utf-8")
    kid = key_id(name, SIGNATURE_TYPE_ED25519, key.public_key.raw)
    return Note(text, (Signature(name, kid, key.sign(raw)),))


def add_signature(note: Note, signature: Signature) -> Note:
    """The note with ``signature`` added last.

    A signature already there with the same key name and key ID is dropped first, so a
    key signs a note at most once (as ``golang.org/x/mod/sumdb/note`` ``Sign`` does).
    """
    kept = tuple(
        sig
        for sig in note.signatures
        if (sig.name, sig.key_id) != (signature.name, signature.key_id)
    )
    return Note(note.text, (*kept, signature))


def verify_note(note: Note, verifiers: Iterable[Verifier]) -> tuple[Verifier, ...]:
    """Verify a note against the known keys; return the known keys that signed it.

    signed-note §Signatures:

    - a signature is from a known key only when both its key name and its key ID match
      one; any other signature is ignored, even if it shares the name or the ID;
    - every signature from a known key is verified, and one that fails refuses the whole
      note (:class:`~truce.errors.ProofError`);
    - a note with no signature from a known key is refused (:class:`ProofError`).

    The result lists each verifier once, in the order of its first signature. Two
    different known keys with the same name and key ID are a configuration error
    (:class:`~truce.errors.InputError`).
    """
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        if slot in known and known[slot] != verifier:
            raise InputError(
                f"two known keys share the name {verifier.name!r} and key ID "
                f"{verifier.key_id.hex()}; a signature could not tell them apart"
            )
        known[slot] = verifier
    message = note.message
    verified: list[Verifier] = []
    for sig in note.signatures:
        match = known.get((sig.name, sig.key_id))
        if match is None:
            continue
        if not match.verify(message, sig.signature):
            raise ProofError(
                f"the signature of {sig.name} (key ID {sig.key_id.hex()}) does not verify "
                "over the note text"
            )
        if match not in verified:
            verified.append(match)
    if not verified:
        raise ProofError("the note carries no signature from a known key")
    return tuple(verified)


def open_note(
    data: bytes | str, verifiers: Iterable[Verifier]
) -> tuple[Note, tuple[Verifier, ...]]:
    """Parse a note and verify it: :meth:`Note.parse` then :func:`verify_note`."""
    note = Note.parse(data)
    return note, verify_note(note, verifiers)
