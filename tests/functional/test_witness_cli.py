"""``truce witness`` and ``truce receipt check`` end to end, against a real ``truce serve``."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx

from tests.functional.support import Server, truce_script
from tests.mechanism import SCENARIO_DIR, Mechanism

TRUCE = truce_script()


def truce(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    return subprocess.run(
        [TRUCE, *(str(arg) for arg in args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_four_witnesses_make_a_witnessed_checkpoint(
    server: Server,
    mechanism: Mechanism,
    tmp_path: Path,
) -> None:
    for member in ("pk", "af", "tr", "qa"):
        run = truce(
            "witness",
            "--server", server.base_url,
            "--key", mechanism.keys_dir / f"{member}-witness.key",
            "--state", tmp_path / member,
            "--scenario", SCENARIO_DIR,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert f"{member.upper()} cosigned checkpoint" in run.stdout
        assert "first checkpoint" in run.stdout
    with httpx.Client(base_url=server.base_url) as client:
        witnessed = client.get("/log/v1/checkpoint/witnessed")
        assert witnessed.status_code == 200
        assert witnessed.text.count("/witness/") == 4
        act = mechanism.act("pk-officer")
        posted = client.post(
            "/log/v1/acts",
            json=act.to_dict(),
            headers={"Authorization": f"Bearer {mechanism.token('pk-officer')}"},
        )
        assert posted.status_code == 201, posted.text
    again = truce(
        "witness",
        "--server", server.base_url,
        "--key", mechanism.keys_dir / "pk-witness.key",
        "--state", tmp_path / "pk",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "consistent with" in again.stdout

    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(posted.json()["receipt"]))
    checked = truce("receipt", "check", receipt, "--scenario", SCENARIO_DIR)
    assert checked.returncode == 0, checked.stderr
    assert "verified: entry" in checked.stdout
    assert "statement.publish by PK/pk-officer" in checked.stdout

    tampered = posted.json()["receipt"]
    tampered["inclusion"]["audit_path"] = tampered["inclusion"]["audit_path"][:-1]
    receipt.write_text(json.dumps(tampered))
    refused = truce("receipt", "check", receipt, "--scenario", SCENARIO_DIR)
    assert refused.returncode != 0
    assert refused.stderr.startswith("error: ")
    assert len(refused.stderr.strip().splitlines()) == 1


def test_a_witness_refuses_a_server_that_is_not_there(mechanism: Mechanism, tmp_path: Path) -> None:
    run = truce(
        "witness",
        "--server", "http://127.0.0.1:9",
        "--key", mechanism.keys_dir / "pk-witness.key",
        "--state", tmp_path / "pk",
        "--scenario", SCENARIO_DIR,
    )  # fmt: skip
    assert run.returncode != 0
    assert run.stderr.startswith("error: cannot reach the server")
    assert len(run.stderr.strip().splitlines()) == 1
