"""The notification pages in the browser: a delegate chooses how it is told (an error
beside its field, in English and in Urdu, right to left), a head registers and tests a
webhook endpoint on a real receiver, and the record shows the attempts of a webhook
that a lodged allegation caused, the first refused by the receiver and the second
delivered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.functional.support import serve
from tests.functional.test_access_matrix import lodge
from tests.functional.web.browser import Browsing, axe_violations, goto, screenshot, sign_in
from tests.functional.web.conftest import Demo, _demo_env
from tests.unit.notify.receivers import WebhookReceiver, wait_for, webhook_receiver
from truce.ledger.keys import KeyFile, SigningKey


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver on loopback."""
    with webhook_receiver() as found:
        yield found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[Demo]:
    """The demo server with a notification key, loopback endpoints allowed, and a fast
    delivery worker."""
    import shutil

    workdir = tmp_path_factory.mktemp("web-notify")
    for name in ("truce.db", "truce.db-wal"):
        if (demo_template / name).exists():
            shutil.copyfile(demo_template / name, workdir / name)
    keys_dir = workdir / "keys"
    shutil.copytree(demo_template / "keys", keys_dir)
    key_file = workdir / "notify.key"
    KeyFile(member="SEC", delegate="notify", role="notify", key=SigningKey.generate()).save(
        key_file
    )
    database_url = f"sqlite:///{workdir / 'truce.db'}"
    env = _demo_env(database_url, keys_dir) | {
        "TRUCE_NOTIFY_KEY_FILE": str(key_file),
        "TRUCE_NOTIFY_ALLOW_PRIVATE_ADDRESSES": "1",
        "TRUCE_NOTIFY_INTERVAL_SECONDS": "0.2",
    }
    server = serve(env, workdir)
    try:
        yield Demo(server, keys_dir, database_url, workdir)
    finally:
        server.stop()


def field_error(page: Page, name: str) -> str:
    error = page.locator(f"#error-{name}")
    assert error.is_visible()
    return str(error.text_content())


def test_a_delegate_chooses_how_it_is_told(browsing: Browsing, demo: Demo) -> None:
    page = browsing.page()
    sign_in(page, demo, "AF", "root")
    page.click("nav.site-nav a[href='/notifications']")
    page.wait_for_url("**/notifications")
    page.fill("form[data-form=own] input[name=email]", "af head at example")
    page.check("form[data-form=own] input[name=timing][value=digest]")
    page.fill("form[data-form=own] input[name=remind_hours]", "6")
    page.click("form[data-form=own] button[type=submit]")
    page.wait_for_load_state()
    assert field_error(page, "email") == "This is not an e-mail address."
    assert page.locator("#field-email").get_attribute("aria-invalid") == "true"
    assert page.input_value("form[data-form=own] input[name=remind_hours]") == "6"
    screenshot(page, "notify-preferences-error")
    assert axe_violations(page) == []

    page.fill("form[data-form=own] input[name=email]", "af-head@example.org")
    page.click("form[data-form=own] button[type=submit]")
    page.wait_for_url("**/notifications?done=saved")
    assert page.locator("[data-notice]").text_content() == "Your choices are saved."
    assert page.is_checked("form[data-form=own] input[name=timing][value=digest]")
    page.fill("input[name=member_remind_hours]", "0")
    page.click("form[data-form=member] button[type=submit]")
    page.wait_for_load_state()
    assert "1 to 336" in field_error(page, "member_remind_hours")
    screenshot(page, "notify-preferences")

    urdu = browsing.page()
    sign_in(urdu, demo, "AF", "af-officer", language="ur")
    goto(urdu, "/notifications")
    urdu.fill("input[name=email]", "nope")
    urdu.click("form[data-form=own] button[type=submit]")
    urdu.wait_for_load_state()
    assert urdu.get_attribute("html", "dir") == "rtl"
    message = field_error(urdu, "email")
    assert message == "یہ ای میل پتہ نہیں ہے\u06d4"  # ends with an Urdu full stop
    screenshot(urdu, "notify-preferences-ur")
    assert axe_violations(urdu) == []
    assert browsing.escaped == []


def test_a_head_registers_tests_an_endpoint_and_reads_the_record(
    browsing: Browsing, demo: Demo, receiver: WebhookReceiver
) -> None:
    page = browsing.page()
    sign_in(page, demo, "AF", "root")
    goto(page, "/notifications/endpoints")
    page.fill("input[name=url]", "ftp://example.org/hooks")
    page.click("form.notify-endpoint button[type=submit]")
    page.wait_for_load_state()
    assert field_error(page, "url").startswith("Webhooks go only to")

    page.fill("input[name=url]", receiver.url)
    page.check("input[name=signing][value=secret]")
    page.click("form.notify-endpoint button[type=submit]")
    page.wait_for_load_state()
    secret = str(page.locator("[data-secret]").text_content())
    assert secret.startswith("whsec_")
    endpoint = str(page.locator("[data-added]").get_attribute("data-added"))
    page.click(f"form[action='/notifications/endpoints/{endpoint}/test'] button")
    page.wait_for_load_state()
    assert page.get_attribute("[data-tested]", "data-delivered") == "true"
    assert receiver.ids()[-1].startswith("msg_test_")
    screenshot(page, "notify-endpoints")
    assert axe_violations(page) == []

    # An allegation against AF: its endpoint is told by the server's worker.
    body = demo.workdir / "lodge.json"
    body.write_text(json.dumps(lodge("AF", "notify pages")), encoding="utf-8")
    before = len(receiver.ids())
    answers = iter([(503, {"retry-after": "1"})])
    receiver.answer = lambda: next(answers, (204, {}))
    demo.truce(
        "act",
        "case.lodge",
        "--body",
        str(body),
        "--server",
        demo.base_url,
        "--key",
        str(demo.keys_dir / f"{demo.stem('PK', 'officer')}.key"),
    )
    wait_for(lambda: len(receiver.ids()) > before)
    goto(page, "/notifications/record")
    row = page.locator("tr[data-status=delivered]").first
    assert "Allegation lodged" in str(row.text_content())
    outcomes = row.locator("li[data-outcome]")
    assert [outcomes.nth(i).get_attribute("data-outcome") for i in range(2)] == [
        "retry",
        "delivered",
    ]
    assert "HTTP 503" in str(outcomes.first.text_content())
    screenshot(page, "notify-record", full_page=False)
    assert axe_violations(page) == []

    officer = browsing.page()
    sign_in(officer, demo, "AF", "af-officer")
    goto(officer, "/notifications/endpoints")
    assert officer.locator("form.notify-endpoint").count() == 0
    goto(officer, "/notifications/record")
    assert officer.locator("tr[data-status=delivered]").count() >= 1
    other = browsing.page()
    sign_in(other, demo, "PK", "root")
    goto(other, "/notifications/record")
    assert "AF · " not in str(other.locator("main").text_content())
    assert browsing.escaped == []
    # The refused forms answer 422 on purpose; nothing else may fail.
    assert [p for p in browsing.problems if not p.endswith("answered 422")] == []
