"""``truce mirror`` against a real ``truce serve``, then the mirror served read-only."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import httpx

from tests.functional.support import Server, serve, truce_env, truce_script
from tests.mechanism import Mechanism
from truce.ledger import merkle
from truce.ledger.checkpoint import log_verifier, open_checkpoint
from truce.ledger.keys import PublicKey
from truce.log import mirror_local
from truce.log.store import LogStore
from truce.storage.db import Database


def run_mirror(server: Server, directory: Path, token_file: Path) -> str:
    done = subprocess.run(
        [
            truce_script(),
            "mirror",
            "--server",
            server.base_url,
            "--dir",
            str(directory),
            "--token-file",
            str(token_file),
        ],
        capture_output=True,
        text=True,
        env=truce_env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def head(url: str) -> tuple[int, bytes]:
    db = Database.from_url(url)
    try:
        with db.read() as connection:
            found = LogStore(connection).head()
    finally:
        db.dispose()
    return found.size, found.root


def has_body(directory: Path, digest: str) -> bool:
    db = Database.from_url(mirror_local.database_url(directory))
    try:
        with db.read() as connection:
            return LogStore(connection).body(digest) is not None
    finally:
        db.dispose()


def test_mirror_replicates_verifies_and_serves_read_only(
    server: Server, mechanism: Mechanism, tmp_path: Path
) -> None:
    pk_dir, tr_dir = tmp_path / "pk-mirror", tmp_path / "tr-mirror"
    pk_token = mechanism.keys_dir / "pk-officer.token"
    tr_token = mechanism.keys_dir / "tr-officer.token"

    first = run_mirror(server, pk_dir, pk_token)
    assert "created mirror" in first
    assert head(mirror_local.database_url(pk_dir)) == head(mechanism.url)

    public = mechanism.act("pk-officer", body={"title": "t", "text": "public", "language": "en"})
    private = mechanism.act(
        "tr-officer",
        body={"title": "t", "text": "for mediators only", "language": "en"},
        audience="mediators",
    )
    mechanism.admission.submit_many([public])
    mechanism.admission.submit_many([private])
    size, root = head(mechanism.url)

    again = run_mirror(server, pk_dir, pk_token)
    assert "added 2 entries" in again, again
    assert f"size {size} root {base64.b64encode(root).decode()}" in again
    assert head(mirror_local.database_url(pk_dir)) == (size, root)
    run_mirror(server, tr_dir, tr_token)
    assert head(mirror_local.database_url(tr_dir)) == (size, root)

    assert has_body(pk_dir, public.envelope.body_digest)
    assert not has_body(pk_dir, private.envelope.body_digest)
    assert has_body(tr_dir, private.envelope.body_digest)

    # The secretariat's server goes away; the PK mirror answers in its place.
    server.stop()
    replica = serve(
        truce_env(database_url=mirror_local.database_url(pk_dir), read_only="1"),
        tmp_path,
        "mirror",
    )
    try:
        with httpx.Client(base_url=replica.base_url, timeout=30.0) as client:
            response = client.get("/log/v1/checkpoint")
            assert response.status_code == 200, response.text
            verifier = log_verifier(
                mechanism.scenario.mechanism.origin,
                PublicKey.parse(mechanism.scenario.mechanism.checkpoint_key),
            )
            checkpoint, _ = open_checkpoint(response.content, verifier)
            assert (checkpoint.size, checkpoint.root) == (size, root)

            entries = client.get("/log/v1/entries", params={"start": size - 2, "end": size - 1})
            assert entries.status_code == 200, entries.text
            leaves = [base64.b64decode(e["leaf"]) for e in entries.json()["entries"]]
            assert leaves == [public.envelope.leaf_bytes(), private.envelope.leaf_bytes()]

            proof = client.get("/log/v1/proof/inclusion", params={"index": size - 2, "size": size})
            assert proof.status_code == 200, proof.text
            merkle.verify_inclusion(
                merkle.hash_leaf(leaves[0]),
                size - 2,
                size,
                [base64.b64decode(node) for node in proof.json()["audit_path"]],
                root,
            )

            receipt = client.get(f"/log/v1/receipts/{size - 1}")
            assert receipt.status_code == 200, receipt.text
            assert receipt.json()["inclusion"]["size"] == size

            headers = {"Authorization": f"Bearer {pk_token.read_text().strip()}"}
            body = client.get(f"/log/v1/bodies/{public.envelope.body_digest}", headers=headers)
            assert body.status_code == 200, body.text

            refused = client.post("/log/v1/acts", json=public.to_dict(), headers=headers)
            assert refused.status_code == 405, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.headers["allow"] == ""
            problem = refused.json()
            assert problem["type"] == "/problems/read-only"
            assert "read-only mirror" in problem["detail"]
        assert head(mirror_local.database_url(pk_dir)) == (size, root)
    finally:
        replica.stop()
