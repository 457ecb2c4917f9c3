"""The demo's press: the scenario's ``demo/press.json`` reports stored as media items.

``truce init --demo`` replays the demo acts (:mod:`truce.log.demo`), then stores these
reports through the ingest service (:mod:`truce.media.ingest`: read, extract, build the
``media.item`` body as ``truce ingest`` does), signed by the demo delegate the file
names and admitted like any act, so that the press page has clusters; the demo's
witnesses then cosign a checkpoint that covers them too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from truce.errors import ConfigurationError, TruceError
from truce.ledger.envelope import parse_time, sign_act
from truce.ledger.keys import KeyFile
from truce.log.admission import Admission
from truce.log.checkpoints import LogSigner
from truce.log.demo import SettableClock
from truce.media.ingest.articles import read_file
from truce.media.ingest.extract import Extractor
from truce.media.service import item_body
from truce.scenario.rules import load_scenario
from truce.storage.db import Database

PRESS_FILE = Path("demo") / "press.json"


def read_press(scenario_dir: Path) -> dict[str, Any] | None:
    """The scenario's demo press file, or None if it has none."""
    path = scenario_dir / PRESS_FILE
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the demo press {path}: {exc}") from exc
    return data


def load_demo_press(database_url: str, scenario_dir: Path, keys_dir: Path) -> int:
    """Store the demo's press reports as ``media.item`` acts; how many were stored."""
    press = read_press(scenario_dir)
    if press is None:
        return 0
    scenario = load_scenario(scenario_dir)
    extractor = Extractor(scenario)
    key_file = KeyFile.load(keys_dir / f"{press['as']}.key")
    at = parse_time(press["at"])
    db = Database.from_url(database_url)
    clock = SettableClock(at)
    signer = LogSigner.from_key_file(
        scenario, keys_dir / f"{scenario.secretariat.code.lower()}-log.key"
    )
    admission = Admission(db, signer=signer, clock=clock)
    try:
        for position, report in enumerate(press["reports"]):
            article = read_file(scenario_dir / "demo" / report["file"])
            if report.get("title") and not article.title:
                article = dataclasses.replace(article, title=report["title"])
            published = report.get("published")
            extraction = extractor.extract(
                article,
                published=dt.date.fromisoformat(published) if published else None,
            )
            clock.now = at + dt.timedelta(minutes=position)
            act = sign_act(
                kind="media.item",
                mechanism=scenario.mechanism.id,
                member=key_file.member,
                delegate=key_file.delegate,
                key=key_file.key,
                body=item_body(article, extraction),
                at=clock.now,
                refs=[],
                audience="all",
            )
            try:
                admission.submit(act)
            except TruceError as exc:
                raise ConfigurationError(
                    f"demo press report {report['file']!r} was refused: {exc.message}"
                ) from exc
        return len(press["reports"])
    finally:
        db.dispose()
