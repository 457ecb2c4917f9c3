"""Schemathesis against the app's own OpenAPI document, in process (SQLite).

Every GET route, ``POST /log/v1/acts`` and ``POST /log/v1/cosignatures`` get requests
generated from the document (valid and invalid ones), with a demo delegate's bearer token,
and each response must:

- not be a server error (5xx);
- conform to the response schema the document gives for its status;
- have the content type the document gives;
- if it is an error, be an RFC 9457 problem (``application/problem+json`` whose
  ``status`` is the response's).

Random bodies posted to the two write routes can never carry a valid signature or
cosignature, so they must all be refused with a 4xx problem.

The document itself must describe those problems (``4XX``/``5XX`` as
``application/problem+json``, and no 422 ``HTTPValidationError`` the app never sends):
``test_the_document_describes_problems`` checks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.conftest import Clock
from tests.mechanism import Mechanism, make_mechanism
from truce.app import create_app
from truce.config import Settings

MAX_EXAMPLES = 30
PROBLEM = "application/problem+json"
WRITES = {("POST", "/log/v1/acts"), ("POST", "/log/v1/cosignatures")}


def documents_problems(operation: dict[str, Any]) -> bool:
    """True when every error status the operation may answer is documented as a problem."""
    responses = operation.get("responses", {})
    errors = {code: r for code, r in responses.items() if code[0] in "45" or code == "default"}
    return bool(errors) and all(PROBLEM in r.get("content", {}) for r in errors.values())


@pytest.fixture
def fuzz_mechanism(sqlite_url: str, tmp_path: Path) -> Any:
    built = make_mechanism(sqlite_url, tmp_path / "keys", Clock())
    yield built
    built.db.dispose()


@pytest.fixture
def fuzz_app(fuzz_mechanism: Mechanism) -> FastAPI:
    settings_ = Settings(database_url=fuzz_mechanism.url, log_key_file=fuzz_mechanism.log_key_file)
    return create_app(settings_)


@pytest.fixture
def fuzz_schema(fuzz_app: FastAPI) -> Any:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    return loaded.include(
        func=lambda ctx: (
            ctx.operation.method.upper() == "GET"
            or (ctx.operation.method.upper(), ctx.operation.path) in WRITES
        )
    )


def test_the_document_is_openapi_3_1(fuzz_app: FastAPI) -> None:
    document = fuzz_app.openapi()
    assert document["openapi"].startswith("3.1.")
    assert ("post", "/log/v1/acts") in {
        (method, path) for path, item in document["paths"].items() for method in item
    }


def test_the_document_describes_problems(fuzz_app: FastAPI) -> None:
    document = fuzz_app.openapi()
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if not documents_problems(operation)
    ]
    assert not missing, f"no problem+json error responses documented for {missing}"
    assert "HTTPValidationError" not in str(document)


def is_problem(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error response is an RFC 9457 problem with the response's status."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    assert content_type.startswith(PROBLEM), (
        f"{case.method} {case.path} answered {response.status_code} as {content_type!r}"
    )
    body = response.json()
    assert body["status"] == response.status_code, body
    assert str(body["type"]).startswith("/problems/"), body
    return True


def fuzz(operation: Any, mode: GenerationMode, token: str) -> None:
    """Hypothesis over one operation's generated requests."""
    writes = (operation.method.upper(), operation.path) in WRITES

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            additional_checks=[is_problem],
        )
        if writes:
            assert 400 <= response.status_code < 500, response.text

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_document(
    fuzz_schema: Any, fuzz_mechanism: Mechanism, mode: GenerationMode
) -> None:
    # A random act is never validly signed, so the author's own token is no shortcut.
    token = fuzz_mechanism.token("pk-officer")
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    for operation in operations:
        try:
            fuzz(operation, mode, token)
        except Unsatisfiable:
            # Nothing invalid can be generated for it (e.g. one unconstrained string).
            assert mode is GenerationMode.NEGATIVE, operation.path
        except Exception as failure:  # every operation is tried, then reported
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert not failures, "\n\n".join(failures)


def test_integer_path_parameters_beyond_64_bits_are_refused(
    fuzz_app: FastAPI, fuzz_mechanism: Mechanism
) -> None:
    """What the fuzzing finds, pinned: an id SQLite cannot hold is a 4xx, not a 500."""
    document = fuzz_app.openapi()
    routes = [
        path.replace("{" + parameter["name"] + "}", str(2**63))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method == "get"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter.get("schema", {}).get("type") == "integer"
    ]
    assert routes
    headers = {"Authorization": f"Bearer {fuzz_mechanism.token('tr-officer')}"}
    with TestClient(fuzz_app, raise_server_exceptions=False) as client:
        answers = {route: client.get(route, headers=headers) for route in routes}
    failing = {route: answer.status_code for route, answer in answers.items()}
    failing = {route: status for route, status in failing.items() if not 400 <= status < 500}
    assert not failing, f"server errors for too large ids: {failing}"
    for answer in answers.values():
        assert answer.headers["content-type"].startswith(PROBLEM)
