"""Security headers, the Content-Security-Policy, and no inline script in any page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.mechanism import Mechanism
from tests.unit.web_app import Browser, parse_page
from truce.web.security import CONTENT_SECURITY_POLICY

DIRECTIVES = {
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
}
PAGES = ("/", "/log", "/cases", "/map", "/timeline", "/compliance", "/crossings",
         "/joint-actions", "/search", "/cases/999999")  # fmt: skip


def assert_safe_page(response: Any) -> None:
    """CSP and companions present; every script is external or an inert JSON block."""
    policy = response.headers["content-security-policy"]
    assert {part.strip() for part in policy.split(";")} >= DIRECTIVES
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    page = parse_page(response.text)
    assert page.scripts, "every page carries at least its config block and the app script"
    for script in page.scripts:
        assert script.get("src") or script.get("type") == "application/json", script
    assert " on" not in "".join(
        f" {name}" for tag in page.inputs for name in tag if name.startswith("on")
    )


def test_the_sign_in_page_is_safe(visitor: TestClient) -> None:
    response = visitor.get("/signin")
    assert response.status_code == 200
    assert_safe_page(response)


def test_every_page_is_safe(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    for path in PAGES:
        response = officer.page(path)
        if response.status_code == 404 and "application/problem+json" in response.headers.get(
            "content-type", ""
        ):
            continue  # a page not built yet
        assert response.headers["content-type"].startswith("text/html"), path
        assert_safe_page(response)
        assert "onclick" not in response.text, path
        assert ' style="' not in response.text, path  # style-src 'self' would drop it
        assert "javascript:" not in response.text, path


def test_the_api_keeps_the_headers_and_its_documentation_its_scripts(
    visitor: TestClient,
) -> None:
    assert visitor.get("/api/v1/mechanism").headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in visitor.get("/docs").headers


def test_the_policy_names_no_other_origin() -> None:
    sources = {word for part in CONTENT_SECURITY_POLICY.split(";") for word in part.split()[1:]}
    assert sources <= {"'self'", "'none'", "data:", "blob:"}
