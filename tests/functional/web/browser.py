"""Driving Debian's Chromium with Playwright, offline: pages, sign-in, device keys, axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    ViewportSize,
    sync_playwright,
)

if TYPE_CHECKING:
    from tests.functional.web.conftest import Demo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-output" / "screenshots"
PHONE: ViewportSize = {"width": 375, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
READY_MS = 30_000


@contextmanager
def launch() -> Iterator[Browser]:
    """Debian's Chromium, headless, never downloading anything of Playwright's own."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Browsing:
    """Opens pages on one server; any request to another host is aborted and recorded."""

    browser: Browser
    base_url: str
    escaped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def _keep_local(self, route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.escaped.append(route.request.url)
            route.abort("blockedbyclient")

    def context(self, *, viewport: ViewportSize | None = None) -> BrowserContext:
        """A fresh profile (its own cookies and IndexedDB, as a new device has)."""
        context = self.browser.new_context(
            base_url=self.base_url, viewport=viewport or DESKTOP, locale="en-GB"
        )
        context.route("**/*", self._keep_local)
        context.set_default_timeout(READY_MS)
        return context

    def page(self, context: BrowserContext | None = None, **options: Any) -> Page:
        """A page in ``context`` (a new one if None) whose script errors are recorded."""
        page = (context or self.context(**options)).new_page()
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                self.problems.append(f"{page.url}: {message.text}")
                if message.type == "error" and not message.text.startswith("Failed to load")
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                self.problems.append(f"{page.url}: {response.url} answered {response.status}")
                if response.status >= 400 and not self._expected(response.url, response.status)
                else None
            ),
        )
        return page

    @staticmethod
    def _expected(url: str, status: int) -> bool:
        """Answers >= 400 that a page may meet: a missing favicon, a key not yet witnessed."""
        return (url.endswith("/favicon.ico") and status == 404) or (
            url.endswith("/log/v1/checkpoint/witnessed") and status == 404
        )


def ready(page: Page) -> None:
    """Wait until app.js has run every module the page needs."""
    page.wait_for_selector("html[data-ready='true']", state="attached")


def goto(page: Page, path: str) -> None:
    """Open ``path`` and wait until its scripts are done."""
    response = page.goto(path)
    assert response is not None, path
    assert response.status < 400, f"{path} answered {response.status}"
    ready(page)


def sign_in(
    page: Page, demo: Demo, member: str, delegate: str, language: str | None = "en"
) -> None:
    """Sign in through the form, as a delegate would, and land on the dashboard; first
    choose ``language`` with the language switch (None: none is chosen, and the page
    speaks the account's language, a demo delegate's member's first language)."""
    page.goto("/signin")
    if language is not None:
        with page.expect_navigation():
            page.evaluate(
                """(code) => {
                     const form = document.querySelector("form.language-switch");
                     form.elements.language.value = code;
                     form.submit();
                   }""",
                language,
            )
    page.select_option("select[name=member]", member)
    page.fill("input[name=delegate]", delegate)
    page.fill("input[name=password]", demo.password(member, delegate))
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_url(lambda url: "/signin" not in url)
    ready(page)


def device_key(page: Page) -> str:
    """The key id of this browser's device key (set by keys.js once the key exists)."""
    page.wait_for_selector("html[data-device-key]", state="attached")
    return str(page.get_attribute("html", "data-device-key"))


def device_public_key(page: Page) -> str:
    """The device key's public key, as the enrolment page shows it (``/keys/enrol``)."""
    goto(page, "/keys/enrol")
    return str(page.text_content("[data-enrol-public-key]")).strip()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under test-output/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page (axe from the vendor copy).

    The script is loaded from the server's own copy by URL, so the page's
    Content-Security-Policy (scripts from 'self' only) stays in force.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result: dict[str, Any] = page.evaluate(
        """async () => axe.run(document, {
             runOnly: {type: "tag",
                       values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
             resultTypes: ["violations"],
           })"""
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
