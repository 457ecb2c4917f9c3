"""Receipts: one encoding (base64, as the proofs and C2SP checkpoints write hashes), and
receipts of the first version (hex leaf hash) still check."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.mechanism import SCENARIO_DIR, Mechanism
from truce.cli.main import app as cli
from truce.errors import InputError, ProofError
from truce.ledger import merkle
from truce.ledger.keys import PublicKey
from truce.log import checkpoints
from truce.verify.receipt import RECEIPT_VERSION, check_receipt, read_receipt

V1 = Path(__file__).resolve().parents[2] / "assets" / "receipts" / "v1-hex-leaf-hash.json"
ORIGIN = "truce.example/istanbul-2025"


def log_key(mechanism: Mechanism | None = None) -> PublicKey:
    text = "pUl0RPzR0DvbpgDaTTE5T5qU7qtwbXAz4lJr3asa0ig"
    if mechanism is not None:
        text = mechanism.scenario.mechanism.checkpoint_key
    return PublicKey.parse(text)


def v1() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(V1.read_text(encoding="utf-8"))
    return data


def test_a_version_1_receipt_kept_from_before_still_checks() -> None:
    data = v1()
    assert data["v"] == 1
    assert len(data["leaf_hash"]) == 64
    checkpoint, envelope = check_receipt(read_receipt(data), ORIGIN, log_key())
    assert checkpoint.size == data["inclusion"]["size"]
    assert envelope.kind == "statement.publish"
    result = CliRunner().invoke(cli, ["receipt", "check", str(V1), "--scenario", str(SCENARIO_DIR)])
    assert result.exit_code == 0, result.output
    assert f"verified: entry {data['index']}" in result.output


def test_a_tampered_version_1_receipt_is_refused() -> None:
    data = v1()
    data["leaf_hash"] = "0" * 64
    with pytest.raises(ProofError, match="does not hash"):
        check_receipt(read_receipt(data), ORIGIN, log_key())
    data = v1()
    data["inclusion"]["audit_path"] = data["inclusion"]["audit_path"][:-1]
    with pytest.raises(ProofError):
        check_receipt(read_receipt(data), ORIGIN, log_key())


def test_receipts_now_write_every_hash_in_base64(mechanism: Mechanism) -> None:
    mechanism.admission.submit(mechanism.act("pk-officer"))
    with mechanism.db.read() as connection:
        size = checkpoints.latest_size(connection)
        assert size is not None
        receipt = checkpoints.receipt(connection, size - 1, mechanism.scenario.mechanism.id)
    assert receipt["v"] == RECEIPT_VERSION == 2
    leaf_hash = base64.b64decode(receipt["leaf_hash"], validate=True)
    assert leaf_hash == merkle.hash_leaf(base64.b64decode(receipt["leaf"]))
    for node in receipt["inclusion"]["audit_path"]:
        assert len(base64.b64decode(node, validate=True)) == 32
    check_receipt(read_receipt(receipt), mechanism.scenario.mechanism.origin, log_key(mechanism))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"v": 3}, "version 3"),
        ({"v": True}, "version True"),
        ({"leaf_hash": "0" * 64}, "32-byte"),
        ({"v": 1, "leaf_hash": base64.b64encode(b"\0" * 32).decode()}, "hex digits"),
        ({"index": -1}, "index"),
        ({"leaf": "not base64!"}, "leaf"),
        ({"inclusion": {"size": 1}}, "audit_path"),
    ],
)
def test_malformed_receipts_are_refused(
    mechanism: Mechanism, edit: dict[str, Any], message: str
) -> None:
    with mechanism.db.read() as connection:
        receipt = checkpoints.receipt(connection, 0, mechanism.scenario.mechanism.id)
    receipt.update(edit)
    with pytest.raises(InputError, match=message):
        read_receipt(receipt)
