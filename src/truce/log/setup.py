"""Creating a mechanism: schema, genesis act, and (for a demo scenario) demo delegates.

The genesis act (entry 0) carries the whole scenario as its body, signed by the
secretariat's root key. Everything the mechanism knows, down to its members' root keys,
is therefore in the log, and ``truce rebuild`` needs nothing else.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from truce.accounts.service import create_account, demo_hasher, issue_token
from truce.errors import ConfigurationError
from truce.ledger.envelope import sign_act
from truce.ledger.keys import KeyFile, SigningKey, demo_signing_key
from truce.log.admission import Admission, utc_now
from truce.log.checkpoints import LogSigner
from truce.scenario.rules import Scenario, load_scenario
from truce.storage import schema
from truce.storage.db import Database
from truce.storage.models import LogHead

SCENARIO_FILE = "mechanism.toml"

#: The demo delegates registered besides each member's root (head) key.
DEMO_ROLES: dict[str, tuple[tuple[str, str], ...]] = {
    "party": (("officer", "officer"), ("observer", "observer"), ("witness", "witness")),
    "mediator": (("officer", "officer"), ("observer", "observer"), ("witness", "witness")),
    "secretariat": (("clerk", "secretariat"), ("clock", "clock")),
}


@dataclass
class InitResult:
    """What ``truce init`` created."""

    mechanism: str
    entries: int
    key_files: list[Path] = field(default_factory=list)


def scenario_path(path: Path) -> Path:
    """Accept a scenario folder or the TOML file itself."""
    return path / SCENARIO_FILE if path.is_dir() else path


def _write_secret(path: Path, secret: str) -> None:
    """Write a secret to a new file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")


def _demo_account(db: Database, keys_dir: Path, key_file: KeyFile, language: str) -> Path:
    """Save a demo delegate's key, and create its account with a token and a password,
    speaking ``language`` (its member's first language).

    Beside ``<name>.key`` go ``<name>.token`` (for the API and the CLI client) and
    ``<name>.password`` (for the web application), both readable by their owner only.
    """
    stem = key_file.delegate
    if stem == "root":
        stem = f"{key_file.member.lower()}-root"
    path = keys_dir / f"{stem}.key"
    key_file.save(path)
    password = secrets.token_urlsafe(12)
    create_account(
        db,
        member=key_file.member,
        delegate=key_file.delegate,
        role=key_file.role,
        password=password,
        hasher=demo_hasher(),
        language=language,
    )
    _write_secret(keys_dir / f"{stem}.token", issue_token(db, key_file.member, key_file.delegate))
    _write_secret(keys_dir / f"{stem}.password", password)
    return path


def initialise(
    database_url: str,
    scenario_dir: Path,
    keys_dir: Path,
    *,
    secretariat_key: SigningKey | None = None,
    log_key: SigningKey | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> InitResult:
    """Create the schema, log the genesis act and, for a demo scenario, demo delegates.

    A scenario with a ``[demo]`` seed derives every root key and the checkpoint key from
    it (and writes the demo key files); otherwise the secretariat's root key and the
    checkpoint key must be given, and members register their delegates themselves.
    """
    scenario = load_scenario(scenario_path(scenario_dir))
    demo_seed = scenario.demo.insecure_key_seed if scenario.demo else None
    if demo_seed is not None:
        secretariat_key = secretariat_key or demo_signing_key(demo_seed, scenario.secretariat.code)
        log_key = log_key or demo_signing_key(demo_seed, "log")
    if secretariat_key is None or log_key is None:
        raise ConfigurationError(
            "this scenario has no demo seed: pass the secretariat's root key file "
            "and the checkpoint key file"
        )
    signer = LogSigner.for_scenario(scenario, log_key)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    db = Database.from_url(database_url)
    try:
        schema.upgrade(db.engine)
        with db.read() as connection:
            head = connection.execute(select(LogHead.size)).first()
        if head is not None and head.size > 0:
            raise ConfigurationError(
                f"{database_url} already holds a mechanism ({head.size} entries); "
                "use a new database"
            )
        admission = Admission(db, signer=signer, clock=clock)
        admission.genesis(scenario, secretariat_key)
        result = InitResult(mechanism=scenario.mechanism.id, entries=1)
        if demo_seed is not None:
            result.key_files = _demo_delegates(db, admission, scenario, demo_seed, keys_dir, clock)
            log_file = KeyFile(
                member=scenario.secretariat.code, delegate="log", role="secretariat", key=log_key
            )
            log_path = keys_dir / f"{scenario.secretariat.code.lower()}-log.key"
            log_file.save(log_path)
            result.key_files.append(log_path)
            result.entries += sum(len(DEMO_ROLES[m.kind]) for m in scenario.members)
        return result
    finally:
        db.dispose()


def _demo_delegates(
    db: Database,
    admission: Admission,
    scenario: Scenario,
    seed: str,
    keys_dir: Path,
    clock: Callable[[], datetime],
) -> list[Path]:
    keys_dir.mkdir(parents=True, exist_ok=True)
    keys_dir.chmod(0o700)
    written: list[Path] = []
    for member in scenario.members:
        language = member.languages[0] if member.languages else "en"
        root = demo_signing_key(seed, member.code)
        if root.public_key.text != member.root_key:
            raise ConfigurationError(
                f"the demo seed does not give {member.code}'s root key in the scenario"
            )
        root_role = "secretariat" if member.kind == "secretariat" else "head"
        root_file = KeyFile(member=member.code, delegate="root", role=root_role, key=root)
        written.append(_demo_account(db, keys_dir, root_file, language))
        acts = []
        for name, role in DEMO_ROLES[member.kind]:
            delegate = f"{member.code.lower()}-{name}"
            key = SigningKey.generate()
            acts.append(
                sign_act(
                    kind="member.key",
                    mechanism=scenario.mechanism.id,
                    member=member.code,
                    delegate="root",
                    key=root,
                    body={
                        "action": "register",
                        "delegate": delegate,
                        "role": role,
                        "public_key": key.public_key.text,
                    },
                    at=clock(),
                )
            )
            key_file = KeyFile(member=member.code, delegate=delegate, role=role, key=key)
            written.append(_demo_account(db, keys_dir, key_file, language))
        admission.submit_many(acts)
    return written
