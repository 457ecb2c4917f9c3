"""A browser's new key: requested, approved by the head's member.key act, then active."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tests.mechanism import Mechanism
from tests.unit.web_app import Browser, parse_page
from truce.ledger.keys import SigningKey
from truce.storage.models import KeyRequest


def _request(browser: Browser, public_key: str, csrf: bool = True) -> Any:
    headers = {"Content-Type": "application/json"}
    if csrf:
        headers["X-CSRF-Token"] = browser.csrf
    return browser.client.post(
        "/web/keys/request", content=f'{{"public_key":"{public_key}"}}', headers=headers
    )


def _approve_form(html: str, key_id: str) -> dict[str, str]:
    """The hidden fields of the approval form for ``key_id`` on the dashboard."""
    page = parse_page(html)
    for form in page.forms:
        fields = {f["name"]: f.get("value") or "" for f in form["fields"] if f.get("name")}
        if (
            form["attrs"].get("action") == "/web/acts/prepare"
            and fields.get("kind") == "member.key"
        ):
            from truce.ledger.keys import PublicKey

            if PublicKey.from_text(fields["public_key"]).key_id == key_id:
                return {k: v for k, v in fields.items() if k != "csrf"}
    raise AssertionError(f"no approval form for {key_id}")


def test_a_new_device_key_is_approved_by_the_head_and_becomes_active(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    device = SigningKey.generate()
    assert device.key_id not in officer.config["keys"]
    answer = _request(officer, device.public_key.text)
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending"
    assert answer.json()["key_id"] == device.key_id
    assert _request(officer, device.public_key.text).json() == answer.json()  # idempotent

    refused = officer.prepare({"kind": "statement.publish", "key_id": device.key_id,
                               "title": "T", "text": "x"})  # fmt: skip
    assert set(refused.json()["errors"]) == {"key_id"}

    af_head: Browser = browsers("af-root")
    assert device.key_id not in af_head.page("/").text  # another member's head sees nothing
    head: Browser = browsers("pk-root")
    dashboard = head.page("/").text
    fields = _approve_form(dashboard, device.key_id)
    assert fields["action"] == "register"
    assert fields["delegate"] == "pk-officer"
    approved = head.act(fields)
    assert approved.status_code == 200, approved.text
    with mechanism.db.read() as connection:
        status = connection.execute(
            select(KeyRequest.status).where(KeyRequest.key_id == device.key_id)
        ).scalar()
    assert status == "approved"
    assert device.key_id not in head.page("/").text

    officer.page("/")
    assert device.key_id in officer.config["keys"]
    signed = officer.act(
        {"kind": "statement.publish", "title": "From the new device", "text": "x"}, key=device
    )
    assert signed.status_code == 200, signed.text


def test_a_key_request_is_checked(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    assert _request(officer, SigningKey.generate().public_key.text, csrf=False).status_code == 403
    bad = _request(officer, "not-a-key")
    assert bad.status_code == 400
    assert bad.json()["field"] == "public_key"
    registered = _request(officer, mechanism.key("af-officer").key.public_key.text)
    assert registered.status_code == 400
    taken = SigningKey.generate().public_key.text
    assert _request(officer, taken).status_code == 202
    other: Browser = browsers("af-officer")
    assert _request(other, taken).status_code == 400


def test_a_head_may_decline_a_request(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    device = SigningKey.generate()
    request_id = _request(officer, device.public_key.text).json()["id"]
    assert officer.client.post(
        f"/web/keys/{request_id}/decline", headers={"X-CSRF-Token": officer.csrf,
                                                    "accept": "application/json"}
    ).status_code == 403  # fmt: skip
    head: Browser = browsers("pk-root")
    html = head.page("/").text
    assert re.search(rf'action="/web/keys/{request_id}/decline"', html)
    answer = head.client.post(f"/web/keys/{request_id}/decline", data={"csrf": head.csrf})
    assert answer.status_code == 303
    assert device.key_id not in head.page("/").text


def test_a_key_registered_from_the_command_line_settles_the_request(
    browsers: Any, mechanism: Mechanism
) -> None:
    head: Browser = browsers("pk-root")
    device = SigningKey.generate()
    assert _request(head, device.public_key.text).status_code == 202
    assert device.key_id in head.page("/").text  # the head's own request awaits

    # The head registers the key with its key file (the CLI), through the log API.
    body = {"action": "register", "delegate": "pk-root", "role": "head",
            "public_key": device.public_key.text}  # fmt: skip
    act = mechanism.act("pk-root", "member.key", body)
    answer = head.client.post(
        "/log/v1/acts",
        json=act.to_dict(),
        headers={"Authorization": f"Bearer {mechanism.token('pk-root')}"},
    )
    assert answer.status_code == 201, answer.text

    assert device.key_id not in head.page("/").text
    with mechanism.db.read() as connection:
        row = connection.execute(
            select(KeyRequest.status, KeyRequest.decided_at).where(
                KeyRequest.key_id == device.key_id
            )
        ).one()
    assert row.status == "approved"
    assert row.decided_at is not None
