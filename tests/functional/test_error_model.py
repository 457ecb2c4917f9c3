"""The error model as a client meets it: every problem type resolves, a body that is not
JSON says where, a 405 lists every method, and a database that cannot be reached is a
503 with ``Retry-After`` (an HTML page in the reader's language for a page,
problem+json for the API) that ``/healthz`` reports. (A CSRF failure, which names
itself, is tested in ``tests/unit/web/test_acts.py``.)"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import Clock
from tests.databases import postgres_admin_url
from tests.mechanism import Mechanism
from truce.app import TruceApp, create_app
from truce.config import Settings
from truce.web import i18n

SOURCE = Path(__file__).parents[2] / "src" / "truce"
#: How the code names a problem type: a class's ``slug``, a ``slug=`` argument, a type URI.
NAMED = re.compile(r"""slug\s*=\s*"([a-z0-9-]+)"|/problems/([a-z0-9-]+)""")


@pytest.fixture
def app(mechanism: Mechanism, clock: Clock) -> Iterator[TruceApp]:
    built = create_app(
        Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file), clock=clock
    )
    yield built
    built.state.services.db.dispose()


@pytest.fixture
def client(app: TruceApp) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def auth(mechanism: Mechanism, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mechanism.token(name)}"}


def problem_of(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    found: dict[str, Any] = response.json()
    assert found["type"] == f"/problems/{slug}", found
    return found


def test_every_problem_type_the_server_names_resolves(
    client: TestClient, mechanism: Mechanism
) -> None:
    named = {
        next(group for group in match.groups() if group)
        for path in SOURCE.rglob("*.py")
        if "cli" not in path.relative_to(SOURCE).parts  # the CLI prints, it sends no problem
        for match in NAMED.finditer(path.read_text(encoding="utf-8"))
    }
    named.discard("error")  # the abstract base's placeholder, never sent
    emitted = {
        client.get("/nothing-here").json()["type"],
        client.delete("/api/v1/accounts", headers=auth(mechanism, "sec-root")).json()["type"],
        client.get("/api/v1/cases").json()["type"],
        client.post("/web/acts/prepare").json()["type"],  # a page's script, no session
        client.post("/log/v1/acts", content=b"{", headers=auth(mechanism, "pk-officer")).json()[
            "type"
        ],
        client.post(
            "/api/v1/accounts",
            content=b'{"member": "\xff"}',
            headers=auth(mechanism, "sec-root") | {"content-type": "application/json"},
        ).json()["type"],
    }
    types = {f"/problems/{slug}" for slug in named} | emitted
    assert {
        "/problems/internal-error",
        "/problems/http-error",
        "/problems/method-not-allowed",
        "/problems/not-authenticated",
        "/problems/unavailable",
        "/problems/csrf-failed",
    } <= types
    for problem_type in sorted(types):
        described = client.get(problem_type)
        assert described.status_code == 200, (problem_type, described.text)
        assert described.json()["type"] == problem_type
        assert described.json()["title"]
        assert described.json()["description"]


def test_a_body_that_is_not_json_says_where_it_breaks(
    client: TestClient, mechanism: Mechanism
) -> None:
    headers = auth(mechanism, "sec-root") | {"content-type": "application/json"}
    broken = problem_of(
        client.post(
            "/api/v1/accounts", content=b'{"member": "PK",\n "delegate": }', headers=headers
        ),
        400,
        "invalid-input",
    )
    assert broken["detail"] == (
        "the request body is not valid JSON: expecting value (line 2, column 14); "
        "send one JSON object"
    )
    not_utf8 = problem_of(
        client.put(
            "/api/v1/accounts/PK/pk-officer/password",
            content=b'{"password": "\xff"}',
            headers=headers,
        ),
        400,
        "http-error",
    )
    assert "not UTF-8 JSON text" in not_utf8["detail"]
    form = problem_of(
        client.post("/api/v1/accounts", data={"member": "PK"}, headers=auth(mechanism, "sec-root")),
        400,
        "invalid-input",
    )
    assert "must be one JSON object" in form["detail"]
    act = problem_of(
        client.post("/log/v1/acts", content=b"{not json", headers=auth(mechanism, "pk-officer")),
        400,
        "invalid-input",
    )
    assert "line 1, column 2" in act["detail"]
    for detail in (broken, not_utf8, form, act):
        assert "error parsing the body" not in detail["detail"]
        assert "JSON decode error" not in detail["detail"]


def test_a_405_lists_every_method_of_the_path(client: TestClient, mechanism: Mechanism) -> None:
    headers = auth(mechanism, "sec-root")
    for method, path, allowed in (
        ("DELETE", "/api/v1/accounts", "GET, POST"),
        ("PATCH", "/api/v1/accounts/PK/pk-officer/password", "PUT"),
        ("GET", "/log/v1/acts", "POST"),
        ("PUT", "/api/v1/accounts/PK/pk-officer/tokens", "GET, POST"),
    ):
        answer = client.request(method, path, headers=headers)
        found = problem_of(answer, 405, "method-not-allowed")
        assert answer.headers["allow"] == allowed, (method, path)
        assert allowed in found["detail"]


@contextmanager
def database_down(app: TruceApp, url: str) -> Iterator[None]:
    """The app's database made unreachable (and then reachable again): an SQLite file
    replaced by a folder, a PostgreSQL database that refuses connections."""
    app.state.services.db.dispose()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        away = path.with_name(path.name + ".away")
        path.rename(away)
        path.mkdir()
        try:
            yield
        finally:
            app.state.services.db.dispose()
            shutil.rmtree(path)
            away.rename(path)
        return
    admin_url = postgres_admin_url()
    assert admin_url is not None
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = parsed.database
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()
        app.state.services.db.dispose()


def test_a_database_that_cannot_be_reached_is_a_503_to_retry(
    app: TruceApp, client: TestClient, mechanism: Mechanism
) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    act = mechanism.act("pk-officer")
    with database_down(app, mechanism.url):
        health = client.get("/healthz")
        assert problem_of(health, 503, "unavailable")["database"].startswith("cannot be read")
        assert health.headers["retry-after"] == "10"

        for answer in (
            client.get("/api/v1/cases", headers=auth(mechanism, "pk-officer")),
            client.get("/log/v1/checkpoint"),
            client.post("/log/v1/acts", json=act.to_dict(), headers=auth(mechanism, "pk-officer")),
        ):
            problem = problem_of(answer, 503, "unavailable")
            assert answer.headers["retry-after"] == "10"
            assert "nothing was recorded" in problem["detail"]

        page = client.get(
            "/signin", headers={"accept": "text/html", "accept-language": "tr-TR,tr;q=0.9"}
        )
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["retry-after"] == "10"
        assert page.headers["content-security-policy"]
        assert '<html lang="tr"' in page.text
        with i18n.speaking("tr"):
            title = i18n.gettext("Temporarily unavailable")
        assert title != "Temporarily unavailable"
        assert title in page.text
    assert client.get("/healthz").status_code == 200
    assert (
        client.post(
            "/log/v1/acts", json=act.to_dict(), headers=auth(mechanism, "pk-officer")
        ).status_code
        == 201
    )
