"""``truce serve`` for real: a uvicorn subprocess on a loopback port, spoken to over HTTP."""

from __future__ import annotations

import base64
import signal
from typing import Any

import httpx

from tests.functional.support import Server
from tests.mechanism import SCENARIO_DIR, Mechanism
from truce.ledger import merkle
from truce.ledger.checkpoint import log_verifier, open_checkpoint
from truce.ledger.keys import PublicKey
from truce.scenario.rules import load_scenario


def _checkpoint(client: httpx.Client) -> tuple[str, int, bytes]:
    response = client.get("/log/v1/checkpoint")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    scenario = load_scenario(SCENARIO_DIR)
    verifier = log_verifier(
        scenario.mechanism.origin, PublicKey.parse(scenario.mechanism.checkpoint_key)
    )
    opened, _ = open_checkpoint(response.content, verifier)
    return opened.origin, opened.size, opened.root


def _assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["type"] == f"/problems/{slug}"
    assert problem["status"] == status
    assert problem["detail"]
    return problem


def test_serve_answers_over_http(server: Server, mechanism: Mechanism) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        origin, size, root = _checkpoint(client)
        assert origin == mechanism.scenario.mechanism.origin
        assert size > 0

        act = mechanism.act(
            "pk-officer", body={"title": "t", "text": "over HTTP", "language": "en"}
        )
        headers = {"Authorization": f"Bearer {mechanism.token('pk-officer')}"}
        response = client.post("/log/v1/acts", json=act.to_dict(), headers=headers)
        assert response.status_code == 201, response.text
        receipt = response.json()
        assert receipt["index"] == size
        leaf_hash = bytes.fromhex(receipt["leaf_hash"])
        assert leaf_hash == merkle.hash_leaf(act.envelope.leaf_bytes())

        _, new_size, new_root = _checkpoint(client)
        assert new_size == size + 1
        proof = client.get(
            "/log/v1/proof/inclusion", params={"index": receipt["index"], "size": new_size}
        )
        assert proof.status_code == 200, proof.text
        audit_path = [base64.b64decode(node) for node in proof.json()["audit_path"]]
        merkle.verify_inclusion(leaf_hash, receipt["index"], new_size, audit_path, new_root)
        consistency = client.get(
            "/log/v1/proof/consistency", params={"first": size, "second": new_size}
        )
        merkle.verify_consistency(
            size,
            new_size,
            root,
            new_root,
            [base64.b64decode(node) for node in consistency.json()["consistency"]],
        )

        _assert_problem(
            client.post("/log/v1/acts", json=act.to_dict(), headers=headers), 409, "replayed-act"
        )
        _assert_problem(client.post("/log/v1/acts", json=act.to_dict()), 401, "unauthenticated")
        _assert_problem(
            client.get("/log/v1/proof/inclusion", params={"index": 0, "size": new_size + 1}),
            404,
            "not-found",
        )
        assert _checkpoint(client)[1:] == (new_size, new_root)

    # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught.
    assert server.stop() in (0, -signal.SIGTERM)
    log = server.stderr()
    assert "Finished server process" in log, log
    assert "Traceback" not in log, log
