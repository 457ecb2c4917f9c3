"""The notification pages over in-process HTTP: a delegate's choices with errors beside
the fields in its language, a head's endpoints (register, test, remove), and the record
of who was told what with "send again", each member seeing only its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.functional.test_access_matrix import lodge
from tests.mechanism import SCENARIO_DIR, Mechanism
from tests.unit.notify.receivers import webhook_receiver
from tests.unit.web_app import Browser, browsers
from truce.config import Settings
from truce.ledger.keys import KeyFile, SigningKey
from truce.notify import service
from truce.notify.delivery import Deliverer
from truce.notify.webhooks import WebhookChannel

__all__ = ["browsers"]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "notify.key"
    KeyFile(member="SEC", delegate="notify", role="notify", key=SigningKey.generate()).save(path)
    return path


@pytest.fixture
def app_settings(mechanism: Mechanism, key_file: Path) -> Settings:
    """The app with the notification key, and loopback receivers allowed."""
    return Settings(
        database_url=mechanism.url,
        log_key_file=mechanism.log_key_file,
        scenario_dir=SCENARIO_DIR,
        notify_key_file=key_file,
        notify_allow_private_addresses=True,
    )


def post(browser: Browser, path: str, data: dict[str, str]) -> Any:
    return browser.client.post(
        path, data={"csrf": browser.csrf, **data}, headers={"accept": "text/html"}
    )


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="error-{name}"[^>]*>([^<]*)</p>', html)
    assert found is not None, html
    return found.group(1)


def test_a_delegate_chooses_its_address_timing_and_reminder(browsers: Any) -> None:
    officer: Browser = browsers("af-officer")
    page = officer.page("/notifications")
    assert page.status_code == 200
    assert 'value="each" checked' in page.text
    assert "Defaults for your member" not in page.text  # an officer sets no defaults

    refused = post(
        officer,
        "/notifications",
        {"scope": "own", "email": "not an address", "timing": "digest", "remind_hours": "6"},
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "email") == "This is not an e-mail address."
    assert 'value="not an address"' in refused.text  # what was typed is kept
    assert 'aria-invalid="true"' in refused.text
    assert service.preference(officer.mechanism.db, _identity(officer)).timing == "each"

    too_many = post(officer, "/notifications", {"scope": "own", "remind_hours": "400"})
    assert too_many.status_code == 422
    assert "1 to 336" in field_error(too_many.text, "remind_hours")

    saved = post(
        officer,
        "/notifications",
        {"scope": "own", "email": "af@example.org", "timing": "digest", "remind_hours": "6"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/notifications?done=saved"
    page = officer.page("/notifications?done=saved")
    assert "Your choices are saved." in page.text
    assert 'value="af@example.org"' in page.text
    assert 'value="digest" checked' in page.text
    assert 'value="6"' in page.text


def test_errors_are_in_the_delegates_language(browsers: Any) -> None:
    officer: Browser = browsers("af-officer", "ur")
    officer.page("/notifications")
    refused = post(officer, "/notifications", {"scope": "own", "email": "nope"})
    assert refused.status_code == 422
    message = field_error(refused.text, "email")
    assert message == "یہ ای میل پتہ نہیں ہے\u06d4"  # ends with an Urdu full stop
    assert 'dir="rtl"' in refused.text


def test_a_head_sets_its_members_defaults_and_an_officer_may_not(browsers: Any) -> None:
    head: Browser = browsers("af-root")
    assert "Defaults for your member" in head.page("/notifications").text
    refused = post(
        head, "/notifications", {"scope": "member", "timing": "digest", "member_remind_hours": "x"}
    )
    assert refused.status_code == 422
    assert "1 to 336" in field_error(refused.text, "member_remind_hours")
    saved = post(
        head, "/notifications", {"scope": "member", "timing": "digest", "member_remind_hours": "12"}
    )
    assert saved.headers["location"] == "/notifications?done=defaults"
    officer: Browser = browsers("af-officer")
    choice = service.preference(officer.mechanism.db, _identity(officer))
    assert (choice.timing, choice.remind_hours) == ("digest", 12)

    officer.page("/notifications")
    forbidden = post(officer, "/notifications", {"scope": "member", "timing": "digest"})
    assert forbidden.status_code == 403


def test_a_head_registers_tests_and_removes_an_endpoint(browsers: Any) -> None:
    head: Browser = browsers("af-root")
    page = head.page("/notifications/endpoints")
    assert "No endpoint is registered." in page.text

    refused = post(head, "/notifications/endpoints", {"url": "ftp://example.org/x"})
    assert refused.status_code == 422
    assert field_error(refused.text, "url").startswith("Webhooks go only to")
    bad_secret = post(
        head,
        "/notifications/endpoints",
        {"url": "https://example.org/x", "signing": "secret", "secret": "whsec_short"},
    )
    assert bad_secret.status_code == 422
    assert field_error(bad_secret.text, "secret").startswith("A secret is whsec_")

    with webhook_receiver() as receiver:
        added = post(head, "/notifications/endpoints", {"url": receiver.url, "signing": "secret"})
        assert added.status_code == 201
        secret = re.search(r"<code class=\"secret\" data-secret>(whsec_[^<]+)</code>", added.text)
        assert secret is not None  # a new secret, shown once
        assert 'data-endpoint="1"' in added.text
        assert secret.group(1) not in head.page("/notifications/endpoints").text

        tested = post(head, "/notifications/endpoints/1/test", {})
        assert tested.status_code == 200
        assert 'data-delivered="true"' in tested.text
        assert receiver.ids()[0].startswith("msg_test_")

    officer: Browser = browsers("af-officer")
    listed = officer.page("/notifications/endpoints").text
    assert 'data-endpoint="1"' in listed
    assert "/notifications/endpoints/1/test" not in listed  # no forms for an officer
    assert post(officer, "/notifications/endpoints/1/test", {}).status_code == 403
    other: Browser = browsers("pk-root")
    assert 'data-endpoint="1"' not in other.page("/notifications/endpoints").text
    secretariat: Browser = browsers("sec-root")
    assert 'data-endpoint="1"' in secretariat.page("/notifications/endpoints").text

    removed = post(head, "/notifications/endpoints/1/remove", {})
    assert removed.headers["location"] == "/notifications/endpoints?done=removed"
    assert "Disabled" in head.page("/notifications/endpoints?done=removed").text


def test_the_record_shows_each_member_its_own_and_sends_a_failure_again(
    browsers: Any, mechanism: Mechanism, key_file: Path
) -> None:
    head: Browser = browsers("af-root")
    head.page("/notifications/endpoints")
    # A loopback endpoint, which the worker (not allowing private addresses) refuses.
    assert (
        post(head, "/notifications/endpoints", {"url": "http://127.0.0.1:9/hooks"}).status_code
        == 201
    )
    mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "record")))
    channel = WebhookChannel(
        service.load_key(key_file), service.endpoint_lookup(mechanism.db), allow_private=False
    )
    try:
        Deliverer(mechanism.db, {"webhook": channel}, mechanism.clock).round()
    finally:
        channel.close()

    page = head.page("/notifications/record")
    assert page.status_code == 200
    failed = re.search(r'data-delivery="(\d+)" data-status="failed"', page.text)
    assert failed is not None, page.text
    assert "private or loopback" in page.text
    assert "Send again" in page.text
    main = page.text[page.text.index("<main") :]
    assert "AF · root" in main
    assert "QA · " not in main  # the mediators' notifications are theirs

    officer: Browser = browsers("af-officer")
    assert "Send again" not in officer.page("/notifications/record").text
    mediator: Browser = browsers("qa-root")
    assert f'data-delivery="{failed.group(1)}"' not in mediator.page("/notifications/record").text
    secretariat: Browser = browsers("sec-root")
    every = secretariat.page("/notifications/record?status=failed").text
    assert f'data-delivery="{failed.group(1)}"' in every
    assert "QA · " in secretariat.page("/notifications/record").text

    again = post(head, f"/notifications/deliveries/{failed.group(1)}/send-again", {})
    assert again.headers["location"] == "/notifications/record?done=again"
    shown = head.page("/notifications/record?done=again").text
    assert f'data-delivery="{failed.group(1)}" data-status="pending"' in shown
    twice = post(head, f"/notifications/deliveries/{failed.group(1)}/send-again", {})
    assert twice.status_code == 422
    assert "cannot be sent again" in twice.text


def _identity(browser: Browser) -> Any:
    from truce.accounts.service import Identity

    key_file = browser.mechanism.key(browser.name)
    role = "head" if key_file.delegate == "root" else "officer"
    return Identity(member=key_file.member, delegate=key_file.delegate, role=role)
