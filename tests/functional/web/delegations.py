"""Delegates in their own browsers: sign-in, device registration, acts signed on the page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.functional.web.browser import Browsing, device_key, goto, ready, sign_in
from tests.functional.web.conftest import Demo


def photo_with_exif(taken: datetime, lat: float, lon: float) -> bytes:
    """A small JPEG whose EXIF holds the time (DateTimeOriginal) and GPS position."""
    image = Image.new("RGB", (64, 48), (180, 140, 90))
    for x in range(64):
        image.putpixel((x, 24), (40, 40, 40))
    exif = Image.Exif()
    exif[0x0132] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(abs(value))
        minutes = int((abs(value) - degrees) * 60)
        seconds = round(((abs(value) - degrees) * 60 - minutes) * 60, 2)
        return (float(degrees), float(minutes), seconds)

    gps = exif.get_ifd(0x8825)
    gps[1] = "N" if lat >= 0 else "S"
    gps[2] = dms(lat)
    gps[3] = "E" if lon >= 0 else "W"
    gps[4] = dms(lon)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@dataclass
class Delegate:
    """One delegate signed in on a browser profile of its own (a device)."""

    member: str
    name: str
    page: Page

    def config(self) -> dict[str, Any]:
        value: dict[str, Any] = self.page.evaluate(
            "() => JSON.parse(document.getElementById('truce-config').textContent)"
        )
        return value

    def key_state(self) -> str | None:
        return self.page.get_attribute("[data-key-status]", "data-state")

    def open(self, path: str) -> None:
        goto(self.page, path)

    def sign(self, form: str = "form[data-act-form]", gone: str | None = None) -> None:
        """Submit an act form and wait for the page the server redirects to, or fail.

        ``gone``: a selector that the new page no longer has (when the redirect leads
        back to the same address).
        """
        before = self.page.url
        confirm = self.page.locator(form).locator("input[name=understood]")
        if confirm.count():  # an act that cannot be undone: the delegate confirms it
            confirm.first.check()
        self.page.locator(form).locator("button[type=submit]").first.click()
        try:
            if gone is None:
                self.page.wait_for_url(lambda url: url != before, timeout=30_000)
            else:
                self.page.wait_for_selector(gone, state="detached", timeout=30_000)
        except PlaywrightTimeoutError as exc:
            problem = self.page.locator(form).locator("[data-form-error]").first.text_content()
            errors = self.page.locator(f"{form} [data-error-for]:not([hidden])").all_text_contents()
            raise AssertionError(f"the act was not recorded: {problem!r} {errors!r}") from exc
        ready(self.page)


def signed_in(browsing: Browsing, demo: Demo, member: str, name: str) -> Delegate:
    """A new device (browser profile) on which ``name`` signs in."""
    page = browsing.page()
    sign_in(page, demo, member, name)
    return Delegate(member, name, page)


def enrol_with_key_file(delegate: Delegate, key_file: Path) -> None:
    """On the enrolment page, choose the member's root key file and approve this browser
    (the page reads the file and signs there); wait for the page that says it is done."""
    delegate.open("/keys/enrol")
    delegate.page.set_input_files("#enrol-key-file", str(key_file))
    delegate.page.locator("form[data-enrol-form] button[type=submit]").click()
    try:
        delegate.page.wait_for_url("**/keys/enrol?enrolled=1", timeout=30_000)
    except PlaywrightTimeoutError as exc:
        shown = delegate.page.locator("[data-error-for]:not([hidden]), [data-form-error]")
        raise AssertionError(f"not enrolled: {shown.all_text_contents()!r}") from exc
    ready(delegate.page)


def register_head(browsing: Browsing, demo: Demo, member: str) -> Delegate:
    """A head signs in on a new browser, whose key awaits approval; the head approves it
    on the enrolment page with the member's root key file, as a head does."""
    delegate = signed_in(browsing, demo, member, "root")
    device_key(delegate.page)
    assert delegate.key_state() == "requested"
    enrol_with_key_file(delegate, demo.keys_dir / f"{demo.stem(member, 'root')}.key")
    delegate.open("/")
    assert delegate.key_state() == "ready", delegate.page.text_content("[data-key-status]")
    return delegate


def register_officer(browsing: Browsing, demo: Demo, head: Delegate, name: str) -> Delegate:
    """An officer's browser asks for registration; its head approves it in the browser."""
    officer = signed_in(browsing, demo, head.member, name)
    key_id = device_key(officer.page)
    assert officer.key_state() == "requested"
    head.open("/")
    request = f"[data-key-request='{key_id}']"
    head.sign(f"{request} form[data-act-form]", gone=request)
    officer.open("/")
    assert officer.key_state() == "ready"
    assert key_id in officer.config()["keys"]
    return officer
