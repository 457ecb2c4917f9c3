"""C2SP tlog-tiles arithmetic: paths, the tiles of a tree size, entry bundles.

The expected values are the examples of the specification's text (c2sp.org/tlog-tiles).
"""

from __future__ import annotations

import pytest

from truce.errors import InputError
from truce.ledger.tiles import (
    Tile,
    decode_bundle,
    encode_bundle,
    encode_index,
    parse_tile_path,
    tiles_for_size,
)


def test_an_index_is_written_in_groups_of_three_digits() -> None:
    assert encode_index(1234067) == "x001/x234/067"
    assert encode_index(0) == "000"
    assert encode_index(999) == "999"
    assert encode_index(1000) == "x001/000"
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert Tile(2, 5, 17).path == "tile/2/005.p/17"
    assert Tile(None, 3, 112).path == "tile/entries/003.p/112"


@pytest.mark.parametrize(
    "tile",
    [Tile(0, 0), Tile(0, 1234067), Tile(63, 7, 255), Tile(None, 1000, 1), Tile(None, 0)],
)
def test_paths_read_back(tile: Tile) -> None:
    assert parse_tile_path(tile.path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/0001",
        "tile/00/000",
        "tile/64/000",
        "tile/0/x000/001",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/012",
        "tile/data/000",
        "tile/0/000/",
        "tile/8/0/000",
        "tile/0/-01",
    ],
)
def test_other_paths_are_refused(path: str) -> None:
    with pytest.raises(InputError):
        parse_tile_path(path)


def test_the_tiles_of_a_tree_of_70000_entries() -> None:
    """tlog-tiles: "273 full level 0 tiles, one partial level 0 tile of width 112, one
    full level 1 tile, one partial level 1 tile of width 17, and one partial level 2
    tile of width 1"."""
    tiles = list(tiles_for_size(70_000, entries=False))
    by_level: dict[int | None, list[Tile]] = {}
    for tile in tiles:
        by_level.setdefault(tile.level, []).append(tile)
    assert [t.width for t in by_level[0]] == [256] * 273 + [112]
    assert [t.width for t in by_level[1]] == [256, 17]
    assert [t.width for t in by_level[2]] == [1]
    assert set(by_level) == {0, 1, 2}
    bundles = [t for t in tiles_for_size(70_000) if t.level is None]
    assert [t.width for t in bundles] == [t.width for t in by_level[0]]


def test_a_tree_of_256_entries_has_a_full_tile_and_a_partial_parent() -> None:
    assert list(tiles_for_size(256, entries=False)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tiles_for_size(0)) == []


def test_covers_needs_every_hash_of_the_tile() -> None:
    assert Tile(0, 0, 5).covers(5)
    assert not Tile(0, 0, 6).covers(5)
    assert Tile(1, 0, 1).covers(256)
    assert not Tile(1, 0, 2).covers(511)


def test_entry_bundles_are_uint16_length_prefixed() -> None:
    entries = [b"", b"a", b"x" * 300, b"z" * 0xFFFF]
    data = encode_bundle(entries)
    assert data[:5] == b"\x00\x00\x00\x01a"
    assert data[5:7] == (300).to_bytes(2, "big")
    assert decode_bundle(data) == entries
    with pytest.raises(InputError, match="does not fit"):
        encode_bundle([b"x" * 0x10000])
    with pytest.raises(InputError, match="ends inside an entry"):
        decode_bundle(data[:-1])
    with pytest.raises(InputError, match="ends inside a length"):
        decode_bundle(b"\x00")
