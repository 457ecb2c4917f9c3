"""Enrolment in the browser (issue 16, point 1): each party's head, from a brand-new
browser, approves its own key on the enrolment page with the member's root key file,
which never leaves the page; an officer's new browser is tied to its account by a
one-time code the secretariat issued on its page; the head then approves the officer's
key on its dashboard. Only what the pages show is used: no database, no hidden field.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, Request

from tests.functional.support import truce_env, truce_script
from tests.functional.web.browser import Browsing, goto, ready, screenshot, sign_in
from tests.functional.web.conftest import Demo
from tests.functional.web.delegations import Delegate, enrol_with_key_file, signed_in
from truce.accounts.enrolment import fingerprint
from truce.ledger.keys import b64url_decode


@dataclass
class Posted:
    """Every body a page sent (POST), to search for private key material."""

    bodies: list[bytes]

    def record(self, request: Request) -> None:
        if request.method == "POST":
            self.bodies.append(request.post_data_buffer or b"")


def _watched(page: Page) -> Posted:
    posted = Posted([])
    page.on("request", posted.record)
    return posted


def _secrets(demo: Demo, stem: str) -> list[bytes]:
    """The forms a root key's private part could be sent in: the key file's text, its
    base64url seed, and the seed's bytes and hex."""
    path = demo.keys_dir / f"{stem}.key"
    private = json.loads(path.read_text(encoding="utf-8"))["private_key"]
    seed = b64url_decode(private)
    return [path.read_bytes(), private.encode(), seed, seed.hex().encode()]


def _field_error(page: Page) -> str:
    slot = page.locator("[data-error-for='key_file']")
    slot.wait_for(state="visible")
    return str(slot.text_content()).strip()


def _choose(page: Page, path: str) -> str:
    page.set_input_files("#enrol-key-file", path)
    page.locator("form[data-enrol-form] button[type=submit]").click()
    return _field_error(page)


@pytest.fixture(scope="module")
def heads(browsing: Browsing, demo: Demo) -> Iterator[dict[str, Delegate]]:
    """Both parties' heads, each signed in on a brand-new browser (no key registered)."""
    yield {member: signed_in(browsing, demo, member, "root") for member in ("PK", "AF")}
    assert browsing.escaped == []
    refused_codes = [p for p in browsing.problems if p.endswith("/signin/code answered 401")]
    assert len(refused_codes) == 2  # the wrong code and the used one, refused in words
    assert [p for p in browsing.problems if p not in refused_codes] == []


def test_a_pakistani_head_enrols_with_the_root_key_file_through_the_page(
    heads: dict[str, Delegate], demo: Demo
) -> None:
    head = heads["PK"]
    page = head.page
    posted = _watched(page)
    assert head.key_state() == "requested"
    status = page.locator("[data-key-status]")
    assert "root key" in str(status.text_content())
    screenshot(page, "enrol-01-pk-head-dashboard-key-awaits")
    with page.expect_navigation():
        status.locator("a[href='/keys/enrol']").click()
    ready(page)
    public_key = str(page.text_content("[data-enrol-public-key]")).strip()
    shown = str(page.text_content("[data-enrol-fingerprint]")).strip()
    assert shown == fingerprint(public_key)
    command = str(page.text_content("[data-enrol-command]")).strip()
    assert command.startswith("truce key approve ")
    assert f"--key pk-root.key --server {demo.base_url}" in command
    screenshot(page, "enrol-02-pk-head-enrolment-page")

    not_a_key = demo.workdir / "notes.txt"
    not_a_key.write_text("minutes of the meeting\n", encoding="utf-8")
    assert _choose(page, str(not_a_key)) == "This file is not a truce key file."
    screenshot(page, "enrol-03-pk-head-not-a-key-file")
    other = _choose(page, str(demo.keys_dir / "af-root.key"))
    assert "another member (AF)" in other
    screenshot(page, "enrol-04-pk-head-another-members-key")
    officer = _choose(page, str(demo.keys_dir / "pk-officer.key"))
    assert officer.startswith("This key may not approve keys")
    assert page.locator("#enrol-key-file").get_attribute("aria-invalid") == "true"

    enrol_with_key_file(head, demo.keys_dir / "pk-root.key")
    assert page.locator("[data-enrolled]").is_visible()
    assert str(page.text_content("[data-enrol-fingerprint]")).strip() == shown
    assert page.locator("form[data-enrol-form]").is_hidden()
    screenshot(page, "enrol-05-pk-head-enrolled")
    assert posted.bodies, "the page sent nothing"
    for secret in _secrets(demo, "pk-root"):
        assert not any(secret in body for body in posted.bodies)
    goto(page, "/")
    assert head.key_state() == "ready"


def test_an_afghan_head_enrols_with_the_ready_command(
    heads: dict[str, Delegate], demo: Demo
) -> None:
    head = heads["AF"]
    page = head.page
    goto(page, "/keys/enrol")
    shown = str(page.text_content("[data-enrol-fingerprint]")).strip()
    command = str(page.text_content("[data-enrol-command]")).strip().split()
    assert command[:3] == ["truce", "key", "approve"]
    assert command[4:6] == ["--key", "af-root.key"]
    screenshot(page, "enrol-06-af-head-enrolment-page")
    env = truce_env()
    args = [truce_script(), *command[1:]]
    refused = subprocess.run(args, env=env, cwd=demo.keys_dir, input="n\n", capture_output=True,
                             text=True, timeout=120, check=False)  # fmt: skip
    assert refused.returncode == 1
    assert f"fingerprint  {shown}" in refused.stdout
    assert "nothing was signed" in refused.stdout
    done = subprocess.run(args, env=env, cwd=demo.keys_dir, input="y\n", capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "member.key recorded as entry" in done.stdout
    goto(page, "/")
    assert head.key_state() == "ready"


def test_an_officer_enrolled_with_a_one_time_code_is_approved_by_its_head(
    heads: dict[str, Delegate], browsing: Browsing, demo: Demo
) -> None:
    clerk = browsing.page()
    sign_in(clerk, demo, "SEC", "sec-clerk")
    goto(clerk, "/keys/enrol-code")
    clerk.select_option("select[name=member]", "PK")
    clerk.fill("input[name=delegate]", "pk-officer")
    with clerk.expect_navigation():
        clerk.click("form[action='/keys/enrol-code'] button[type=submit]")
    code = str(clerk.text_content("[data-enrol-code]")).strip()
    screenshot(clerk, "enrol-07-secretariat-issues-a-code")

    page = browsing.page()
    page.goto("/signin")
    ready(page)

    def enter(value: str) -> None:
        form = page.locator("form[data-code-form]")
        form.locator("select[name=member]").select_option("PK")
        form.locator("input[name=delegate]").fill("pk-officer")
        form.locator("input[name=code]").fill(value)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        ready(page)

    enter("WRONG-CODE-0000")
    assert "not valid for this delegate" in str(page.text_content("#code-error"))
    screenshot(page, "enrol-08-officer-wrong-code")
    enter(code)
    officer = Delegate("PK", "pk-officer", page)
    key_id = str(page.get_attribute("html", "data-device-key"))
    assert officer.key_state() == "requested"
    goto(page, "/keys/enrol")
    shown = str(page.text_content("[data-enrol-fingerprint]")).strip()
    assert page.locator("form[data-enrol-form]").count() == 0
    screenshot(page, "enrol-09-officer-key-awaits-its-head")

    again = browsing.page()
    again.goto("/signin")
    form = again.locator("form[data-code-form]")
    form.locator("select[name=member]").select_option("PK")
    form.locator("input[name=delegate]").fill("pk-officer")
    form.locator("input[name=code]").fill(code)
    with again.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "already used" in str(again.text_content("#code-error"))

    head = heads["PK"]
    head.open("/")
    request = head.page.locator(f"[data-key-request='{key_id}']")
    assert str(request.locator("[data-fingerprint]").text_content()).strip() == shown
    assert head.page.locator("[data-task='keys']").is_visible()
    screenshot(head.page, "enrol-10-pk-head-dashboard-approves-the-officer")
    head.sign(f"[data-key-request='{key_id}'] form[data-act-form]",
              gone=f"[data-key-request='{key_id}']")  # fmt: skip
    officer.open("/")
    assert officer.key_state() == "ready"
    assert key_id in officer.config()["keys"]
