"""``/api/v1/accounts``: who administers which accounts, and what each answer holds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import Clock
from tests.mechanism import Mechanism
from truce.accounts import service as accounts
from truce.app import create_app
from truce.config import Settings

GOOD = "correct horse battery staple"
PROBLEM = "application/problem+json"


@pytest.fixture
def client(mechanism: Mechanism, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


def as_(mechanism: Mechanism, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mechanism.token(name)}"}


def refused(response: Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"/problems/{slug}"


def test_the_secretariat_lists_every_account_and_a_head_its_own(
    client: TestClient, mechanism: Mechanism
) -> None:
    everyone = client.get("/api/v1/accounts", headers=as_(mechanism, "sec-clerk"))
    assert everyone.status_code == 200
    assert {a["member"] for a in everyone.json()} == {"AF", "PK", "QA", "TR", "SEC"}
    assert all("password_hash" not in a and "token" not in a for a in everyone.json())
    only_pk = client.get("/api/v1/accounts?member=PK", headers=as_(mechanism, "sec-clerk"))
    assert {a["member"] for a in only_pk.json()} == {"PK"}
    own = client.get("/api/v1/accounts", headers=as_(mechanism, "pk-root"))
    assert own.status_code == 200
    assert sorted(a["delegate"] for a in own.json()) == [
        "pk-observer",
        "pk-officer",
        "pk-witness",
        "root",
    ]
    refused(
        client.get("/api/v1/accounts?member=AF", headers=as_(mechanism, "pk-root")),
        403,
        "not-permitted",
    )


@pytest.mark.parametrize("name", ["pk-officer", "pk-observer", "qa-officer", "af-witness"])
def test_delegates_other_than_heads_administer_nothing(
    client: TestClient, mechanism: Mechanism, name: str
) -> None:
    member = mechanism.key(name).member
    headers = as_(mechanism, name)
    refused(client.get("/api/v1/accounts", headers=headers), 403, "not-permitted")
    refused(
        client.post(
            "/api/v1/accounts",
            headers=headers,
            json={"member": member, "delegate": "x-new", "role": "officer"},
        ),
        403,
        "not-permitted",
    )
    refused(
        client.post(f"/api/v1/accounts/{member}/{name}/tokens", headers=headers),
        403,
        "not-permitted",
    )
    me = client.get("/api/v1/accounts/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["delegate"] == name


def test_a_head_creates_an_account_that_then_signs_in_and_calls_the_api(
    client: TestClient, mechanism: Mechanism
) -> None:
    created = client.post(
        "/api/v1/accounts",
        headers=as_(mechanism, "af-root"),
        json={
            "member": "AF",
            "delegate": "af-analyst",
            "role": "observer",
            "password": GOOD,
            "language": "fa",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["role"], body["language"], body["has_password"], body["active_tokens"]) == (
        "observer",
        "fa",
        True,
        0,
    )
    issued = client.post(
        "/api/v1/accounts/AF/af-analyst/tokens",
        headers=as_(mechanism, "af-root"),
        json={"label": "laptop"},
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert issued.json()["token_id"] == accounts.token_hash(token)
    me = client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["delegate"] == "af-analyst"
    listed = client.get("/api/v1/accounts/AF/af-analyst/tokens", headers=as_(mechanism, "af-root"))
    assert [(t["label"], t["revoked_at"]) for t in listed.json()] == [("laptop", None)]
    assert "token" not in listed.json()[0]
    assert accounts.verify_password(mechanism.db, "AF", "af-analyst", GOOD).role == "observer"


def test_a_head_cannot_create_accounts_of_another_member_or_a_secretariat_role(
    client: TestClient, mechanism: Mechanism
) -> None:
    before = accounts.list_accounts(mechanism.db)
    refused(
        client.post(
            "/api/v1/accounts",
            headers=as_(mechanism, "af-root"),
            json={"member": "PK", "delegate": "pk-mole", "role": "officer"},
        ),
        403,
        "not-permitted",
    )
    refused(
        client.post(
            "/api/v1/accounts",
            headers=as_(mechanism, "af-root"),
            json={"member": "AF", "delegate": "af-boss", "role": "secretariat"},
        ),
        400,
        "invalid-input",
    )
    refused(
        client.post(
            "/api/v1/accounts",
            headers=as_(mechanism, "sec-clerk"),
            json={"member": "AF", "delegate": "af-officer", "role": "officer"},
        ),
        409,
        "conflict",
    )
    short = client.post(
        "/api/v1/accounts",
        headers=as_(mechanism, "sec-clerk"),
        json={"member": "AF", "delegate": "af-new", "role": "officer", "password": "short"},
    )
    assert short.status_code in (400, 422)
    assert short.headers["content-type"] == PROBLEM
    assert accounts.list_accounts(mechanism.db) == before


def test_disable_enable_password_and_revoke_through_the_api(
    client: TestClient, mechanism: Mechanism
) -> None:
    clerk = as_(mechanism, "sec-clerk")
    target = as_(mechanism, "tr-officer")
    disabled = client.post("/api/v1/accounts/TR/tr-officer/disable", headers=clerk)
    assert disabled.status_code == 200
    assert disabled.json()["disabled_at"] is not None
    refused(client.get("/api/v1/accounts/me", headers=target), 401, "unauthenticated")
    enabled = client.post("/api/v1/accounts/TR/tr-officer/enable", headers=clerk)
    assert enabled.json()["disabled_at"] is None
    assert client.get("/api/v1/accounts/me", headers=target).status_code == 200

    changed = client.put(
        "/api/v1/accounts/TR/tr-officer/password", headers=clerk, json={"password": GOOD}
    )
    assert changed.status_code == 204
    assert changed.content == b""
    assert accounts.verify_password(mechanism.db, "TR", "tr-officer", GOOD).member == "TR"

    token_id = accounts.token_hash(mechanism.token("tr-officer"))
    revoked = client.delete(f"/api/v1/accounts/TR/tr-officer/tokens/{token_id[:10]}", headers=clerk)
    assert revoked.status_code == 200
    assert revoked.json()["token_id"] == token_id
    assert revoked.json()["revoked_at"] is not None
    refused(client.get("/api/v1/accounts/me", headers=target), 401, "unauthenticated")
    refused(
        client.delete(f"/api/v1/accounts/PK/pk-officer/tokens/{token_id}", headers=clerk),
        404,
        "not-found",
    )
    refused(client.get("/api/v1/accounts/TR/tr-nobody", headers=clerk), 404, "not-found")
    refused(
        client.post("/api/v1/accounts/SEC/sec-clerk/disable", headers=clerk), 403, "not-permitted"
    )


def test_without_a_token_every_accounts_route_answers_401(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/v1/accounts"),
        ("POST", "/api/v1/accounts"),
        ("GET", "/api/v1/accounts/me"),
        ("GET", "/api/v1/accounts/AF/af-officer"),
        ("POST", "/api/v1/accounts/AF/af-officer/disable"),
        ("GET", "/api/v1/accounts/AF/af-officer/tokens"),
    ]:
        answer = client.request(method, path)
        refused(answer, 401, "unauthenticated")
        assert answer.headers["www-authenticate"] == 'Bearer realm="truce"'
