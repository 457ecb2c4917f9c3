"""What a mirror holds of its own: ``mirror.json`` (what it trusts and follows) and its
database, as the last run left them.

``mirror.json`` never holds a secret: the token stays in its own file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from truce.errors import ConfigurationError
from truce.ledger import merkle
from truce.ledger.checkpoint import log_verifier
from truce.ledger.keys import PublicKey
from truce.ledger.note import Verifier
from truce.log import checkpoints
from truce.log.queries import registered_keys
from truce.log.store import LogStore
from truce.storage import schema
from truce.storage.db import Database
from truce.storage.models import Body, Member
from truce.verify.registry import KeyRegistry

CONFIG_FILE = "mirror.json"
DATABASE_FILE = "truce.db"
CONFIG_VERSION = 1


@dataclass
class MirrorConfig:
    """What ``mirror.json`` holds (never a secret: the token stays in its own file)."""

    server: str
    mechanism: str
    origin: str
    checkpoint_key: str
    member: str | None = None
    delegate: str | None = None
    checkpoint: str | None = None
    v: int = CONFIG_VERSION

    def verifier(self) -> Verifier:
        """The log's note verifier under the trusted checkpoint key."""
        return log_verifier(self.origin, PublicKey.parse(self.checkpoint_key))


def database_url(directory: Path) -> str:
    """The SQLAlchemy URL of the mirror's database."""
    return f"sqlite:///{directory / DATABASE_FILE}"


def load_config(directory: Path) -> MirrorConfig | None:
    """The mirror's ``mirror.json``, or None when the directory holds no mirror yet."""
    path = directory / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
        if data.get("v") != CONFIG_VERSION:
            raise ValueError(f"unknown version {data.get('v')!r}")
        return MirrorConfig(**data)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigurationError(f"{path} is not a truce mirror file: {exc}") from exc


def save_config(directory: Path, config: MirrorConfig) -> None:
    """Replace ``mirror.json`` atomically."""
    path = directory / CONFIG_FILE
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


@dataclass
class Local:
    """The mirror's database as a run finds it."""

    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    frontier: merkle.Frontier = field(default_factory=merkle.Frontier.empty)
    keys: KeyRegistry | None = None
    kinds: dict[str, str] = field(default_factory=dict)
    checkpoint_size: int | None = None


def read_local(db: Database) -> Local:
    """The head, frontier, members and key registry of the mirror's database."""
    with db.read() as connection:
        store = LogStore(connection)
        head = store.head()
        local = Local(size=head.size, root=head.root, frontier=store.frontier(head))
        local.kinds = {
            row.code: row.kind for row in connection.execute(select(Member.code, Member.kind))
        }
        secretariat = next(
            (code for code, kind in local.kinds.items() if kind == "secretariat"), ""
        )
        local.keys = KeyRegistry(secretariat, registered_keys(connection))
        local.checkpoint_size = checkpoints.latest_size(connection)
    return local


def stored_bodies(db: Database | None, digests: Sequence[str]) -> set[str]:
    """Which of these body digests the mirror's database holds already."""
    if db is None or not digests:
        return set()
    found: set[str] = set()
    with db.read() as connection:
        for start in range(0, len(digests), 500):
            chunk = list(digests[start : start + 500])
            found.update(
                connection.execute(select(Body.digest).where(Body.digest.in_(chunk))).scalars()
            )
    return found


def open_database(directory: Path, *, create: bool) -> Database:
    """The mirror's database; a new one is created with the schema and an empty log."""
    path = directory / DATABASE_FILE
    if not create and not path.exists():
        raise ConfigurationError(f"{path} is missing: the mirror's database is gone")
    db = Database.from_url(database_url(directory))
    if create:
        schema.upgrade(db.engine)
        with db.write() as connection:
            LogStore(connection).initialise()
    return db


def remove_new_database(directory: Path) -> None:
    """Remove the database a refused first run created, so the directory is as it was."""
    for suffix in ("", "-wal", "-shm"):
        (directory / f"{DATABASE_FILE}{suffix}").unlink(missing_ok=True)
