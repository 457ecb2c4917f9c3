"""What a delegation runs on its own machine, chained, against a real ``truce serve``:
every member's witness cosigns, PK mirrors the log, exports a bundle from its own mirror,
and verifies it offline against the checkpoint its witness cosigned."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.functional.support import Server, truce_env, truce_script
from tests.mechanism import SCENARIO_DIR, Mechanism
from truce.log.witness import COSIGNED


def truce(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [truce_script(), *(str(arg) for arg in args)],
        capture_output=True,
        text=True,
        env=truce_env(),
        timeout=300,
        check=False,
    )


def ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    return run.stdout


def test_witness_mirror_export_verify(server: Server, mechanism: Mechanism, tmp_path: Path) -> None:
    mechanism.admission.submit_many(
        [mechanism.act("pk-officer"), mechanism.act("tr-officer", audience="mediators")]
    )
    for member in ("pk", "af", "tr", "qa"):
        key = mechanism.keys_dir / f"{member}-witness.key"
        state = tmp_path / f"{member}-witness"
        ok(truce("witness", "--server", server.base_url, "--key", key, "--state", state,
                 "--scenario", SCENARIO_DIR))  # fmt: skip
    mirror_dir = tmp_path / "pk-mirror"
    ok(truce("mirror", "--server", server.base_url, "--dir", mirror_dir,
             "--token-file", mechanism.keys_dir / "pk-officer.token"))  # fmt: skip
    bundle = tmp_path / "pk.bundle"
    ok(truce("export", "--out", bundle, "--key", mechanism.keys_dir / "pk-officer.key",
             "--database", f"sqlite:///{mirror_dir / 'truce.db'}"))  # fmt: skip
    trusted = tmp_path / "pk-witness" / COSIGNED
    verified = ok(truce("verify", bundle, "--trusted", trusted))
    assert "4 of 4 witnesses" in verified
    assert "outside your audience" in verified

    tampered = tmp_path / "tampered.bundle"
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    refused = truce("verify", tampered, "--trusted", trusted)
    assert refused.returncode != 0
    assert refused.stderr.startswith("error: ")
    assert len(refused.stderr.strip().splitlines()) == 1
