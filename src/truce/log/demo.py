"""The demo: a scenario's ``demo/acts.json`` replayed as signed acts, each at its own time.

Every act is signed with the demo delegate's key (written by ``truce init``) and admitted
through the ordinary admission service, with the service's clock set to the act's date:
the same checks as for live acts apply, so the demo can only contain what the mechanism
would have accepted on that day. Acts refer to earlier ones by label (``refs``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from truce.errors import ConfigurationError, TruceError
from truce.ledger.envelope import parse_time, sign_act
from truce.ledger.keys import KeyFile
from truce.log.admission import Admission
from truce.log.checkpoints import LogSigner
from truce.scenario.rules import load_scenario
from truce.storage.db import Database

DEMO_FILE = Path("demo") / "acts.json"


@dataclass
class SettableClock:
    """A clock the loader moves to each act's date."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def read_demo(scenario_dir: Path) -> dict[str, Any]:
    """The demo file of a scenario folder."""
    path = scenario_dir / DEMO_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read the demo {path}: {exc.strerror}") from exc
    return data


def genesis_time(scenario_dir: Path) -> datetime:
    """When the demo mechanism begins."""
    return parse_time(read_demo(scenario_dir)["genesis_at"])


def load_demo(database_url: str, scenario_dir: Path, keys_dir: Path) -> int:
    """Admit every demo act in order; return how many. Stops at the first refusal."""
    demo = read_demo(scenario_dir)
    scenario = load_scenario(scenario_dir)
    db = Database.from_url(database_url)
    clock = SettableClock(parse_time(demo["genesis_at"]))
    signer = LogSigner.from_key_file(
        scenario, keys_dir / f"{scenario.secretariat.code.lower()}-log.key"
    )
    admission = Admission(db, signer=signer, clock=clock)
    leaves: dict[str, str] = {}
    try:
        for step in demo["acts"]:
            key_file = KeyFile.load(keys_dir / f"{step['as']}.key")
            clock.now = parse_time(step["at"])
            act = sign_act(
                kind=step["kind"],
                mechanism=scenario.mechanism.id,
                member=key_file.member,
                delegate=key_file.delegate,
                key=key_file.key,
                body=step["body"],
                at=step["at"],
                refs=[leaves[label] for label in step.get("refs", [])],
                audience=step.get("audience", "all"),
            )
            try:
                receipt = admission.submit(act)
            except TruceError as exc:
                raise ConfigurationError(
                    f"demo act {step['label']!r} was refused: {exc.message}"
                ) from exc
            leaves[step["label"]] = receipt.leaf_hash.hex()
        return len(leaves)
    finally:
        db.dispose()
