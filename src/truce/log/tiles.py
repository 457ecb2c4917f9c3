"""The log as C2SP tlog-tiles: served under ``/log/v1/`` and written to a folder.

A tile client, monitor or mirror of the transparency ecosystem reads the log through
``/log/v1/checkpoint``, ``/log/v1/tile/<L>/<N>[.p/<W>]`` and
``/log/v1/tile/entries/<N>[.p/<W>]`` (:mod:`truce.ledger.tiles` has the layout). A
hash tile is one range read of ``log_nodes``, which already holds every complete
subtree; an entry bundle is one range read of ``log_entries``.

A full tile never changes, so it is served with immutable caching. A partial tile of a
given width never changes either, but it is superseded by the full tile, so it is cached
for an hour only. ``truce log tiles --out DIR`` (:func:`write_tiles`) writes the same
tree to a folder that any static web server or object store can serve; a run writes the
full tiles it has not written before, the partial ones of the current checkpoint, and
the checkpoint last, so a reader never finds a checkpoint whose tiles are missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Response
from sqlalchemy import Connection

from truce.api.deps import ServicesDep
from truce.errors import NotFoundError
from truce.ledger.checkpoint import Checkpoint
from truce.ledger.tiles import TILE_HEIGHT, Tile, encode_bundle, parse_tile_path, tiles_for_size
from truce.log import checkpoints
from truce.log.store import LogStore
from truce.storage.db import Database

router = APIRouter(prefix="/log/v1", tags=["log"])

#: Cache-Control of a full tile (tlog-tiles: immutable, long-lived caching).
IMMUTABLE = "public, max-age=31536000, immutable"
#: Cache-Control of a partial tile: its bytes never change, but the full tile replaces it.
PARTIAL = "public, max-age=3600"


def read_tile(connection: Connection, tile: Tile) -> bytes:
    """The bytes of a hash tile or entry bundle of the log; 404 beyond its size."""
    store = LogStore(connection)
    size = store.head().size
    if not tile.covers(size):
        raise NotFoundError(f"the log of {size} entries has no {tile.path}")
    if tile.level is None:
        leaves = store.entries(tile.start, tile.start + tile.width - 1)
        return encode_bundle(leaf for _, leaf in leaves)
    return b"".join(store.subtree_run(TILE_HEIGHT * tile.level, tile.start, tile.width))


@router.get(
    "/tile/{path:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
    summary="A hash tile or an entry bundle (C2SP tlog-tiles)",
)
def tile(path: str, services: ServicesDep) -> Response:
    """``tile/<L>/<N>[.p/<W>]`` (hashes) or ``tile/entries/<N>[.p/<W>]`` (entries)."""
    wanted = parse_tile_path(f"tile/{path}")
    with services.db.read() as connection:
        data = read_tile(connection, wanted)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Cache-Control": IMMUTABLE if wanted.full else PARTIAL},
    )


@dataclass(frozen=True, slots=True)
class Written:
    """What :func:`write_tiles` did."""

    size: int
    written: int
    kept: int


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write_tiles(db: Database, out: Path) -> Written:
    """Write the newest checkpoint and its tiles under ``out``, as the server serves them.

    Full tiles already in ``out`` are kept as they are (they cannot change); partial
    tiles and the checkpoint are rewritten.
    """
    with db.read() as connection:
        note = checkpoints.cosigned_note(connection)
        size = Checkpoint.parse(note.text).size
        written = kept = 0
        for tile in tiles_for_size(size):
            target = out / tile.path
            if tile.full and target.exists():
                kept += 1
                continue
            _write(target, read_tile(connection, tile))
            written += 1
    _write(out / "checkpoint", note.to_bytes())
    return Written(size=size, written=written, kept=kept)
