"""Browsers for the web application's tests: signed in with a password, signing with a
Python Ed25519 key exactly as the page's scripts sign with WebCrypto."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.mechanism import SCENARIO_DIR, Mechanism
from truce.app import create_app
from truce.config import Settings
from truce.ledger import jcs
from truce.ledger.keys import SigningKey, b64url_encode


class _Page(HTMLParser):
    """What the tests read from a page: scripts, forms' inputs, the config block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.forms: list[dict[str, Any]] = []
        self.html_attrs: dict[str, str | None] = {}
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []
        self.blocks: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_attrs = found
        if tag == "script":
            self.scripts.append(found)
            self._script = found
            self._text = []
        if tag == "form":
            self.forms.append({"attrs": found, "fields": []})
        if tag in ("input", "select", "textarea") and self.forms:
            self.forms[-1]["fields"].append(found)
        if tag == "input":
            self.inputs.append(found)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            if self._script.get("id"):
                self.blocks[str(self._script["id"])] = "".join(self._text)
            self._script = None


def parse_page(html: str) -> _Page:
    """The parsed page."""
    page = _Page()
    page.feed(html)
    return page


def sign(key: SigningKey, envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope with its Ed25519 signature over its RFC 8785 bytes, as the script signs."""
    return {**envelope, "sig": b64url_encode(key.sign(jcs.canonicalize(envelope)))}


@dataclass
class Browser:
    """A signed-in browser: its client, session CSRF token and config block."""

    client: TestClient
    mechanism: Mechanism
    name: str
    csrf: str = ""
    config: dict[str, Any] = field(default_factory=dict)

    def page(self, path: str) -> httpx.Response:
        """GET a page and refresh the config it carries."""
        response: httpx.Response = self.client.get(path, headers={"accept": "text/html"})
        block = parse_page(response.text).blocks.get("truce-config")
        if block:
            self.config = json.loads(block)
            self.csrf = self.config["csrf"]
        return response

    def prepare(
        self, fields: dict[str, Any], files: Any = None, csrf: bool = True
    ) -> httpx.Response:
        """POST an act form to /web/acts/prepare as the script does."""
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        if files is None:
            # FormData of a form without file input: multipart all the same
            files = {"_": (None, "")}
        response: httpx.Response = self.client.post(
            "/web/acts/prepare", data=fields, files=files, headers=headers
        )
        return response

    def submit(self, act: dict[str, Any], csrf: bool = True) -> httpx.Response:
        """POST a signed act to /web/acts/submit as the script does."""
        headers = {"Content-Type": "application/json"}
        if csrf:
            headers["X-CSRF-Token"] = self.csrf
        response: httpx.Response = self.client.post(
            "/web/acts/submit", content=jcs.canonicalize(act), headers=headers
        )
        return response

    def act(
        self, fields: dict[str, Any], key: SigningKey | None = None, files: Any = None
    ) -> httpx.Response:
        """Prepare, check, sign and submit an act form with the delegate's key."""
        key = key or self.mechanism.key(self.name).key
        prepared = self.prepare({"key_id": key.key_id, **fields}, files=files)
        assert prepared.status_code == 200, prepared.text
        envelope, body = prepared.json()["envelope"], prepared.json()["body"]
        assert envelope["body_digest"] == jcs.sha256_digest(body)
        assert envelope["author"]["key"] == key.key_id
        return self.submit({"envelope": sign(key, envelope), "body": body})


def password(mechanism: Mechanism, name: str) -> str:
    """The demo password of a delegate's key-file name."""
    return (mechanism.keys_dir / f"{name}.password").read_text().strip()


def sign_in_form(client: TestClient) -> str:
    """Open the sign-in page; the double-submit CSRF token of its form."""
    page = client.get("/signin")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def choose_language(client: TestClient, language: str) -> None:
    """Choose the interface language on the sign-in page, as a reader would before
    signing in (the choice then wins over the account's language)."""
    answer = client.post(
        "/language", data={"language": language, "csrf": sign_in_form(client), "next": "/signin"}
    )
    assert answer.status_code == 303


@pytest.fixture
def app_settings(mechanism: Mechanism) -> Settings:
    """Settings of an app over the mechanism."""
    return Settings(
        database_url=mechanism.url,
        log_key_file=mechanism.log_key_file,
        scenario_dir=SCENARIO_DIR,
    )


@pytest.fixture
def browsers(mechanism: Mechanism, clock: Clock, app_settings: Settings) -> Iterator[Any]:
    """A factory of signed-in browsers by key-file name (``pk-officer``, ``af-root``…)."""
    app = create_app(app_settings, clock=clock)
    opened: list[TestClient] = []

    def open_browser(name: str, language: str = "en") -> Browser:
        client = TestClient(app, follow_redirects=False)
        opened.append(client)
        key_file = mechanism.key(name)
        choose_language(client, language)
        answer = client.post(
            "/signin",
            data={
                "member": key_file.member,
                "delegate": key_file.delegate,
                "password": password(mechanism, name),
                "csrf": sign_in_form(client),
                "next": "/",
            },
        )
        assert answer.status_code == 303, answer.text
        browser = Browser(client, mechanism, name)
        browser.page("/")
        return browser

    yield open_browser
    for client in opened:
        client.close()


@pytest.fixture
def visitor(clock: Clock, app_settings: Settings) -> Iterator[TestClient]:
    """A browser that has not signed in."""
    with TestClient(create_app(app_settings, clock=clock), follow_redirects=False) as client:
        yield client
