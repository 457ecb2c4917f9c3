"""C2SP tlog-witness: truce's witness answers a client written here from the spec, and
the log pushes its checkpoints to the witnesses its scenario lists.

The client side of each exchange is built from c2sp.org/tlog-witness with base64,
hashlib and pyca/cryptography only; it reads what it needs from the log's own HTTP API
(checkpoint, consistency proofs, the published keys).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.conftest import Clock
from tests.functional.support import Server, free_port, truce_script
from tests.mechanism import SCENARIO_DIR, Mechanism, make_mechanism
from truce.app import create_app
from truce.config import Settings
from truce.log.witness import Witness
from truce.log.witness_protocol import WitnessProtocol, witness_app
from truce.log.witness_push import WitnessPusher

PK_URL = "http://pk-witness.test/w"
PK_NAME = "witness.pk.example/w"


def grow(mechanism: Mechanism, count: int) -> None:
    """Log ``count`` statements with distinct bodies."""
    mechanism.clock.advance(seconds=1)
    tag = mechanism.clock().isoformat()
    mechanism.admission.submit_many(
        [
            mechanism.act("af-officer", body={"title": "T", "text": f"{tag} {i}", "language": "en"})
            for i in range(count)
        ]
    )


def log_client(mechanism: Mechanism) -> TestClient:
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    return TestClient(create_app(settings, clock=mechanism.clock))


def truce_witness(mechanism: Mechanism, log: TestClient, state: Path) -> TestClient:
    """``truce witness --listen`` for PK, in process."""
    runner = Witness(
        log, mechanism.key("pk-witness"), state, scenario=mechanism.scenario, clock=mechanism.clock
    )
    return TestClient(witness_app(WitnessProtocol(runner)))


def request(old: int, proof: list[str], checkpoint: bytes) -> bytes:
    """tlog-witness add-checkpoint body: old size line, proof lines, empty line, checkpoint."""
    return "".join(f"{line}\n" for line in [f"old {old}", *proof, ""]).encode() + checkpoint


def log_signed(log: TestClient) -> bytes:
    """The newest checkpoint with the log's signature line only."""
    note = log.get("/log/v1/checkpoint").content
    text, _, signatures = note.partition(b"\n\n")
    origin = text.split(b"\n", 1)[0]
    mine = [line for line in signatures.split(b"\n") if line.split(b" ")[1:2] == [origin]]
    return text + b"\n\n" + mine[0] + b"\n"


def size_of(checkpoint: bytes) -> int:
    return int(checkpoint.split(b"\n")[1])


def proof(log: TestClient, first: int, second: int) -> list[str]:
    answer = log.get("/log/v1/proof/consistency", params={"first": first, "second": second})
    consistency: list[str] = answer.json()["consistency"]
    return consistency


def check_cosignature(log: TestClient, member: str, line: str, checkpoint: bytes) -> None:
    """Verify a cosignature line with the witness key the log publishes (tlog-cosignature)."""
    witness = next(w for w in log.get("/log/v1/").json()["witnesses"] if w["member"] == member)
    name, key_hash, material = witness["vkey"].split("+", 2)
    raw = base64.b64decode(material)
    assert raw[0] == 0x04
    dash, signer, encoded = line.split(" ")
    assert (dash, signer) == ("\u2014", name)
    signature = base64.b64decode(encoded)
    assert signature[:4].hex() == key_hash
    timestamp = int.from_bytes(signature[4:12], "big")
    assert timestamp > 0
    body = checkpoint.partition(b"\n\n")[0] + b"\n"
    message = f"cosignature/v1\ntime {timestamp}\n".encode() + body
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(signature[12:], message)


def test_an_independent_client_gets_a_cosignature_and_the_log_serves_it(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    with log_client(mechanism) as log, truce_witness(mechanism, log, tmp_path / "w") as witness:
        first = log_signed(log)
        answer = witness.post("/add-checkpoint", content=request(0, [], first))
        assert answer.status_code == 200, answer.text
        [line] = answer.text.splitlines()
        check_cosignature(log, "PK", line, first)

        posted = log.post(
            "/log/v1/cosignatures",
            content=first + f"{line}\n".encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        assert posted.status_code == 200, posted.text
        assert posted.json()["added"] == ["PK"]
        assert line in log.get("/log/v1/checkpoint").text

        origin = first.split(b"\n", 1)[0]
        monitored = witness.get(f"/{hashlib.sha256(origin).hexdigest()}/checkpoint")
        assert monitored.status_code == 200
        assert monitored.content == first + f"{line}\n".encode()
        assert witness.get(f"/{'0' * 64}/checkpoint").status_code == 404

        grow(mechanism, 3)
        second = log_signed(log)
        old, new = size_of(first), size_of(second)

        stale = witness.post("/add-checkpoint", content=request(0, [], second))
        assert stale.status_code == 409
        assert stale.headers["content-type"] == "text/x.tlog.size"
        assert stale.text == f"{old}\n"

        good = proof(log, old, new)
        assert witness.post("/add-checkpoint", content=request(old, [], second)).status_code == 422
        bad = [base64.b64encode(bytes(32)).decode(), *good[1:]]
        assert witness.post("/add-checkpoint", content=request(old, bad, second)).status_code == 422
        above = witness.post("/add-checkpoint", content=request(new + 1, [], second))
        assert above.status_code == 400

        accepted = witness.post("/add-checkpoint", content=request(old, good, second))
        assert accepted.status_code == 200, accepted.text
        check_cosignature(log, "PK", accepted.text.strip(), second)
        again = witness.post("/add-checkpoint", content=request(new, [], second))
        assert again.status_code == 200
        assert (
            witness.post("/add-checkpoint", content=request(old, good, second)).status_code == 409
        )


def forged(checkpoint: bytes, origin: bytes | None = None) -> bytes:
    """The checkpoint's text (with another origin), signed under the origin's name by a
    key the witness does not trust."""
    text = checkpoint.partition(b"\n\n")[0] + b"\n"
    if origin is not None:
        text = origin + b"\n" + text.split(b"\n", 1)[1]
    name = text.split(b"\n", 1)[0]
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    key_id = hashlib.sha256(name + b"\n\x01" + raw).digest()[:4]
    signature = base64.b64encode(key_id + key.sign(text)).decode()
    return text + b"\n" + f"\u2014 {name.decode()} {signature}\n".encode()


def test_the_witness_refuses_what_the_spec_refuses(mechanism: Mechanism, tmp_path: Path) -> None:
    with log_client(mechanism) as log, truce_witness(mechanism, log, tmp_path / "w") as witness:
        checkpoint = log_signed(log)
        with_proof = request(0, [base64.b64encode(bytes(32)).decode()], checkpoint)
        assert witness.post("/add-checkpoint", content=with_proof).status_code == 422

        forgery = request(0, [], forged(checkpoint))
        assert witness.post("/add-checkpoint", content=forgery).status_code == 403
        text, _, line = checkpoint.partition(b"\n\n")
        flipped = bytearray(line)
        flipped[-6] = ord("A") if flipped[-6] != ord("A") else ord("B")
        broken = text + b"\n\n" + bytes(flipped)
        assert witness.post("/add-checkpoint", content=request(0, [], broken)).status_code == 403

        other = forged(checkpoint, b"other.example/log")
        assert witness.post("/add-checkpoint", content=request(0, [], other)).status_code == 404
        for body in (
            b"old 01\n\n" + checkpoint,
            b"new 0\n\n" + checkpoint,
            b"old 0\n" + checkpoint,
        ):
            assert witness.post("/add-checkpoint", content=body).status_code == 400
        assert not (tmp_path / "w" / "cosigned.txt").exists()


def pushing_scenario(tmp_path: Path) -> Path:
    """The default scenario with PK's witness named and reachable at PK_URL."""
    target = tmp_path / "scenario"
    shutil.copytree(SCENARIO_DIR, target)
    toml = target / "mechanism.toml"
    text = toml.read_text(encoding="utf-8")
    anchor = 'code = "PK"\n'
    text = text.replace(anchor, f'{anchor}witness = {{ name = "{PK_NAME}", url = "{PK_URL}" }}\n')
    toml.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def pushing(sqlite_url: str, tmp_path: Path, clock: Clock) -> Iterator[Mechanism]:
    built = make_mechanism(sqlite_url, tmp_path / "keys", clock, pushing_scenario(tmp_path))
    yield built
    built.db.dispose()


def test_the_log_pushes_each_checkpoint_and_stores_the_cosignature(
    pushing: Mechanism, tmp_path: Path
) -> None:
    with log_client(pushing) as log:
        witness = truce_witness(pushing, log, tmp_path / "w")
        urls: list[str] = []

        def client_for(url: str) -> Any:
            urls.append(url)
            return witness

        pusher = WitnessPusher(pushing.db, pushing.scenario, pushing.clock, client_for=client_for)
        [first] = pusher.push()
        assert (first.member, first.status, first.added) == ("PK", 200, True)
        served = log.get("/log/v1/checkpoint").content
        [line] = [ln for ln in served.decode().splitlines() if ln.startswith(f"\u2014 {PK_NAME} ")]
        check_cosignature(log, "PK", line, served)
        assert pusher.push() == []

        grow(pushing, 5)
        [second] = pusher.push()
        assert (second.status, second.added, second.size) == (200, True, first.size + 5)

        grow(pushing, 1)
        pusher.known["PK"] = 0
        [third] = pusher.push()
        assert (third.status, third.added) == (200, True)
        assert pusher.known["PK"] == third.size
        assert set(urls) == {PK_URL}
        statuses = {row["member"]: row["size"] for row in log.get("/log/v1/witnesses").json()}
        assert statuses == {"PK": third.size}


def test_a_refusal_is_reported_and_stores_nothing(pushing: Mechanism) -> None:
    def refuse(request: Any) -> PlainTextResponse:
        return PlainTextResponse("inconsistent\n", status_code=422)

    refusing = TestClient(Starlette(routes=[Route("/add-checkpoint", refuse, methods=["POST"])]))
    pusher = WitnessPusher(
        pushing.db, pushing.scenario, pushing.clock, client_for=lambda url: refusing
    )
    [result] = pusher.push()
    assert (result.status, result.added, result.detail) == (422, False, "inconsistent")
    with log_client(pushing) as log:
        assert log.get("/log/v1/witnesses").json() == []


def pusher_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name == "truce-witness-push"}


def test_the_server_pushes_from_a_background_thread(pushing: Mechanism) -> None:
    with log_client(pushing):
        assert pusher_threads() == {"truce-witness-push"}
    assert pusher_threads() == set()


def test_no_thread_when_no_witness_listens(mechanism: Mechanism) -> None:
    with log_client(mechanism):
        assert pusher_threads() == set()


def test_truce_witness_listen_serves_the_protocol(
    mechanism: Mechanism, server: Server, tmp_path: Path
) -> None:
    port = free_port()
    command = [
        truce_script(), "witness", "--server", server.base_url,
        "--key", str(mechanism.keys_dir / "pk-witness.key"), "--state", str(tmp_path / "w"),
        "--scenario", str(SCENARIO_DIR), "--listen", f"127.0.0.1:{port}",
    ]  # fmt: skip
    with (tmp_path / "witness.err").open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        checkpoint = httpx.get(f"{server.base_url}/log/v1/checkpoint").content
        answer = None
        deadline = time.monotonic() + 60
        while answer is None and time.monotonic() < deadline:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/add-checkpoint", content=request(0, [], checkpoint)
                )
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, (tmp_path / "witness.err").read_text()
        assert answer.status_code == 200, answer.text
        [line] = answer.text.splitlines()
        with log_client(mechanism) as log:
            check_cosignature(log, "PK", line, checkpoint)
    finally:
        process.terminate()
        process.wait(timeout=15)
