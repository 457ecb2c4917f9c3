"""A ready mechanism for tests: the istanbul-2025 scenario initialised with demo keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from truce.ledger.envelope import SignedAct, sign_act
from truce.ledger.keys import KeyFile
from truce.log import projections
from truce.log.admission import Admission
from truce.log.checkpoints import LogSigner
from truce.log.demo import genesis_time, load_demo
from truce.log.setup import initialise
from truce.scenario.rules import Scenario, load_scenario
from truce.storage.db import Database

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "istanbul-2025"


@dataclass
class Mechanism:
    """The istanbul-2025 mechanism in a fresh database, with every demo credential."""

    url: str
    db: Database
    admission: Admission
    scenario: Scenario
    keys_dir: Path
    clock: Any

    def key(self, name: str) -> KeyFile:
        """The key file of a demo delegate, e.g. ``pk-officer`` or ``pk-root``."""
        return KeyFile.load(self.keys_dir / f"{name}.key")

    @property
    def log_key_file(self) -> Path:
        """The checkpoint key file written by the demo set-up."""
        return self.keys_dir / "sec-log.key"

    def token(self, name: str) -> str:
        """The bearer token of a demo delegate."""
        return (self.keys_dir / f"{name}.token").read_text().strip()

    def act(
        self,
        name: str,
        kind: str = "statement.publish",
        body: Any = None,
        *,
        at: datetime | str | None = None,
        audience: Any = "all",
        refs: tuple[str, ...] = (),
    ) -> SignedAct:
        """An act signed by the demo delegate ``name``."""
        key_file = self.key(name)
        return sign_act(
            kind=kind,
            mechanism=self.scenario.mechanism.id,
            member=key_file.member,
            delegate=key_file.delegate,
            key=key_file.key,
            body=body
            if body is not None
            else {"title": "Statement", "text": "The ceasefire holds.", "language": "en"},
            at=at or self.clock(),
            audience=audience,
            refs=refs,
        )


def make_mechanism(
    url: str, keys_dir: Path, clock: Any, scenario_dir: Path = SCENARIO_DIR
) -> Mechanism:
    """Initialise the default scenario (or a copy of it at ``scenario_dir``) at ``url``
    and open it."""
    initialise(url, scenario_dir, keys_dir, clock=clock)
    return open_mechanism(url, keys_dir, clock, scenario_dir)


def open_mechanism(
    url: str, keys_dir: Path, clock: Any, scenario_dir: Path = SCENARIO_DIR
) -> Mechanism:
    """Open the mechanism already initialised at ``url`` with its keys in ``keys_dir``."""
    db = Database.from_url(url)
    scenario = load_scenario(scenario_dir / "mechanism.toml")
    signer = LogSigner.from_key_file(scenario, keys_dir / "sec-log.key")
    return Mechanism(
        url=url,
        db=db,
        admission=Admission(db, signer=signer, clock=clock),
        scenario=scenario,
        keys_dir=keys_dir,
        clock=clock,
    )


@contextmanager
def demo_database(url: str, keys_dir: Path) -> Iterator[Database]:
    """The istanbul-2025 demo acts loaded into a fresh database at ``url``, opened.

    The genesis is dated when the demo's mechanism began, so that the demo's acts,
    dated October and November 2025, fall after it.
    """
    begins = genesis_time(SCENARIO_DIR)
    initialise(url, SCENARIO_DIR, keys_dir, clock=lambda: begins)
    load_demo(url, SCENARIO_DIR, keys_dir)
    db = Database.from_url(url)
    try:
        yield db
    finally:
        db.dispose()


def assert_rebuild_reproduces(db: Database) -> dict[str, Any]:
    """Rebuild every projection from the log and check it equals what was projected
    live; return the snapshot."""
    with db.read() as connection:
        live = projections.snapshot(connection)
    with db.write() as connection:
        projections.rebuild(connection)
    with db.read() as connection:
        rebuilt = projections.snapshot(connection)
    assert rebuilt == live
    return live
