"""The witness against an in-process server: cosigning, and every refusal with evidence."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.mechanism import SCENARIO_DIR, Mechanism, make_mechanism
from truce.app import create_app
from truce.config import Settings
from truce.errors import ConfigurationError, LogMisbehaviourError, ProofError
from truce.ledger.checkpoint import log_verifier, open_checkpoint
from truce.ledger.keys import KeyFile, PublicKey, SigningKey
from truce.log.admission import Admission
from truce.log.checkpoints import LogSigner
from truce.log.witness import COSIGNED, TRUSTED, Witness
from truce.scenario.rules import Scenario, load_scenario, parse_scenario
from truce.storage.db import Database

WITNESSES = ("pk-witness", "af-witness", "tr-witness", "qa-witness")


def client_for(mechanism: Mechanism, url: str | None = None) -> TestClient:
    settings = Settings(database_url=url or mechanism.url, log_key_file=mechanism.log_key_file)
    return TestClient(create_app(settings, clock=mechanism.clock))


def witness(
    mechanism: Mechanism, client: TestClient, name: str, state: Path, **kw: object
) -> Witness:
    return Witness(
        client,
        mechanism.key(name),
        state,
        scenario=kw.pop("scenario", mechanism.scenario),  # type: ignore[arg-type]
        clock=mechanism.clock,
        **kw,  # type: ignore[arg-type]
    )


def add_statements(mechanism: Mechanism, url: str, texts: list[str]) -> None:
    db = Database.from_url(url)
    signer = LogSigner.from_key_file(mechanism.scenario, mechanism.log_key_file)
    try:
        Admission(db, signer=signer, clock=mechanism.clock).submit_many(
            [
                mechanism.act(
                    "pk-officer", body={"title": "Statement", "text": text, "language": "en"}
                )
                for text in texts
            ]
        )
    finally:
        db.dispose()


def copy_sqlite(url: str, target: Path) -> str:
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    return f"sqlite:///{target}"


@pytest.fixture
def local(sqlite_url: str, tmp_path: Path, clock: Clock) -> Iterator[Mechanism]:
    """A mechanism on an SQLite file, which tests copy to fork the log."""
    built = make_mechanism(sqlite_url, tmp_path / "keys", clock)
    yield built
    built.db.dispose()


def test_every_member_cosigns_and_the_checkpoint_becomes_witnessed(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    with client_for(mechanism) as client:
        assert client.get("/log/v1/checkpoint/witnessed").status_code == 404
        for name in WITNESSES:
            outcome = witness(mechanism, client, name, tmp_path / name).run_once()
            assert outcome.added
            assert outcome.previous_size is None
        witnessed = client.get("/log/v1/checkpoint/witnessed")
        assert witnessed.status_code == 200
        verifier = log_verifier(
            mechanism.scenario.mechanism.origin,
            PublicKey.parse(mechanism.scenario.mechanism.checkpoint_key),
        )
        checkpoint, note = open_checkpoint(witnessed.content, verifier)
        assert len(note.signatures) == 1 + len(WITNESSES)
        status = {row["member"]: row["size"] for row in client.get("/log/v1/witnesses").json()}
        assert status == {
            "PK": checkpoint.size,
            "AF": checkpoint.size,
            "TR": checkpoint.size,
            "QA": checkpoint.size,
        }
        again = witness(mechanism, client, "pk-witness", tmp_path / "pk-witness").run_once()
        assert not again.added


def test_a_growing_log_is_cosigned_after_a_consistency_proof(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    state = tmp_path / "pk"
    with client_for(mechanism) as client:
        first = witness(mechanism, client, "pk-witness", state).run_once()
        mechanism.admission.submit_many([mechanism.act("af-officer") for _ in range(1)])
        mechanism.admission.submit(mechanism.act("tr-officer"))
        second = witness(mechanism, client, "pk-witness", state, scenario=None).run_once()
    assert second.previous_size == first.size
    assert second.size == first.size + 2
    assert (state / COSIGNED).exists()


def test_the_first_run_needs_the_agreed_scenario(mechanism: Mechanism, tmp_path: Path) -> None:
    with client_for(mechanism) as client, pytest.raises(ConfigurationError, match="--scenario"):
        witness(mechanism, client, "pk-witness", tmp_path / "s", scenario=None).run_once()


def test_a_log_started_from_another_scenario_is_refused(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    text = (SCENARIO_DIR / "mechanism.toml").read_text(encoding="utf-8")
    altered: Scenario = parse_scenario(
        text.replace("response_deadline_hours = 72", "response_deadline_hours = 24")
    )
    assert altered != mechanism.scenario
    with (
        client_for(mechanism) as client,
        pytest.raises(LogMisbehaviourError, match="different scenario"),
    ):
        witness(mechanism, client, "pk-witness", tmp_path / "s", scenario=altered).run_once()
    assert not (tmp_path / "s" / TRUSTED).exists()


def test_only_a_witness_key_cosigns(mechanism: Mechanism, tmp_path: Path) -> None:
    with client_for(mechanism) as client, pytest.raises(ConfigurationError, match="role witness"):
        witness(mechanism, client, "pk-officer", tmp_path / "s")


def test_a_checkpoint_signed_by_an_unknown_key_is_refused(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    state = tmp_path / "s"
    with client_for(mechanism) as client:
        witness(mechanism, client, "pk-witness", state).run_once()
        trusted = json.loads((state / TRUSTED).read_text())
        trusted["checkpoint_key"] = SigningKey.generate().public_key.text
        (state / TRUSTED).write_text(json.dumps(trusted))
        with pytest.raises(ProofError, match="unknown key"):
            witness(mechanism, client, "pk-witness", state).run_once()


def test_a_rollback_is_refused_with_both_checkpoints_kept(local: Mechanism, tmp_path: Path) -> None:
    older = copy_sqlite(local.url, tmp_path / "older.db")
    add_statements(local, local.url, ["one", "two", "three"])
    state = tmp_path / "af"
    with client_for(local) as client:
        cosigned = witness(local, client, "af-witness", state).run_once()
    before = (state / COSIGNED).read_bytes()
    with (
        client_for(local, older) as rolled_back,
        pytest.raises(
            LogMisbehaviourError, match=f"rollback: .* already cosigned {cosigned.size} entries"
        ),
    ):
        witness(local, rolled_back, "af-witness", state).run_once()
    assert (state / COSIGNED).read_bytes() == before
    [evidence] = (state / "evidence").iterdir()
    assert "rollback" in evidence.name
    assert (evidence / "earlier-checkpoint.txt").read_bytes() == before
    assert (evidence / "offered-checkpoint.txt").exists()


def fork(local: Mechanism, tmp_path: Path) -> tuple[str, str]:
    """Two logs that share a prefix and then differ, at the same size."""
    left = copy_sqlite(local.url, tmp_path / "left.db")
    right = copy_sqlite(local.url, tmp_path / "right.db")
    add_statements(local, left, ["left one", "left two"])
    add_statements(local, right, ["right one", "right two"])
    return left, right


def test_two_roots_for_one_size_are_refused(local: Mechanism, tmp_path: Path) -> None:
    left, right = fork(local, tmp_path)
    state = tmp_path / "tr"
    with client_for(local, left) as client:
        witness(local, client, "tr-witness", state).run_once()
    with (
        client_for(local, right) as client,
        pytest.raises(LogMisbehaviourError, match="two different roots for the same size"),
    ):
        witness(local, client, "tr-witness", state).run_once()


def test_a_log_that_does_not_extend_the_cosigned_one_is_refused(
    local: Mechanism, tmp_path: Path
) -> None:
    left, right = fork(local, tmp_path)
    add_statements(local, right, ["right three"])
    state = tmp_path / "qa"
    with client_for(local, left) as client:
        witness(local, client, "qa-witness", state).run_once()
    with (
        client_for(local, right) as client,
        pytest.raises(LogMisbehaviourError, match="does not extend"),
    ):
        witness(local, client, "qa-witness", state).run_once()
    [evidence] = (state / "evidence").iterdir()
    assert (evidence / "proof.json").exists()


def test_a_split_view_is_caught_through_a_peer(local: Mechanism, tmp_path: Path) -> None:
    left, right = fork(local, tmp_path)
    with client_for(local, left) as shown_to_pk, client_for(local, right) as shown_to_af:
        witness(local, shown_to_pk, "pk-witness", tmp_path / "pk").run_once()
        with pytest.raises(LogMisbehaviourError, match="split view"):
            witness(
                local, shown_to_af, "af-witness", tmp_path / "af", peers=[shown_to_pk]
            ).run_once()
        add_statements(local, left, ["left three"])
        with pytest.raises(LogMisbehaviourError, match="split view"):
            witness(
                local, shown_to_af, "af-witness", tmp_path / "af2", peers=[shown_to_pk]
            ).run_once()


def test_a_state_folder_belongs_to_one_member(mechanism: Mechanism, tmp_path: Path) -> None:
    state = tmp_path / "s"
    with client_for(mechanism) as client:
        witness(mechanism, client, "pk-witness", state).run_once()
        with pytest.raises(ConfigurationError, match="PK's witness"):
            witness(mechanism, client, "af-witness", state).run_once()


def test_a_revoked_witness_key_no_longer_counts(mechanism: Mechanism, tmp_path: Path) -> None:
    key_file: KeyFile = mechanism.key("pk-witness")
    mechanism.admission.submit(
        mechanism.act(
            "pk-root",
            "member.key",
            {
                "action": "revoke",
                "delegate": "pk-witness",
                "role": "witness",
                "public_key": key_file.key.public_key.text,
            },
        )
    )
    with (
        client_for(mechanism) as client,
        pytest.raises(ProofError, match="no cosignature from a registered witness"),
    ):
        witness(mechanism, client, "pk-witness", tmp_path / "s").run_once()


def test_scenario_helper_loads(tmp_path: Path) -> None:
    shutil.copy(SCENARIO_DIR / "mechanism.toml", tmp_path / "mechanism.toml")
    assert load_scenario(tmp_path).mechanism.id == "istanbul-2025"
