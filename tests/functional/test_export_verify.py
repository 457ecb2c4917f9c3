"""``truce export`` then ``truce verify``, as a delegation would run them."""

from __future__ import annotations

from pathlib import Path

from tests.functional.test_cli import truce
from tests.mechanism import Mechanism
from tests.unit.verify.test_audit import cosign_latest, flip, statements
from truce.log import checkpoints


def test_export_then_verify(mechanism: Mechanism, tmp_path: Path) -> None:
    statements(mechanism)
    with mechanism.db.read() as connection:
        saved = tmp_path / "saved-checkpoint.txt"
        saved.write_bytes(checkpoints.cosigned_note(connection).to_bytes())
    statements(mechanism)
    size = cosign_latest(mechanism)
    bundle = tmp_path / "pk.bundle"
    key = mechanism.keys_dir / "pk-officer.key"

    done = truce("export", "--out", bundle, "--key", key, "--database", mechanism.url).ok()
    assert f"exported {size} entries (witnessed checkpoint)" in done.stdout
    again = truce("export", "--out", bundle, "--key", key, "--database", mechanism.url)
    again.error(contains="exists")

    checked = truce("verify", bundle, "--trusted", saved, "--workers", "2").ok()
    [line] = checked.stdout.strip().splitlines()
    assert line.startswith(f"verified {size} entries up to checkpoint {size} (root ")
    assert "4 of 4 witnesses" in line
    assert "2 outside your audience" in line
    assert "consistent with your checkpoint" in line

    tampered = flip(bundle, tmp_path / "tampered.bundle", "entries/000000.bin", 500)
    truce("verify", tampered).error(code=5, contains="error: entry 1: key ")

    other_key = "pUl0RPzR0DvbpgDaTTE5T5qU7qtwbXAz4lJr3asa0ia"
    truce("verify", bundle, "--log-key", other_key).error(code=5)


def test_an_unwitnessed_bundle_fails_unless_allowed(mechanism: Mechanism, tmp_path: Path) -> None:
    statements(mechanism)
    cosign_latest(mechanism, ["PK"])
    bundle = tmp_path / "b"
    key = mechanism.keys_dir / "pk-root.key"
    truce("export", "--out", bundle, "--key", key, "--database", mechanism.url).ok()
    failed = truce("verify", bundle)
    failed.error(code=5, contains="not witnessed: 1 of the 4")
    assert "NOT WITNESSED" in failed.stdout
    allowed = truce("verify", bundle, "--allow-unwitnessed").ok()
    assert "1 of 4 witnesses" in allowed.stdout


def test_export_needs_a_registered_key(mechanism: Mechanism, tmp_path: Path) -> None:
    truce(
        "keygen",
        "--out",
        tmp_path / "stray.key",
        "--member",
        "PK",
        "--delegate",
        "pk-x",
        "--role",
        "officer",
    ).ok()
    truce(
        "export",
        "--out",
        tmp_path / "b",
        "--key",
        tmp_path / "stray.key",
        "--database",
        mechanism.url,
    ).error(code=4, contains="not registered")
    assert not (tmp_path / "b").exists()
