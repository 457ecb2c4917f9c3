"""The log API over in-process HTTP: proofs, submission, bodies, and problem+json errors."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.mechanism import Mechanism
from truce.app import create_app
from truce.config import Settings
from truce.ledger import jcs, merkle
from truce.ledger.checkpoint import log_verifier, open_checkpoint
from truce.ledger.envelope import SignedAct
from truce.ledger.keys import PublicKey, b64url_encode


@pytest.fixture
def client(mechanism: Mechanism, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(
        database_url=mechanism.url,
        log_key_file=mechanism.log_key_file,
        max_request_bytes=64 * 1024,
    )
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


def auth(mechanism: Mechanism, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mechanism.token(name)}"}


def post(client: TestClient, mechanism: Mechanism, name: str, act: SignedAct) -> Any:
    return client.post("/log/v1/acts", json=act.to_dict(), headers=auth(mechanism, name))


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["type"] == f"/problems/{slug}"
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    return problem


def checkpoint(client: TestClient) -> tuple[str, int, bytes]:
    """The served checkpoint, after checking the log's signature on it."""
    response = client.get("/log/v1/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    scenario = client.app.state.services.admission.mechanism().scenario  # type: ignore[attr-defined]
    verifier = log_verifier(
        scenario.mechanism.origin, PublicKey.parse(scenario.mechanism.checkpoint_key)
    )
    opened, _ = open_checkpoint(response.content, verifier)
    return opened.origin, opened.size, opened.root


def test_submitted_acts_are_provably_in_the_log(client: TestClient, mechanism: Mechanism) -> None:
    _, first_size, first_root = checkpoint(client)
    receipts = []
    for n in range(5):
        act = mechanism.act("pk-officer", body={"title": "t", "text": str(n), "language": "en"})
        response = post(client, mechanism, "pk-officer", act)
        assert response.status_code == 201, response.text
        receipts.append(response.json())
        assert receipts[-1]["leaf_hash"] == merkle.hash_leaf(act.envelope.leaf_bytes()).hex()
    origin, size, root = checkpoint(client)
    assert origin == mechanism.scenario.mechanism.origin
    assert size == first_size + 5
    for receipt in receipts:
        proof = client.get(
            "/log/v1/proof/inclusion", params={"index": receipt["index"], "size": size}
        ).json()
        merkle.verify_inclusion(
            bytes.fromhex(receipt["leaf_hash"]),
            receipt["index"],
            size,
            [base64.b64decode(node) for node in proof["audit_path"]],
            root,
        )
    consistency = client.get(
        "/log/v1/proof/consistency", params={"first": first_size, "second": size}
    ).json()
    merkle.verify_consistency(
        first_size,
        size,
        first_root,
        root,
        [base64.b64decode(node) for node in consistency["consistency"]],
    )


def test_entries_are_the_signed_envelopes(client: TestClient, mechanism: Mechanism) -> None:
    _, size, root = checkpoint(client)
    response = client.get("/log/v1/entries", params={"start": 0, "end": size + 10})
    entries = response.json()["entries"]
    assert [entry["index"] for entry in entries] == list(range(size))
    tree = merkle.MerkleTree()
    for entry in entries:
        leaf = base64.b64decode(entry["leaf"])
        assert jcs.canonicalize(json.loads(leaf)) == leaf
        tree.append(merkle.hash_leaf(leaf))
    assert tree.root(size) == root
    assert json.loads(base64.b64decode(entries[0]["leaf"]))["kind"] == "mechanism.genesis"


def test_bodies_are_released_to_their_audience_only(
    client: TestClient, mechanism: Mechanism
) -> None:
    act = mechanism.act("tr-officer", audience="mediators")
    assert post(client, mechanism, "tr-officer", act).status_code == 201
    path = f"/log/v1/bodies/{act.envelope.body_digest}"
    for reader in ("tr-observer", "qa-officer", "tr-root"):
        response = client.get(path, headers=auth(mechanism, reader))
        assert response.status_code == 200
        assert jcs.sha256_digest(response.json()) == act.envelope.body_digest
    for reader in ("pk-officer", "af-root", "sec-clerk"):
        assert_problem(client.get(path, headers=auth(mechanism, reader)), 403, "forbidden")
    assert_problem(client.get(path), 401, "unauthenticated")
    assert_problem(
        client.get(path, headers={"Authorization": "Bearer not-a-token"}), 401, "unauthenticated"
    )
    listed = mechanism.act(
        "pk-officer",
        body={"title": "To Qatar", "text": "Names of the camps.", "language": "en"},
        audience=["PK", "QA"],
    )
    assert post(client, mechanism, "pk-officer", listed).status_code == 201
    listed_path = f"/log/v1/bodies/{listed.envelope.body_digest}"
    assert client.get(listed_path, headers=auth(mechanism, "qa-observer")).status_code == 200
    assert_problem(client.get(listed_path, headers=auth(mechanism, "tr-officer")), 403, "forbidden")
    assert_problem(
        client.get(f"/log/v1/bodies/sha256:{'0' * 64}", headers=auth(mechanism, "pk-officer")),
        404,
        "not-found",
    )


def test_refusals_are_problem_json_and_write_nothing(
    client: TestClient, mechanism: Mechanism
) -> None:
    _, size, root = checkpoint(client)
    act = mechanism.act("pk-officer")
    headers = auth(mechanism, "pk-officer") | {"Content-Type": "application/json"}
    cases: list[tuple[Any, dict[str, str], int, str]] = [
        (b"{not json", headers, 400, "invalid-input"),
        (b'{"envelope": {}, "body": {}, "body": 1}', headers, 400, "invalid-input"),
        (json.dumps({"envelope": {}, "body": {}}).encode(), headers, 400, "malformed-act"),
        (json.dumps(act.to_dict()).encode(), auth(mechanism, "af-officer"), 403, "forbidden"),
        (json.dumps(act.to_dict()).encode(), {}, 401, "unauthenticated"),
        (b"x" * (65 * 1024), headers, 413, "payload-too-large"),
    ]
    bad_sig = act.to_dict()
    bad_sig["envelope"]["sig"] = b64url_encode(bytes(64))
    cases.append((json.dumps(bad_sig).encode(), headers, 422, "bad-signature"))
    wrong_body = act.to_dict() | {"body": {"title": "x", "text": "y", "language": "en"}}
    cases.append((json.dumps(wrong_body).encode(), headers, 422, "digest-mismatch"))
    impossible = act.envelope.unsigned_dict() | {"at": "2025-02-30T10:00:00Z"}
    impossible["sig"] = act.envelope.sig
    cases.append(
        (
            json.dumps({"envelope": impossible, "body": act.body}).encode(),
            headers,
            400,
            "implausible-time",
        )
    )
    for content, request_headers, status, slug in cases:
        response = client.post("/log/v1/acts", content=content, headers=request_headers)
        problem = assert_problem(response, status, slug)
        assert problem["instance"] == "/log/v1/acts"
    assert checkpoint(client)[1:] == (size, root)
    assert post(client, mechanism, "pk-officer", act).status_code == 201
    assert_problem(post(client, mechanism, "pk-officer", act), 409, "replayed-act")
    assert checkpoint(client)[1] == size + 1


@pytest.mark.parametrize(
    ("path", "params", "status", "slug"),
    [
        ("/log/v1/entries", {"start": 5, "end": 2}, 400, "invalid-input"),
        ("/log/v1/entries", {"start": 10_000, "end": 10_001}, 404, "not-found"),
        ("/log/v1/entries", {"start": "x", "end": 1}, 400, "invalid-input"),
        ("/log/v1/proof/inclusion", {"index": 50, "size": 2}, 404, "not-found"),
        ("/log/v1/proof/inclusion", {"index": 0, "size": 10_000}, 404, "not-found"),
        ("/log/v1/proof/inclusion", {"index": -1, "size": 2}, 400, "invalid-input"),
        ("/log/v1/proof/consistency", {"first": 3, "second": 2}, 400, "invalid-input"),
        ("/log/v1/proof/consistency", {"first": 1, "second": 10_000}, 404, "not-found"),
        ("/log/v1/nothing-here", {}, 404, "not-found"),
    ],
)
def test_bad_reads_are_problem_json(
    client: TestClient, path: str, params: dict[str, Any], status: int, slug: str
) -> None:
    assert_problem(client.get(path, params=params), status, slug)


def test_problem_types_are_described(client: TestClient) -> None:
    described = client.get("/problems/bad-signature").json()
    assert described["status"] == 422
    assert "Ed25519" in described["description"]


def test_the_openapi_document_lists_the_log_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("checkpoint", "entries", "proof/inclusion", "proof/consistency", "acts"):
        assert f"/log/v1/{path}" in paths
    assert "/log/v1/bodies/{digest}" in paths


def test_the_front_door_names_the_mechanism(client: TestClient, mechanism: Mechanism) -> None:
    index = client.get("/api/v1/mechanism").json()
    assert index["mechanism"]["id"] == "istanbul-2025"
    assert {m["code"] for m in index["members"]} == {"PK", "AF", "TR", "QA", "SEC"}
    _, size, root = checkpoint(client)
    assert index["log"] == {"size": size, "root": base64.b64encode(root).decode()}


def test_a_wrong_method_is_a_problem_with_its_allow_header(client: TestClient) -> None:
    response = client.delete("/log/v1/checkpoint")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["allow"]


def test_concurrent_posts_are_admitted_together_each_with_its_own_answer(
    mechanism: Mechanism, clock: Clock
) -> None:
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    app = create_app(settings, clock=clock)
    names = ["pk-officer", "af-officer", "tr-officer", "qa-officer"]
    acts = [
        mechanism.act(
            names[n % 4], body={"title": "Statement", "text": f"at once {n}", "language": "en"}
        )
        for n in range(24)
    ]
    forged = 7
    sig = bytearray(base64.urlsafe_b64decode(acts[forged].envelope.sig + "=="))
    sig[0] ^= 1
    bad = acts[forged].to_dict()
    bad["envelope"]["sig"] = b64url_encode(bytes(sig))

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://truce") as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/log/v1/acts",
                        json=bad if n == forged else act.to_dict(),
                        headers=auth(mechanism, names[n % 4]),
                    )
                    for n, act in enumerate(acts)
                )
            )

    responses = asyncio.run(send_all())
    assert_problem(responses[forged], 422, "bad-signature")
    accepted = [r.json() for n, r in enumerate(responses) if n != forged]
    assert all(r.status_code == 201 for n, r in enumerate(responses) if n != forged)
    with TestClient(app) as client:
        _, size, _ = checkpoint(client)
        indices = sorted(answer["index"] for answer in accepted)
        assert indices == list(range(size - len(acts) + 1, size))
        scenario = mechanism.scenario
        verifier = log_verifier(
            scenario.mechanism.origin, PublicKey.parse(scenario.mechanism.checkpoint_key)
        )
        for answer in accepted:
            receipt = answer["receipt"]
            assert receipt == client.get(f"/log/v1/receipts/{answer['index']}").json()
            opened, _ = open_checkpoint(receipt["checkpoint"].encode(), verifier)
            merkle.verify_inclusion(
                bytes.fromhex(answer["leaf_hash"]),
                answer["index"],
                opened.size,
                [base64.b64decode(node) for node in receipt["inclusion"]["audit_path"]],
                opened.root,
            )
