"""C2SP tiled transparency logs (c2sp.org/tlog-tiles): tile paths and entry bundles.

A tiled log serves its Merkle tree as static resources under its prefix:

- ``checkpoint``: the signed checkpoint (c2sp.org/tlog-checkpoint);
- ``tile/<L>/<N>[.p/<W>]``: the *hash tile* ``N`` of level ``L``, the concatenation of
  ``W`` (256 when full) 32-byte RFC 6962 hashes; hash ``i`` of tile ``N`` at level ``L``
  is ``MTH(D[(N*256 + i) * 256**L : (N*256 + i + 1) * 256**L])``, the hash of a complete
  subtree of ``256**L`` leaves;
- ``tile/entries/<N>[.p/<W>]``: the *entry bundle* ``N``, the entries of level-0 tile
  ``N``, each as a big-endian uint16 length and the entry's bytes.

``N`` is written in groups of three decimal digits, all but the last prefixed by ``x``
(``1234067`` is ``x001/x234/067``); ``.p/<W>`` marks a partial tile of width 1 to 255.
A tree of size ``s`` has ``floor(s / 256**L) mod 256`` hashes in its partial tile at
level ``L``, and no empty tile. This module is that arithmetic, pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from truce.ledger.errors import InputError

__all__ = [
    "HASH_SIZE",
    "MAX_ENTRY_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Tile",
    "decode_bundle",
    "encode_bundle",
    "encode_index",
    "parse_tile_path",
    "tiles_for_size",
]

TILE_HEIGHT: Final = 8
"""Levels of the Merkle tree one tile spans (tlog-tiles: tiles are 2**8 hashes wide)."""

TILE_WIDTH: Final = 1 << TILE_HEIGHT
"""Hashes in a full tile, and entries in a full bundle."""

HASH_SIZE: Final = 32
"""Bytes of one hash: SHA-256."""

MAX_ENTRY_SIZE: Final = 0xFFFF
"""Largest entry an entry bundle can carry: its length is a uint16."""

MAX_LEVEL: Final = 63

_PATH: Final = re.compile(
    r"tile/(?P<level>0|[1-9][0-9]?|entries)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


@dataclass(frozen=True, slots=True, order=True)
class Tile:
    """A tile: its level (``None`` for an entry bundle), its index and its width."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if self.level is not None and not 0 <= self.level <= MAX_LEVEL:
            raise InputError(f"a tile level is 0 to {MAX_LEVEL}, not {self.level}")
        if self.index < 0:
            raise InputError(f"a tile index is not negative, not {self.index}")
        if not 1 <= self.width <= TILE_WIDTH:
            raise InputError(f"a tile holds 1 to {TILE_WIDTH} hashes, not {self.width}")

    @property
    def full(self) -> bool:
        """True for a full tile (256 wide), which never changes."""
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        """The tile's path under the log's prefix."""
        level = "entries" if self.level is None else str(self.level)
        partial = "" if self.full else f".p/{self.width}"
        return f"tile/{level}/{encode_index(self.index)}{partial}"

    @property
    def start(self) -> int:
        """The index of the first hash (at its level) or entry the tile holds."""
        return self.index * TILE_WIDTH

    def covers(self, size: int) -> bool:
        """True when a tree of ``size`` entries holds every hash of this tile."""
        level = self.level or 0
        return (self.start + self.width) << (TILE_HEIGHT * level) <= size


def encode_index(index: int) -> str:
    """``N`` as tlog-tiles writes it: three-digit groups, all but the last ``x``-prefixed."""
    if index < 0:
        raise InputError(f"a tile index is not negative, not {index}")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def parse_tile_path(path: str) -> Tile:
    """Read ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]`` strictly.

    Leading zeroes beyond the three-digit groups, a group ``x000`` at the front, widths
    of 0 or 256 and above, and levels above 63 are refused, so that each tile has
    exactly one path. Raises :class:`~truce.errors.InputError`.
    """
    match = _PATH.fullmatch(path)
    if match is None:
        raise InputError(f"{path!r} is not a tile path (tile/<L>/<N>[.p/<W>])")
    groups = match["index"].split("/")
    if len(groups) > 1 and groups[0] == "x000":
        raise InputError(f"{path!r} writes its index with a leading zero group")
    index = int("".join(group.removeprefix("x") for group in groups))
    width = TILE_WIDTH
    if match["width"]:
        width = int(match["width"])
        if width >= TILE_WIDTH:
            raise InputError(f"{path!r}: a partial tile is 1 to 255 wide")
    level = None if match["level"] == "entries" else int(match["level"])
    if level is not None and level > MAX_LEVEL:
        raise InputError(f"{path!r}: a tile level is 0 to {MAX_LEVEL}")
    return Tile(level, index, width)


def tiles_for_size(size: int, *, entries: bool = True) -> Iterator[Tile]:
    """Every tile of a tree of ``size`` entries, level by level, left to right.

    At each level the full tiles, then the partial one if any; with ``entries``, the
    entry bundles (the same shapes as level 0) first.
    """
    if size < 0:
        raise InputError(f"a tree cannot have {size} entries")
    if entries:
        yield from _level(None, size)
    level = 0
    while size >> (TILE_HEIGHT * level):
        yield from _level(level, size >> (TILE_HEIGHT * level))
        level += 1


def _level(level: int | None, hashes: int) -> Iterator[Tile]:
    full, partial = divmod(hashes, TILE_WIDTH)
    for index in range(full):
        yield Tile(level, index)
    if partial:
        yield Tile(level, full, partial)


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    parts: list[bytes] = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise InputError(
                f"an entry of {len(entry):,} bytes does not fit an entry bundle "
                f"(at most {MAX_ENTRY_SIZE:,})"
            )
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def decode_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle; raise :class:`InputError` if it is cut short."""
    entries: list[bytes] = []
    position = 0
    while position < len(data):
        if position + 2 > len(data):
            raise InputError("the entry bundle ends inside a length")
        length = int.from_bytes(data[position : position + 2], "big")
        position += 2
        if position + length > len(data):
            raise InputError("the entry bundle ends inside an entry")
        entries.append(data[position : position + length])
        position += length
    return entries
