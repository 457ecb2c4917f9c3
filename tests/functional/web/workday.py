"""What a working day in the browser needs: a delegate's pages followed by what they
show, each page photographed in order, and the other delegations' acts that give the
day something to do.

The delegate under test uses only the page: links and buttons by their visible text or
role, numbers read from the page. The other delegations act as they would from their
own machines, with their key files through the client library over HTTP (what the
``truce`` commands do), so that a day starts with a case to answer or a request owed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.functional.web.browser import Browsing, ready, screenshot
from tests.functional.web.conftest import Demo
from tests.functional.web.delegations import Delegate, signed_in
from truce.cli.client import Session, lodge_body


@dataclass
class Day:
    """One delegate's day: every page it visits is photographed, numbered in order
    (``day-<role>-<member>-NN-<page>.png``)."""

    delegate: Delegate
    role: str
    taken: list[str] = field(default_factory=list)

    @property
    def page(self) -> Page:
        return self.delegate.page

    def shot(self, name: str, *, full_page: bool = True) -> None:
        stem = f"day-{self.role}-{self.delegate.member.lower()}-{len(self.taken) + 1:02d}-{name}"
        screenshot(self.page, stem, full_page=full_page)
        self.taken.append(stem)

    def follow(self, target: Locator, name: str) -> None:
        """Click a link (or a button that leads to a page), wait for the page, photograph it."""
        with self.page.expect_navigation():
            target.click()
        ready(self.page)
        self.shot(name)

    def nav(self, label: str, name: str) -> None:
        """Follow an entry of the main navigation by its visible label."""
        menu = self.page.get_by_role("navigation", name="Main")
        self.follow(menu.get_by_role("link", name=label, exact=True), name)

    def link(self, text: str, name: str, *, within: Locator | None = None) -> None:
        scope = within if within is not None else self.page.locator("main")
        self.follow(scope.get_by_role("link", name=text).first, name)

    def sign(self, form: str, name: str) -> None:
        """Sign the act of ``form``, wait for the page the server leads to (the same
        address, maybe) and photograph it; fail with what the form says if none comes."""
        try:
            with self.page.expect_navigation(timeout=30_000):
                self.page.locator(form).locator("button[type=submit]").first.click()
        except PlaywrightTimeoutError as exc:
            self.shot("refused")
            shown = self.page.locator(
                f"{form} [data-error-for]:not([hidden]), {form} [data-form-error]"
            )
            raise AssertionError(
                f"the act was not recorded: {shown.all_text_contents()!r}"
            ) from exc
        ready(self.page)
        self.shot(name)

    def confirm(self) -> None:
        """Tick "I understand that this cannot be undone." (an act that cannot be undone)."""
        self.page.get_by_label("I understand that this cannot be undone.").check()

    def has_task(self, action: str, subject: str) -> bool:
        """Whether the inbox asks ``action`` about ``subject`` (``Case 12``)."""
        pattern = re.compile(rf"{re.escape(action)}.* · {re.escape(subject)}\b")
        return any(pattern.search(task) for task in self.tasks())

    def task(self, action: str, subject: str, name: str) -> None:
        """Follow the inbox item that asks ``action`` about ``subject``."""
        item = self.page.locator("section[aria-labelledby='tasks-title'] li").filter(
            has_text=re.compile(rf"{re.escape(action)}.* · {re.escape(subject)}\b")
        )
        self.follow(item.get_by_role("link").first, name)

    def take(self, action: str, name: str) -> None:
        """On a case page, open the form of ``action`` from "What you may do now" (the
        form already shown when it is the only one)."""
        choices = self.page.get_by_role("navigation", name="Acts you may take")
        if choices.count():
            self.follow(choices.get_by_role("link", name=action, exact=True), name)
        assert action in str(self.page.locator("#act-form").text_content()), action

    def choose(self, selector: str, shown: str) -> str:
        """Choose the first option of a select whose visible text contains ``shown``."""
        options = self.page.locator(f"{selector} option")
        texts = options.all_text_contents()
        for number, text in enumerate(texts):
            if shown in text:
                self.page.select_option(selector, index=number)
                return text
        raise AssertionError(f"{selector} offers no {shown!r}: {texts}")

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).first.text_content())

    def tasks(self) -> list[str]:
        """The dashboard inbox, as the delegate reads it."""
        return [
            " ".join(text.split())
            for text in self.page.locator(
                "section[aria-labelledby='tasks-title'] li"
            ).all_text_contents()
        ]


def day_of(browsing: Browsing, demo: Demo, member: str, name: str, role: str) -> Day:
    """A delegate signed in through the sign-in page on a brand-new browser."""
    return Day(signed_in(browsing, demo, member, name), role)


def enrolled_head(browsing: Browsing, demo: Demo, member: str, role: str) -> Day:
    """A head signs in on a brand-new browser, whose key awaits approval, and enrols it
    through the pages: from the dashboard to the enrolment page, where it chooses the
    member's root key file (read and used only in the page) and approves the key."""
    day = Day(signed_in(browsing, demo, member, "root"), role)
    page = day.page
    page.wait_for_selector("html[data-device-key]", state="attached")
    assert day.delegate.key_state() == "requested"
    day.shot("dashboard-key-awaits")
    day.link("Approve this browser with the root key file", "enrolment",
             within=page.locator("[data-key-status]"))  # fmt: skip
    fingerprint = day.text("[data-enrol-fingerprint]").strip()
    assert fingerprint
    page.get_by_label("root key file", exact=False).set_input_files(
        str(demo.keys_dir / f"{demo.stem(member, 'root')}.key")
    )
    page.get_by_role("button", name="Approve this browser", exact=True).click()
    page.wait_for_url("**/keys/enrol?enrolled=1")
    ready(page)
    assert day.text("[data-enrol-fingerprint]").strip() == fingerprint
    day.shot("enrolled")
    day.nav("Dashboard", "dashboard")
    assert day.delegate.key_state() == "ready", day.text("[data-key-status]")
    return day


def act_meta(page: Page, kind: str) -> list[str]:
    """The author lines (member · delegate · time) of the thread's acts of ``kind``."""
    return [
        " ".join(text.split())
        for text in page.locator(f"li.act-{kind.replace('.', '-')} .act-meta").all_text_contents()
    ]


class Elsewhere:
    """The other delegations, acting from their own machines with their key files."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.sessions: dict[str, Session] = {}

    def session(self, stem: str) -> Session:
        if stem not in self.sessions:
            self.sessions[stem] = Session(
                self.demo.base_url, self.demo.keys_dir / f"{stem}.key", None
            )
        return self.sessions[stem]

    def post(self, stem: str, kind: str, body: dict[str, Any], refs: tuple[str, ...] = ()) -> int:
        """Sign and post one act as ``stem`` (``af-officer``); its log entry."""
        return int(self.session(stem).post(kind, body, refs=refs)["index"])

    def lodge(self, stem: str, accused: str, narrative: str, place: str = "chaman") -> int:
        """An allegation lodged a day ago; the case's log entry (its page's number)."""
        when = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:00:00Z")
        body = lodge_body(accused, "shelling", when, ["C4"], narrative, "en", place=place,
                          killed=["civilians=1"])  # fmt: skip
        return self.post(stem, "case.lodge", body)

    def named(self, case: int) -> str:
        """How the pages name a case (``Case 12``), read from the record."""
        return f"Case {self.session('sec-clerk').case(f'log:{case}')['case']['number']}"

    def step(self, stem: str, case: int, kind: str, body: dict[str, Any]) -> int:
        ref = self.session(stem).case_ref(f"log:{case}")
        return self.post(stem, kind, {"language": "en", **body}, refs=(ref,))

    def ruled(self, lodger: str, accused: str, narrative: str) -> int:
        """A case lodged by ``lodger`` against ``accused``, denied, investigated, found
        and ruled a violation by both mediators: the appeal window is open."""
        case = self.lodge(f"{lodger.lower()}-officer", accused, narrative)
        self.step(f"{accused.lower()}-root", case, "case.respond",
                  {"position": "deny", "statement": "We deny it."})  # fmt: skip
        self.step("tr-root", case, "case.investigate", {"note": "Opening an investigation."})
        finding = {"outcome": "violation_confirmed", "violator": accused, "clauses": ["C4"],
                   "reasons": "Craters and witnesses agree."}  # fmt: skip
        self.step("tr-root", case, "case.finding", finding)
        self.step("qa-root", case, "case.finding", finding)
        self.step("tr-root", case, "case.rule", finding)
        return case

    def key_request(self, browsing: Browsing, member: str, name: str) -> str:
        """A delegate signs in on a new browser, whose key then awaits its head: the key id."""
        delegate = signed_in(browsing, self.demo, member, name)
        delegate.page.wait_for_selector("html[data-device-key]", state="attached")
        key_id = str(delegate.page.get_attribute("html", "data-device-key"))
        delegate.page.context.close()
        return key_id


def case_id(url: str) -> int:
    match = re.search(r"/cases/(\d+)", url)
    assert match, url
    return int(match.group(1))
