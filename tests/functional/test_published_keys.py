"""Keys anyone can use: the vkey, ``GET /log/v1/`` and witnesses named by the scenario.

Every check of a key or a signature here is written from the C2SP texts with hashlib,
base64 and pyca/cryptography alone, never with truce's own note code, so that a slip
shared by truce's writer and reader would still be caught.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import Clock
from tests.mechanism import SCENARIO_DIR, Mechanism, make_mechanism
from tests.unit.verify.test_audit import export
from truce.app import create_app
from truce.cli.main import app as cli
from truce.config import Settings
from truce.ledger.keys import b64url_decode
from truce.log.witness import TRUSTED, Witness
from truce.scenario.rules import parse_scenario
from truce.verify.audit import verify_bundle

WITNESSES = ("pk-witness", "af-witness", "tr-witness", "qa-witness")
NAMED = {"PK": "witness.pk.example", "TR": "sigsum.tr.example/witness"}


def read_vkey(vkey: str) -> tuple[str, int, bytes]:
    """A signed-note verifier key read from the spec: name, type and public key, with
    its key hash checked (SHA-256 of name, newline, type byte and key, first 4 bytes)."""
    name, key_hash, material_b64 = vkey.split("+", 2)
    material = base64.b64decode(material_b64, validate=True)
    signature_type, public_key = material[0], material[1:]
    expected = hashlib.sha256(name.encode() + b"\n" + material).digest()[:4]
    assert key_hash == expected.hex(), vkey
    assert len(public_key) == 32
    return name, signature_type, public_key


def signature_lines(note: bytes) -> tuple[bytes, dict[str, list[bytes]]]:
    """The text of a signed note and, per key name, the decoded signature lines."""
    text, _, block = note.decode().rpartition("\n\n")
    lines: dict[str, list[bytes]] = {}
    for line in block.splitlines():
        dash, name, signature = line.split(" ")
        assert dash == "\u2014"
        lines.setdefault(name, []).append(base64.b64decode(signature, validate=True))
    return (text + "\n").encode(), lines


def verifies(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def named_scenario(tmp_path: Path) -> Path:
    """A copy of the default scenario in which PK and TR name their witnesses."""
    target = tmp_path / "scenario"
    shutil.copytree(SCENARIO_DIR, target)
    toml = target / "mechanism.toml"
    text = toml.read_text(encoding="utf-8")
    for code, name in NAMED.items():
        anchor = f'code = "{code}"\n'
        assert anchor in text
        text = text.replace(anchor, f'{anchor}witness = {{ name = "{name}" }}\n', 1)
    toml.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def named(sqlite_url: str, tmp_path: Path, clock: Clock) -> Iterator[Mechanism]:
    built = make_mechanism(sqlite_url, tmp_path / "keys", clock, named_scenario(tmp_path))
    yield built
    built.db.dispose()


def client_for(mechanism: Mechanism) -> TestClient:
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    return TestClient(create_app(settings, clock=mechanism.clock))


def cosign_all(mechanism: Mechanism, client: TestClient, tmp_path: Path) -> None:
    for name in WITNESSES:
        Witness(
            client,
            mechanism.key(name),
            tmp_path / name,
            scenario=mechanism.scenario,
            clock=mechanism.clock,
        ).run_once()


def test_the_published_keys_check_the_checkpoint_and_every_cosignature(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    with client_for(mechanism) as client:
        cosign_all(mechanism, client, tmp_path)
        published = client.get("/log/v1/")
        note = client.get("/log/v1/checkpoint").content
    assert published.status_code == 200
    keys = published.json()
    origin = mechanism.scenario.mechanism.origin
    assert keys["origin"] == origin
    name, signature_type, log_key = read_vkey(keys["log"]["vkey"])
    assert (name, signature_type) == (origin, 0x01)
    assert log_key == b64url_decode(mechanism.scenario.mechanism.checkpoint_key)

    text, lines = signature_lines(note)
    assert text.startswith(f"{origin}\n".encode())
    [log_signature] = lines[origin]
    assert log_signature[:4].hex() == keys["log"]["vkey"].split("+")[1]
    assert verifies(log_key, log_signature[4:], text)

    assert sorted(w["member"] for w in keys["witnesses"]) == ["AF", "PK", "QA", "TR"]
    for witness in keys["witnesses"]:
        name, signature_type, public_key = read_vkey(witness["vkey"])
        assert signature_type == 0x04
        assert name == f"{origin}/witness/{witness['member']}" == witness["name"]
        [line] = lines[name]
        assert line[:4].hex() == witness["vkey"].split("+")[1]
        timestamp = int.from_bytes(line[4:12], "big")
        message = f"cosignature/v1\ntime {timestamp}\n".encode() + text
        assert verifies(public_key, line[12:], message)
        assert not verifies(public_key, line[12:], message.replace(b"time", b"tame"))


def test_a_scenario_names_each_witness_and_every_reader_uses_that_name(
    named: Mechanism, tmp_path: Path
) -> None:
    origin = named.scenario.mechanism.origin
    with client_for(named) as client:
        cosign_all(named, client, tmp_path)
        keys = client.get("/log/v1/").json()
        note = client.get("/log/v1/checkpoint/witnessed").content
    names = {w["member"]: w["name"] for w in keys["witnesses"]}
    assert names == {
        "PK": "witness.pk.example",
        "AF": f"{origin}/witness/AF",
        "TR": "sigsum.tr.example/witness",
        "QA": f"{origin}/witness/QA",
    }
    text, lines = signature_lines(note)
    for witness in keys["witnesses"]:
        _, _, public_key = read_vkey(witness["vkey"])
        [line] = lines[witness["name"]]
        timestamp = int.from_bytes(line[4:12], "big")
        message = f"cosignature/v1\ntime {timestamp}\n".encode() + text
        assert verifies(public_key, line[12:], message)
    assert f"{origin}/witness/PK" not in lines
    pinned = json.loads((tmp_path / "pk-witness" / TRUSTED).read_text())
    assert pinned["witness_name"] == "witness.pk.example"

    bundle = export(named, tmp_path / "bundle.tar")
    report = verify_bundle(bundle, workers=1)
    assert report.cosigned_by == ("AF", "PK", "QA", "TR")


def test_state_pinned_before_witnesses_were_named_still_cosigns(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    state = tmp_path / "pk"
    with client_for(mechanism) as client:
        witness = Witness(client, mechanism.key("pk-witness"), state, scenario=mechanism.scenario)
        witness.run_once()
        pinned = json.loads((state / TRUSTED).read_text())
        del pinned["witness_name"]
        (state / TRUSTED).write_text(json.dumps(pinned))
        mechanism.admission.submit(mechanism.act("pk-officer"))
        outcome = Witness(client, mechanism.key("pk-witness"), state).run_once()
        assert outcome.added
        _, lines = signature_lines(client.get("/log/v1/checkpoint").content)
    assert f"{mechanism.scenario.mechanism.origin}/witness/PK" in lines


def test_a_scenario_without_witness_names_keeps_its_genesis_body() -> None:
    text = (SCENARIO_DIR / "mechanism.toml").read_text(encoding="utf-8")
    dumped = parse_scenario(text).model_dump(mode="json")
    assert all("witness" not in member for member in dumped["members"])
    renamed = parse_scenario(
        text.replace('code = "PK"\n', 'code = "PK"\nwitness = { name = "w.example" }\n', 1)
    )
    again = renamed.model_dump(mode="json")
    assert again["members"][0]["witness"] == {"name": "w.example"}
    assert parse_scenario(text).model_validate(again) == renamed


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ('witness = { name = "truce.example/istanbul-2025" }', "the log's origin"),
        ('witness = { name = "truce.example/istanbul-2025/witness/AF" }', "duplicate witness"),
        ('witness = { name = "two words" }', "signed-note key name"),
        ('witness = { name = "a+b" }', "signed-note key name"),
    ],
)
def test_witness_names_are_refused_when_they_cannot_be_told_apart(edit: str, message: str) -> None:
    text = (SCENARIO_DIR / "mechanism.toml").read_text(encoding="utf-8")
    with pytest.raises(Exception, match=message):
        parse_scenario(text.replace('code = "PK"\n', f'code = "PK"\n{edit}\n', 1))


def test_the_secretariat_names_no_witness() -> None:
    text = (SCENARIO_DIR / "mechanism.toml").read_text(encoding="utf-8")
    with pytest.raises(Exception, match="the secretariat runs no witness"):
        parse_scenario(text.replace('code = "SEC"\n', 'code = "SEC"\nwitness = { name = "s" }\n'))


def test_truce_log_vkey_prints_the_verifier_key(mechanism: Mechanism) -> None:
    runner = CliRunner()
    from_file = runner.invoke(cli, ["log", "vkey", "--scenario", str(SCENARIO_DIR)])
    from_db = runner.invoke(cli, ["log", "vkey", "--database", mechanism.url])
    assert from_file.exit_code == 0, from_file.output
    assert from_db.exit_code == 0, from_db.output
    assert from_file.output == from_db.output
    name, signature_type, key = read_vkey(from_file.output.strip())
    assert (name, signature_type) == (mechanism.scenario.mechanism.origin, 0x01)
    assert key == b64url_decode(mechanism.scenario.mechanism.checkpoint_key)
