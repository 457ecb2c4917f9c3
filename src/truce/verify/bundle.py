"""Audit bundles: a whole log, the bodies one delegate may see, and a checkpoint, in one file.

A bundle is one uncompressed POSIX (ustar) tar file, readable as a stream, whose members
come in this order:

- ``README.txt``: what the bundle is and how to check it, in plain language;
- ``manifest.json``: ``{"format": "truce-bundle/1", "mechanism", "origin",
  "checkpoint_key", "exported_by": {"member", "delegate"}, "exported_at", "size",
  "entry_files": [...]}``;
- ``scenario.json``: the scenario, as in the genesis act (informative: a verifier trusts
  only the genesis entry itself);
- ``checkpoint.txt``: the checkpoint the entries lead to, a C2SP signed note with the
  witnesses' cosignatures;
- then, in pairs, ``entries/000000.bin`` and ``bodies/000000.bin``,
  ``entries/000001.bin`` and ``bodies/000001.bin``, ...: the leaves in log order,
  :data:`ENTRIES_PER_FILE` per entry file (the last may hold fewer), each as a 4-byte
  big-endian length followed by the leaf bytes (the RFC 8785 signed envelope); and in
  the body file beside it, one record per leaf, in the same order: a 4-byte big-endian
  length followed by the RFC 8785 bytes of that act's body when the exporting delegate
  may see it, or the length 0 alone when it may not (no body is ever empty).

Bodies sit beside their entries, in log order, so that a verifier reads the bundle once,
front to back, holding one pair of files at a time: its memory does not grow with the
log. Nothing here touches a database or the network. :class:`BundleWriter` writes the
members one at a time (a pair of files is held in memory only until it is full);
:func:`read_members` reads them back one at a time, so neither side ever holds the log.
Headers are written by :mod:`tarfile`. They are read here, as a small strict subset of
ustar (regular files with names of at most 100 bytes, every header checksum checked,
every padding byte zero), because a verifier must refuse what ``tarfile`` would accept
(pax and GNU extensions, links, devices, name prefixes) and read a stream of any
length in bounded memory.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final

from truce.ledger.errors import InputError

__all__ = [
    "BODY_NAME",
    "ENTRIES_PER_FILE",
    "ENTRY_NAME",
    "FIXED_MEMBERS",
    "FORMAT",
    "MAX_LEAF_BYTES",
    "BundleError",
    "BundleWriter",
    "Member",
    "body_file_name",
    "entry_file_name",
    "entry_file_names",
    "iter_bodies",
    "iter_leaves",
    "make_manifest",
    "manifest_bytes",
    "read_members",
    "readme_text",
    "record_offsets",
    "sha256_hex",
    "split_bodies",
    "split_leaves",
]

FORMAT: Final = "truce-bundle/2"
ENTRIES_PER_FILE: Final = 65_536
MAX_LEAF_BYTES: Final = 1 << 20
"""The longest leaf a bundle may hold (a signed envelope is a few hundred bytes)."""

BLOCK: Final = 512
BODY_NAME: Final = re.compile(r"^bodies/([0-9]{6})\.bin$")
ENTRY_NAME: Final = re.compile(r"^entries/([0-9]{6})\.bin$")
FIXED_MEMBERS: Final = ("README.txt", "manifest.json", "scenario.json", "checkpoint.txt")
_LENGTH = 4
_ZERO_BLOCK = bytes(BLOCK)
_NO_BODY = bytes(_LENGTH)
_UNPACK_LENGTH = struct.Struct(">I").unpack_from


class BundleError(InputError):
    """A file that is not a well-formed audit bundle."""

    slug = "malformed-bundle"
    title = "Malformed audit bundle"


def entry_file_name(number: int) -> str:
    """``entries/000042.bin``: the name of entry file ``number``."""
    return f"entries/{number:06d}.bin"


def entry_file_names(size: int) -> list[str]:
    """The names of the entry files of a log of ``size`` entries."""
    return [entry_file_name(n) for n in range(-(-size // ENTRIES_PER_FILE))]


def body_file_name(number: int) -> str:
    """``bodies/000042.bin``: the bodies of the acts of entry file ``number``."""
    return f"bodies/{number:06d}.bin"


def make_manifest(
    *,
    mechanism: str,
    origin: str,
    checkpoint_key: str,
    member: str,
    delegate: str,
    exported_at: str,
    size: int,
) -> dict[str, Any]:
    """The manifest of a bundle of ``size`` entries."""
    return {
        "format": FORMAT,
        "mechanism": mechanism,
        "origin": origin,
        "checkpoint_key": checkpoint_key,
        "exported_by": {"member": member, "delegate": delegate},
        "exported_at": exported_at,
        "size": size,
        "entry_files": entry_file_names(size),
    }


def readme_text(manifest: dict[str, Any]) -> str:
    """The README of a bundle: a plain explanation for a delegation, from its manifest."""
    exporter = manifest["exported_by"]
    return f"""\
Audit bundle of the ceasefire mechanism {manifest["mechanism"]}
{"=" * (39 + len(str(manifest["mechanism"])))}

This file is a complete copy of the mechanism's record: the first {manifest["size"]:,}
acts ever logged, in order, with the bodies of the acts that {exporter["member"]} may
read. It was exported by {exporter["member"]}/{exporter["delegate"]} at {manifest["exported_at"]}.

To check it, on any computer with truce installed and no network connection:

    truce verify THIS-FILE

To check it against a checkpoint you saved earlier (for example from your own witness):

    truce verify THIS-FILE --trusted saved-checkpoint.txt

What a successful check proves:

- every act was signed by a key registered to its author, and not revoked when it signed;
- every author's role allowed the act;
- every body in the file is exactly the one its act committed to;
- the acts are exactly those committed to by checkpoint.txt, signed by the log key
  ({manifest["checkpoint_key"]}), and cosigned by the members' witnesses;
- with --trusted: nothing you saw before was rewritten or removed.

Bodies addressed to others are not in the file; they are counted, not checked. Who
exported the file and when (in manifest.json) are the exporter's word: nothing signs them.

Contents: README.txt, manifest.json, scenario.json (the scenario, as in entry 0),
checkpoint.txt (C2SP signed note), entries/NNNNNN.bin (each leaf as a 4-byte big-endian
length and its bytes: the RFC 8785 signed envelope), each followed by bodies/NNNNNN.bin
(for each of those leaves in order, a 4-byte big-endian length and the RFC 8785 bytes
of its body, or the length 0 alone for a body not in the file).
Format: {manifest["format"]}.
"""


# --------------------------------------------------------------------------- writing


def _header(name: str, size: int, mtime: int) -> bytes:
    """A ustar header of a regular file (mode 0644, owner 0, no user or group names).

    Written by :mod:`tarfile`; a name over 100 bytes is refused first, since ``tarfile``
    would split it into a prefix, which a bundle never uses.
    """
    if len(name.encode("ascii")) > 100:
        raise BundleError(f"the member name {name!r} is longer than 100 bytes")
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o644
    return info.tobuf(format=tarfile.USTAR_FORMAT, encoding="ascii", errors="strict")


class BundleWriter:
    """Writes the members of a bundle, in order, to a binary file.

    Call :meth:`add_file` for the four fixed members, then :meth:`add_entries` (any
    number of times), then :meth:`close`.
    """

    def __init__(self, stream: IO[bytes], *, mtime: int = 0) -> None:
        self._stream = stream
        self._mtime = mtime
        self._fixed = 0
        self._chunk = bytearray()
        self._bodies = bytearray()
        self._in_chunk = 0
        self._files = 0
        self._size = 0
        self._disclosed = 0
        self._closed = False

    @property
    def size(self) -> int:
        """Entries written so far."""
        return self._size

    @property
    def bodies(self) -> int:
        """Bodies written so far (acts whose body is in the bundle)."""
        return self._disclosed

    @property
    def entry_files(self) -> list[str]:
        """Names of the entry files written so far (a partial one is not yet written)."""
        return [entry_file_name(n) for n in range(self._files)]

    def _member(self, name: str, data: bytes | bytearray) -> None:
        self._stream.write(_header(name, len(data), self._mtime))
        self._stream.write(data)
        self._stream.write(bytes(-len(data) % BLOCK))

    def add_file(self, name: str, data: bytes) -> None:
        """Write the next fixed member, in the order of :data:`FIXED_MEMBERS`."""
        if self._fixed >= len(FIXED_MEMBERS) or FIXED_MEMBERS[self._fixed] != name:
            expected = FIXED_MEMBERS[self._fixed] if self._fixed < len(FIXED_MEMBERS) else None
            raise BundleError(f"{name} is out of order (expected {expected})")
        self._member(name, data)
        self._fixed += 1

    def add_entries(self, entries: Iterable[tuple[bytes, bytes | None]]) -> None:
        """Append ``(leaf, body)`` pairs in log order; ``body`` is ``None`` when withheld.

        A pair of entry and body files is written each time :data:`ENTRIES_PER_FILE`
        leaves are gathered.
        """
        if self._fixed != len(FIXED_MEMBERS) or self._closed:
            raise BundleError("entries come after the four fixed members")
        for leaf, body in entries:
            if not 0 < len(leaf) <= MAX_LEAF_BYTES:
                raise BundleError(f"a leaf of {len(leaf)} bytes cannot be in a bundle")
            if body is not None and not 0 < len(body) < 1 << 32:
                raise BundleError(f"a body of {len(body)} bytes cannot be in a bundle")
            self._chunk += len(leaf).to_bytes(_LENGTH, "big")
            self._chunk += leaf
            if body is None:
                self._bodies += _NO_BODY
            else:
                self._bodies += len(body).to_bytes(_LENGTH, "big")
                self._bodies += body
                self._disclosed += 1
            self._in_chunk += 1
            self._size += 1
            if self._in_chunk == ENTRIES_PER_FILE:
                self._flush()

    def _flush(self) -> None:
        if self._in_chunk:
            self._member(entry_file_name(self._files), self._chunk)
            self._member(body_file_name(self._files), self._bodies)
            self._files += 1
            self._chunk = bytearray()
            self._bodies = bytearray()
            self._in_chunk = 0

    def close(self) -> None:
        """Write the last entry file and the end-of-archive marker (two zero blocks)."""
        if self._closed:
            return
        if self._fixed != len(FIXED_MEMBERS):
            raise BundleError(
                "a bundle needs README.txt, manifest.json, scenario.json and checkpoint.txt"
            )
        self._flush()
        self._stream.write(_ZERO_BLOCK * 2)
        self._stream.flush()
        self._closed = True


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a bundle, with its contents (``None`` when it was skipped)."""

    name: str
    size: int
    data: bytes | None
    offset: int = 0
    """Where its data starts, in bytes from the start of the stream."""


def _parse_header(block: bytes, offset: int) -> tuple[str, int]:
    stored = block[148:156]
    try:
        checksum = int(stored.rstrip(b"\x00 ").decode("ascii") or "x", 8)
        size = int(block[124:136].rstrip(b"\x00 ").decode("ascii") or "x", 8)
    except ValueError as exc:
        raise BundleError(f"the tar header at byte {offset} is damaged") from exc
    if sum(block) - sum(stored) + 8 * 32 != checksum:
        raise BundleError(f"the tar header at byte {offset} is damaged (its checksum differs)")
    if block[257:263] != b"ustar\x00" or block[156:157] not in (b"0", b"\x00"):
        raise BundleError(f"the tar member at byte {offset} is not a plain ustar file")
    if block[345:500].strip(b"\x00"):
        raise BundleError(f"the tar member at byte {offset} uses a name prefix")
    raw_name = block[0:100]
    name_bytes = raw_name.split(b"\x00", 1)[0]
    if raw_name[len(name_bytes) :].strip(b"\x00"):
        raise BundleError(f"the tar member name at byte {offset} is damaged")
    try:
        name = name_bytes.decode("ascii")
    except UnicodeDecodeError as exc:
        raise BundleError(f"the tar member name at byte {offset} is not ASCII") from exc
    return name, size


def read_members(
    stream: IO[bytes],
    *,
    skip: Callable[[str], bool] | None = None,
    stop_after: str | None = None,
) -> Iterator[Member]:
    """Read a bundle's members in order, one at a time.

    Members for which ``skip(name)`` is true are passed over (by seeking, when the stream
    can) and yielded with ``data=None``. With ``stop_after``, reading ends after
    the member of that name. Otherwise the archive must end with zero blocks. Raises
    :class:`BundleError` for anything that is not a strict ustar archive.
    """
    seekable = stream.seekable()
    offset = 0
    while True:
        block = stream.read(BLOCK)
        if len(block) < BLOCK:
            raise BundleError("the bundle is truncated (no end-of-archive marker)")
        if block == _ZERO_BLOCK:
            if stream.read(BLOCK) != _ZERO_BLOCK:
                raise BundleError("the bundle's end-of-archive marker is damaged")
            if any(byte for chunk in iter(lambda: stream.read(1 << 16), b"") for byte in chunk):
                raise BundleError("the bundle has data after its end-of-archive marker")
            return
        name, size = _parse_header(block, offset)
        padded = size + (-size % BLOCK)
        offset += BLOCK
        if skip is not None and skip(name):
            if seekable:
                stream.seek(padded, 1)
            else:
                _read_exactly(stream, padded, name)
            offset += padded
            yield Member(name, size, None, offset - padded)
        else:
            data = _read_exactly(stream, size, name)
            padding = _read_exactly(stream, padded - size, name)
            if padding.strip(b"\x00"):
                raise BundleError(f"the padding after {name} is not zero")
            offset += padded
            yield Member(name, size, data, offset - padded)
        if stop_after is not None and name == stop_after:
            return


def _read_exactly(stream: IO[bytes], size: int, name: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise BundleError(f"the bundle is truncated inside {name}")
    return data


def iter_leaves(data: bytes, name: str = "entry file") -> Iterator[bytes]:
    """The leaves of one entry file (each a 4-byte big-endian length and its bytes)."""
    position, end = 0, len(data)
    while position < end:
        if position + _LENGTH > end:
            raise BundleError(f"{name} ends inside an entry length")
        length = int.from_bytes(data[position : position + _LENGTH], "big")
        position += _LENGTH
        if not 0 < length <= MAX_LEAF_BYTES or position + length > end:
            raise BundleError(f"{name} holds an entry of impossible length {length}")
        yield data[position : position + length]
        position += length


def split_leaves(data: bytes, name: str = "entry file") -> list[bytes]:
    """:func:`iter_leaves` as a list, cut in one tight loop (the generator costs twice as
    much per record, which counts in the verifier's inner loop)."""
    return _split(data, 1, MAX_LEAF_BYTES) or list(iter_leaves(data, name))


def split_bodies(data: bytes, name: str = "body file") -> list[bytes | None]:
    """:func:`iter_bodies` as a list, cut the same way as :func:`split_leaves`."""
    found = _split(data, 0, len(data))
    if found is None:
        return list(iter_bodies(data, name))
    return [body or None for body in found]


def _split(data: bytes, low: int, high: int) -> list[bytes] | None:
    """The records of ``data``, each ``low`` to ``high`` bytes long; None when the data
    are not such records (the generators then say what is wrong)."""
    records: list[bytes] = []
    append = records.append
    unpack = _UNPACK_LENGTH
    position, end = 0, len(data)
    try:
        while position < end:
            (length,) = unpack(data, position)
            position += _LENGTH
            if length < low or length > high:
                return None
            append(data[position : position + length])
            position += length
    except struct.error:
        return None
    return records if position == end else None


def iter_bodies(data: bytes, name: str = "body file") -> Iterator[bytes | None]:
    """The records of one body file: each body's bytes, or ``None`` for one withheld."""
    position, end = 0, len(data)
    while position < end:
        if position + _LENGTH > end:
            raise BundleError(f"{name} ends inside a body length")
        length = int.from_bytes(data[position : position + _LENGTH], "big")
        position += _LENGTH
        if position + length > end:
            raise BundleError(f"{name} holds a body of impossible length {length}")
        yield data[position : position + length] if length else None
        position += length


def record_offsets(data: bytes, every: int, *, leaves: bool, name: str) -> tuple[list[int], int]:
    """The byte offsets of records ``0, every, 2 * every, ...`` of a file and of its end,
    and the number of records.

    Each record is a 4-byte big-endian length and that many bytes. In an entry file
    (``leaves``) a length must be between 1 and :data:`MAX_LEAF_BYTES`; in a body file
    it may be 0. Raises :class:`BundleError` for a file that does not divide exactly
    into records. Cutting a file into batches this way copies nothing.
    """
    offsets: list[int] = []
    append = offsets.append
    unpack = _UNPACK_LENGTH
    position, end, count = 0, len(data), 0
    low = 1 if leaves else 0
    high = MAX_LEAF_BYTES if leaves else end
    what = "an entry" if leaves else "a body"
    while position < end:
        if count % every == 0:
            append(position)
        if position + _LENGTH > end:
            raise BundleError(f"{name} ends inside {what} length")
        (length,) = unpack(data, position)
        position += _LENGTH
        if not low <= length <= high or position + length > end:
            raise BundleError(f"{name} holds {what} of impossible length {length}")
        position += length
        count += 1
    append(end)
    return offsets, count


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest as written: indented JSON, ending in a newline."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256."""
    return hashlib.sha256(data).hexdigest()
