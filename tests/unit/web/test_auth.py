"""Sign-in, sessions, sign-out, the rate limit and the language switch."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.mechanism import Mechanism
from tests.unit.web_app import parse_page, password, sign_in_form
from truce.accounts import sessions, throttle
from truce.accounts.service import get_account
from truce.app import create_app
from truce.config import Settings


def _sign_in(client: TestClient, mechanism: Mechanism, name: str, secret: str | None = None) -> Any:
    key_file = mechanism.key(name)
    return client.post(
        "/signin",
        data={
            "member": key_file.member,
            "delegate": key_file.delegate,
            "password": password(mechanism, name) if secret is None else secret,
            "csrf": sign_in_form(client),
            "next": "/cases?status=ruled",
        },
    )


def test_a_page_without_a_session_redirects_to_sign_in(visitor: TestClient) -> None:
    answer = visitor.get("/log?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=%2Flog%3Fx%3D1"


def test_a_script_without_a_session_gets_a_401_problem(visitor: TestClient) -> None:
    answer = visitor.post("/web/acts/prepare", data={"kind": "statement.publish"})
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


def test_sign_in_opens_a_session_with_a_strict_http_only_cookie(
    visitor: TestClient, mechanism: Mechanism
) -> None:
    answer = _sign_in(visitor, mechanism, "pk-officer")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cases?status=ruled"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE + "=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= flags
    assert "secure" not in flags  # served over http here
    value = visitor.cookies[sessions.COOKIE]
    with mechanism.db.read() as connection:
        from sqlalchemy import select

        from truce.storage.models import WebSession

        stored = connection.execute(select(WebSession.id_hash)).scalars().all()
    assert value not in stored
    assert sessions._hash(value) in stored
    page = visitor.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "pk-officer" in page.text


def test_the_cookie_is_secure_over_https(
    mechanism: Mechanism, clock: Clock, app_settings: Settings
) -> None:
    app = create_app(app_settings, clock=clock)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        answer = _sign_in(client, mechanism, "pk-officer")
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE + "=")
    )
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_a_wrong_password_is_refused_with_one_message(
    visitor: TestClient, mechanism: Mechanism
) -> None:
    wrong = _sign_in(visitor, mechanism, "pk-officer", "not the password at all")
    unknown = visitor.post(
        "/signin",
        data={"member": "PK", "delegate": "nobody", "password": "x" * 12,
              "csrf": sign_in_form(visitor)},
    )  # fmt: skip
    assert wrong.status_code == unknown.status_code == 401
    assert "The delegate or the password is not valid." in wrong.text
    assert "The delegate or the password is not valid." in unknown.text
    assert sessions.COOKIE not in visitor.cookies


def test_sign_in_without_its_csrf_token_is_refused(
    visitor: TestClient, mechanism: Mechanism
) -> None:
    sign_in_form(visitor)
    answer = visitor.post(
        "/signin",
        data={"member": "PK", "delegate": "pk-officer",
              "password": password(mechanism, "pk-officer"), "csrf": "forged"},
    )  # fmt: skip
    assert answer.status_code == 403
    assert sessions.COOKIE not in visitor.cookies


def test_failures_slow_down_that_address_for_that_delegate(
    visitor: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    for _ in range(throttle.FREE_FAILURES):
        assert _sign_in(visitor, mechanism, "pk-officer", "wrong password!").status_code == 401
    slowed = _sign_in(visitor, mechanism, "pk-officer")  # even the right password
    assert slowed.status_code == 429
    until = (clock.now + throttle.FIRST_DELAY).strftime("%-I:%M")
    assert "Too many failed attempts. Try again at" in slowed.text
    assert until in slowed.text
    assert slowed.headers["Retry-After"] == str(int(throttle.FIRST_DELAY.total_seconds()))
    clock.advance(seconds=int(throttle.FIRST_DELAY.total_seconds()) + 1)
    assert _sign_in(visitor, mechanism, "pk-officer").status_code == 303


def test_failures_from_one_address_use_up_its_budget_for_every_delegate(
    visitor: TestClient, mechanism: Mechanism
) -> None:
    names = ("pk-officer", "af-officer", "tr-officer", "qa-officer", "pk-observer")
    for index in range(throttle.ADDRESS_BUDGET):
        name = names[index % len(names)]
        assert _sign_in(visitor, mechanism, name, "wrong password!").status_code == 401
    assert _sign_in(visitor, mechanism, "af-root").status_code == 429


def test_a_success_resets_the_count(visitor: TestClient, mechanism: Mechanism) -> None:
    for _ in range(throttle.FREE_FAILURES - 1):
        _sign_in(visitor, mechanism, "pk-officer", "wrong password!")
    assert _sign_in(visitor, mechanism, "pk-officer").status_code == 303
    visitor.cookies.clear()
    for _ in range(throttle.FREE_FAILURES - 1):
        _sign_in(visitor, mechanism, "pk-officer", "wrong password!")
    assert _sign_in(visitor, mechanism, "pk-officer").status_code == 303


def test_sign_out_ends_the_session_for_good(visitor: TestClient, mechanism: Mechanism) -> None:
    _sign_in(visitor, mechanism, "pk-officer")
    cookie = visitor.cookies[sessions.COOKIE]
    csrf = parse_page(visitor.get("/").text).blocks["truce-config"]
    token = __import__("json").loads(csrf)["csrf"]
    refused = visitor.post("/signout", data={"csrf": "forged"})
    assert refused.headers["location"] == "/"
    assert visitor.get("/").status_code == 200
    answer = visitor.post("/signout", data={"csrf": token})
    assert answer.headers["location"] == "/signin"
    visitor.cookies.set(sessions.COOKIE, cookie)
    assert visitor.get("/").status_code == 303


def test_an_idle_session_ends(visitor: TestClient, mechanism: Mechanism, clock: Clock) -> None:
    _sign_in(visitor, mechanism, "pk-officer")
    clock.advance(minutes=30)
    assert visitor.get("/").status_code == 200
    clock.advance(minutes=59)
    assert visitor.get("/").status_code == 200  # the visit before kept it alive
    clock.advance(minutes=61)
    assert visitor.get("/").status_code == 303


def test_a_session_ends_at_its_expiry_however_active(
    visitor: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    _sign_in(visitor, mechanism, "pk-officer")
    for _ in range(13):  # 12 h 47 min, never idle for an hour
        clock.advance(minutes=59)
        visitor.get("/")
    assert visitor.get("/").status_code == 303


@pytest.mark.parametrize(
    ("code", "direction"),
    [("en", "ltr"), ("ur", "rtl"), ("ps", "rtl"), ("prs", "rtl"), ("tr", "ltr"), ("ar", "rtl")],
)
def test_the_language_switch_before_sign_in(visitor: TestClient, code: str, direction: str) -> None:
    token = sign_in_form(visitor)
    answer = visitor.post("/language", data={"language": code, "csrf": token, "next": "/signin"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin"
    page = parse_page(visitor.get("/signin").text)
    assert page.html_attrs == {"lang": code, "dir": direction}


def test_the_language_switch_needs_the_csrf_token(visitor: TestClient) -> None:
    sign_in_form(visitor)
    visitor.post("/language", data={"language": "ar", "csrf": "forged"})
    assert parse_page(visitor.get("/signin").text).html_attrs["lang"] == "en"


def test_the_signed_in_language_is_the_accounts(
    visitor: TestClient, mechanism: Mechanism, app_settings: Settings, clock: Clock
) -> None:
    _sign_in(visitor, mechanism, "af-officer")
    token = __import__("json").loads(parse_page(visitor.get("/").text).blocks["truce-config"])[
        "csrf"
    ]
    visitor.post("/language", data={"language": "ps", "csrf": token, "next": "/log"})
    assert get_account(mechanism.db, "AF", "af-officer").language == "ps"
    page = parse_page(visitor.get("/log").text)
    assert page.html_attrs == {"lang": "ps", "dir": "rtl"}
    with TestClient(create_app(app_settings, clock=clock), follow_redirects=False) as other:
        _sign_in(other, mechanism, "af-officer")  # another device: the account's language
        assert parse_page(other.get("/").text).html_attrs["lang"] == "ps"


def test_accept_language_chooses_before_any_choice(visitor: TestClient) -> None:
    page = visitor.get("/signin", headers={"accept-language": "de;q=0.9, ur;q=0.8, en;q=0.1"})
    assert parse_page(page.text).html_attrs == {"lang": "ur", "dir": "rtl"}


def test_next_never_leaves_the_site(visitor: TestClient, mechanism: Mechanism) -> None:
    key_file = mechanism.key("pk-officer")
    answer = visitor.post(
        "/signin",
        data={"member": key_file.member, "delegate": key_file.delegate,
              "password": password(mechanism, "pk-officer"), "csrf": sign_in_form(visitor),
              "next": "//evil.example/"},
    )  # fmt: skip
    assert answer.headers["location"] == "/"


@pytest.mark.parametrize(
    ("name", "language", "direction"),
    [("pk-officer", "ur", "rtl"), ("af-root", "ps", "rtl"), ("tr-officer", "tr", "ltr"),
     ("qa-root", "ar", "rtl"), ("sec-clerk", "en", "ltr")],
)  # fmt: skip
def test_a_demo_delegate_speaks_its_members_first_language_after_sign_in(
    visitor: TestClient, mechanism: Mechanism, name: str, language: str, direction: str
) -> None:
    key_file = mechanism.key(name)
    assert get_account(mechanism.db, key_file.member, key_file.delegate).language == language
    visitor.headers["accept-language"] = "en"  # what a browser asks for is no choice
    assert _sign_in(visitor, mechanism, name).status_code == 303
    assert parse_page(visitor.get("/").text).html_attrs == {"lang": language, "dir": direction}


@pytest.mark.parametrize("name", ["pk-officer", "af-officer"])
def test_a_language_chosen_before_sign_in_wins_over_the_accounts(
    visitor: TestClient, mechanism: Mechanism, name: str
) -> None:
    token = sign_in_form(visitor)
    visitor.post("/language", data={"language": "en", "csrf": token, "next": "/signin"})
    assert _sign_in(visitor, mechanism, name).status_code == 303
    assert parse_page(visitor.get("/").text).html_attrs == {"lang": "en", "dir": "ltr"}
    key_file = mechanism.key(name)
    assert get_account(mechanism.db, key_file.member, key_file.delegate).language == "en"
    assert "truce_lang_choice" not in visitor.cookies
