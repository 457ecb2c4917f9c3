"""The log read as C2SP tlog-tiles, by clients that know nothing of truce.

- A client written here from the specification's text (c2sp.org/tlog-tiles,
  tlog-checkpoint, signed-note) with hashlib, base64 and pyca/cryptography only.
- ``tests/interop/tiles``, a Go program on golang.org/x/mod/sumdb/note and
  golang.org/x/mod/sumdb/tlog (Debian's golang-golang-x-mod-dev), run against
  ``truce serve`` and against the folder ``truce log tiles --out`` writes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.functional.support import Server, serve, truce_env
from tests.mechanism import Mechanism
from truce.app import create_app
from truce.cli.main import app as cli
from truce.config import Settings

ENTRIES = 300
GO_CLIENT = Path(__file__).resolve().parents[1] / "interop" / "tiles"
GOPATH = Path("/usr/share/gocode")


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash over leaf hashes (k: largest power of 2 < n)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:]))


def index_path(n: int) -> str:
    """tlog-tiles: zero-padded 3-digit elements, all but the last prefixed with x."""
    digits = f"{n:d}"
    digits = digits.zfill((len(digits) + 2) // 3 * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def path(level: str, n: int, width: int) -> str:
    return f"tile/{level}/{index_path(n)}" + ("" if width == 256 else f".p/{width}")


@pytest.fixture
def grown(mechanism: Mechanism) -> Mechanism:
    """The mechanism with more than one full tile of entries."""
    mechanism.admission.submit_many(
        [
            mechanism.act("pk-officer", body={"title": "T", "text": str(i), "language": "en"})
            for i in range(ENTRIES)
        ]
    )
    return mechanism


@pytest.fixture
def client(grown: Mechanism) -> Iterator[TestClient]:
    settings = Settings(database_url=grown.url, log_key_file=grown.log_key_file)
    with TestClient(create_app(settings, clock=grown.clock)) as test_client:
        yield test_client


def test_a_client_written_from_the_spec_reads_the_log(grown: Mechanism, client: TestClient) -> None:
    keys = client.get("/log/v1/").json()
    vkey_name, key_hash, material = keys["log"]["vkey"].split("+", 2)
    raw = base64.b64decode(material)
    assert raw[0] == 0x01
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])

    served = client.get("/log/v1/checkpoint")
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert "no-cache" in served.headers["cache-control"]
    text, _, signatures = served.content.partition(b"\n\n")
    text += b"\n"
    origin, size_line, root_line = text.decode().splitlines()[:3]
    assert origin == vkey_name == keys["origin"]
    mine = [line for line in signatures.decode().splitlines() if line.split(" ")[1] == origin]
    signature = base64.b64decode(mine[0].split(" ")[2])
    assert signature[:4].hex() == key_hash
    public_key.verify(signature[4:], text)
    size, root = int(size_line), base64.b64decode(root_line)
    assert size > 256

    leaf_hashes: list[bytes] = []
    entries: list[bytes] = []
    for n in range((size + 255) // 256):
        width = min(256, size - 256 * n)
        tile = client.get(f"/log/v1/{path('0', n, width)}")
        assert tile.status_code == 200, tile.text
        assert tile.headers["content-type"] == "application/octet-stream"
        immutable = "immutable" in tile.headers["cache-control"]
        assert immutable == (width == 256)
        assert len(tile.content) == 32 * width
        leaf_hashes += [tile.content[i : i + 32] for i in range(0, len(tile.content), 32)]
        bundle = client.get(f"/log/v1/{path('entries', n, width)}").content
        while bundle:
            length = int.from_bytes(bundle[:2], "big")
            entries.append(bundle[2 : 2 + length])
            bundle = bundle[2 + length :]
    assert len(entries) == len(leaf_hashes) == size
    assert [sha256(b"\x00" + entry) for entry in entries] == leaf_hashes
    assert mth(leaf_hashes) == root
    upper = client.get(f"/log/v1/{path('1', 0, size // 256)}").content
    assert upper == mth(leaf_hashes[:256])

    assert client.get(f"/log/v1/{path('0', 0, 5)}").content == b"".join(leaf_hashes[:5])
    beyond = client.get(f"/log/v1/{path('0', size // 256, 255)}")
    assert beyond.status_code == 404
    assert beyond.headers["content-type"].startswith("application/problem+json")
    for bad in ("tile/0/1", "tile/0/000.p/256", "tile/64/000", "tile/data/000"):
        answer = client.get(f"/log/v1/{bad}")
        assert answer.status_code in (400, 404, 422), bad
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_truce_log_tiles_writes_the_served_tree(
    grown: Mechanism, client: TestClient, tmp_path: Path
) -> None:
    out = tmp_path / "tiles"
    result = CliRunner().invoke(cli, ["log", "tiles", "--out", str(out), "--database", grown.url])
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    size = int(client.get("/log/v1/checkpoint").text.splitlines()[1])
    full, rest = divmod(size, 256)
    expected = {"checkpoint"}
    for level in ("0", "entries"):
        expected |= {path(level, n, 256) for n in range(full)} | {path(level, full, rest)}
    expected.add(path("1", 0, full))
    assert set(files) == expected
    for name in files:
        assert (out / name).read_bytes() == client.get(f"/log/v1/{name}").content, name

    grown.admission.submit(grown.act("af-officer"))
    again = CliRunner().invoke(cli, ["log", "tiles", "--out", str(out), "--database", grown.url])
    assert again.exit_code == 0, again.output
    assert f"{2 * full} full tiles already there" in again.output
    assert (out / path("0", full, rest + 1)).exists()


def go_client(
    base: str, vkey: str, origin: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    if shutil.which("go") is None:
        pytest.skip("Go is not installed (Debian: golang-go; make test installs it)")
    if not (GOPATH / "src" / "golang.org" / "x" / "mod" / "sumdb" / "tlog").is_dir():
        pytest.skip("golang.org/x/mod is not installed (Debian: golang-golang-x-mod-dev)")
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(tmp_path / "gocache"),
        "GOFLAGS": "",
    }
    return subprocess.run(
        ["go", "run", ".", "-base", base, "-vkey", vkey, "-origin", origin],
        cwd=GO_CLIENT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def server(grown: Mechanism, tmp_path: Path) -> Iterator[Server]:
    running = serve(
        truce_env(database_url=grown.url, log_key_file=str(grown.log_key_file)), tmp_path
    )
    try:
        yield running
    finally:
        running.stop()


def test_golang_sumdb_tlog_reads_the_served_tiles_and_the_written_folder(
    grown: Mechanism, server: Server, tmp_path: Path
) -> None:
    vkey = CliRunner().invoke(cli, ["log", "vkey", "--database", grown.url]).output.strip()
    origin = grown.scenario.mechanism.origin
    over_http = go_client(f"{server.base_url}/log/v1", vkey, origin, tmp_path)
    assert over_http.returncode == 0, over_http.stderr
    out = tmp_path / "tiles"
    CliRunner().invoke(cli, ["log", "tiles", "--out", str(out), "--database", grown.url])
    size = int((out / "checkpoint").read_text().splitlines()[1])
    assert over_http.stdout.startswith(f"verified {size} entries")
    from_folder = go_client(str(out), vkey, origin, tmp_path)
    assert from_folder.returncode == 0, from_folder.stderr
    assert from_folder.stdout == over_http.stdout

    leaf = out / path("entries", 0, 256)
    data = bytearray(leaf.read_bytes())
    data[40] ^= 1
    leaf.write_bytes(bytes(data))
    tampered = go_client(str(out), vkey, origin, tmp_path)
    assert tampered.returncode != 0
    assert "does not hash" in tampered.stderr

    data[40] ^= 1
    leaf.write_bytes(bytes(data))
    assert go_client(str(out), vkey, origin, tmp_path).returncode == 0
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    material = b"\x01" + other
    key_hash = sha256(origin.encode() + b"\n" + material)[:4].hex()
    other_vkey = f"{origin}+{key_hash}+{base64.b64encode(material).decode()}"
    refused = go_client(str(out), other_vkey, origin, tmp_path)
    assert refused.returncode != 0
    assert "checkpoint signature" in refused.stderr
