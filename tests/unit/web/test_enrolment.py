"""Enrolment over HTTP: a head's first browser approved with the member's root key, one-time
enrolment codes, and what awaits a head besides case steps (keys, the witness)."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.mechanism import Mechanism
from tests.unit.web_app import Browser, sign, sign_in_form
from truce.accounts.enrolment import fingerprint
from truce.ledger import jcs
from truce.ledger.keys import SigningKey


def _post_json(browser: Browser, path: str, payload: Any) -> Any:
    return browser.client.post(
        path,
        content=jcs.canonicalize(payload),
        headers={"Content-Type": "application/json", "X-CSRF-Token": browser.csrf},
    )


def _request(browser: Browser, device: SigningKey) -> int:
    answer = _post_json(browser, "/web/keys/request", {"public_key": device.public_key.text})
    assert answer.status_code == 202, answer.text
    return int(answer.json()["id"])


def _enrol(browser: Browser, device: SigningKey, root: SigningKey) -> Any:
    """What the page's script does: prepare, check, sign with the root key, submit."""
    prepared = _post_json(
        browser,
        "/web/keys/enrol/prepare",
        {"public_key": device.public_key.text, "key_id": root.key_id},
    )
    if prepared.status_code != 200:
        return prepared
    envelope, body = prepared.json()["envelope"], prepared.json()["body"]
    assert envelope["body_digest"] == jcs.sha256_digest(body)
    assert envelope["author"]["key"] == root.key_id
    return _post_json(
        browser, "/web/keys/enrol/submit", {"envelope": sign(root, envelope), "body": body}
    )


def test_the_fingerprint_is_the_first_ten_bytes_of_the_keys_sha256_in_fours() -> None:
    key = SigningKey.from_seed(bytes(range(32)))
    digits = hashlib.sha256(key.public_key.raw).hexdigest().upper()[:20]
    assert fingerprint(key.public_key.text) == " ".join(digits[i : i + 4] for i in range(0, 20, 4))
    assert len(fingerprint(key.public_key.text).split()) == 5


def test_a_head_enrols_its_first_browser_with_the_root_key(
    browsers: Any, mechanism: Mechanism
) -> None:
    head: Browser = browsers("pk-root")
    device = SigningKey.generate()
    request_id = _request(head, device)
    page = head.page("/keys/enrol").text
    assert 'type="file"' in page
    assert 'name="key_file"' in page
    assert f"truce key approve {request_id} --key pk-root.key" in page

    enrolled = _enrol(head, device, mechanism.key("pk-root").key)
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["redirect"] == "/keys/enrol?enrolled=1"
    head.page("/")
    assert device.key_id in head.config["keys"]
    signed = head.act({"kind": "statement.publish", "title": "From my browser", "text": "x"},
                      key=device)  # fmt: skip
    assert signed.status_code == 200, signed.text


def test_the_enrolment_refuses_another_members_key_an_officers_key_and_an_officer(
    browsers: Any, mechanism: Mechanism
) -> None:
    head: Browser = browsers("pk-root", "tr")
    device = SigningKey.generate()
    _request(head, device)
    for wrong in ("af-root", "pk-officer"):
        refused = _enrol(head, device, mechanism.key(wrong).key)
        assert refused.status_code == 422, wrong
        message = refused.json()["errors"]["key_file"]
        assert "kök anahtar" in message.lower(), message  # in the reader's language
    officer: Browser = browsers("pk-officer")
    other = SigningKey.generate()
    _request(officer, other)
    refused = _enrol(officer, other, mechanism.key("pk-root").key)
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"key_file"}
    assert other.key_id not in officer.page("/").text


def test_the_enrolment_admits_only_the_registration_of_the_viewers_own_key(
    browsers: Any, mechanism: Mechanism
) -> None:
    head: Browser = browsers("pk-root")
    device = SigningKey.generate()
    prepared = _post_json(
        head,
        "/web/keys/enrol/prepare",
        {"public_key": device.public_key.text, "key_id": mechanism.key("pk-root").key.key_id},
    ).json()
    body = {**prepared["body"], "delegate": "pk-officer", "role": "officer"}
    envelope = {**prepared["envelope"], "body_digest": jcs.sha256_digest(body)}
    refused = _post_json(
        head,
        "/web/keys/enrol/submit",
        {"envelope": sign(mechanism.key("pk-root").key, envelope), "body": body},
    )
    assert refused.status_code == 422
    head.page("/")
    assert device.key_id not in head.config["keys"]


def _issue(client: TestClient, mechanism: Mechanism, member: str, delegate: str) -> str:
    answer = client.post(
        f"/api/v1/accounts/{member}/{delegate}/enrol-code",
        headers={"Authorization": f"Bearer {mechanism.token('sec-clerk')}"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["code"])


def _code_sign_in(client: TestClient, member: str, delegate: str, code: str) -> Any:
    return client.post(
        "/signin/code",
        data={"member": member, "delegate": delegate, "code": code, "csrf": sign_in_form(client)},
    )


def test_an_enrolment_code_signs_a_new_browser_in_once(
    visitor: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    head = visitor.post(
        "/api/v1/accounts/PK/pk-officer/enrol-code",
        headers={"Authorization": f"Bearer {mechanism.token('pk-root')}"},
    )
    assert head.status_code == 403  # the secretariat issues codes, not a head
    code = _issue(visitor, mechanism, "PK", "pk-officer")
    wrong = _code_sign_in(visitor, "PK", "pk-root", code)
    assert wrong.status_code == 401
    assert "not valid for this delegate" in wrong.text
    entered = _code_sign_in(visitor, "PK", "pk-officer", code.lower().replace("-", " "))
    assert entered.status_code == 303, entered.text
    assert entered.headers["location"] == "/"
    assert visitor.get("/", headers={"accept": "text/html"}).status_code == 200
    visitor.cookies.clear()
    again = _code_sign_in(visitor, "PK", "pk-officer", code)
    assert again.status_code == 401
    assert "already used" in again.text

    late = _issue(visitor, mechanism, "AF", "root")
    clock.advance(hours=24, seconds=1)
    expired = _code_sign_in(visitor, "AF", "root", late)
    assert expired.status_code == 401
    assert "has expired" in expired.text


def test_a_heads_code_leads_to_the_enrolment_page_and_guessing_is_throttled(
    visitor: TestClient, mechanism: Mechanism
) -> None:
    code = _issue(visitor, mechanism, "AF", "root")
    for _ in range(5):
        assert _code_sign_in(visitor, "AF", "root", "AAAA-BBBB-CCCC").status_code == 401
    held = _code_sign_in(visitor, "AF", "root", code)
    assert held.status_code == 429
    assert "Retry-After" in held.headers


def test_an_issued_code_enrols_a_head_and_the_page_issues_codes(
    browsers: Any, visitor: TestClient, mechanism: Mechanism
) -> None:
    clerk: Browser = browsers("sec-clerk")
    assert "/keys/enrol-code" in clerk.page("/").text
    issued = clerk.client.post(
        "/keys/enrol-code", data={"member": "AF", "delegate": "root", "csrf": clerk.csrf}
    )
    assert issued.status_code == 200
    code = issued.text.split("data-enrol-code>")[1].split("<")[0]
    unknown = clerk.client.post(
        "/keys/enrol-code", data={"member": "AF", "delegate": "nobody", "csrf": clerk.csrf}
    )
    assert unknown.status_code == 422
    assert "no active account" in unknown.text
    entered = _code_sign_in(visitor, "AF", "root", code)
    assert entered.headers["location"] == "/keys/enrol"
    officer: Browser = browsers("af-officer")
    assert officer.client.get("/keys/enrol-code").status_code == 403


def test_the_inbox_gives_keys_to_the_head_and_the_witness_lag_to_its_roles(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    device = SigningKey.generate()
    request_id = _request(officer, device)

    def upkeep(name: str) -> Any:
        answer = officer.client.get(
            "/api/v1/inbox/upkeep",
            headers={"Authorization": f"Bearer {mechanism.token(name)}"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    head = upkeep("pk-root")
    assert [k["id"] for k in head["key_requests"]] == [request_id]
    assert head["key_requests"][0]["fingerprint"] == fingerprint(device.public_key.text)
    assert head["witness"] is not None
    assert head["witness"]["member"] == "PK"
    assert head["witness"]["cosigned"] is None
    assert upkeep("pk-officer") == {"key_requests": [], "witness": None}
    assert upkeep("af-root")["key_requests"] == []
    pending = officer.client.get(
        f"/api/v1/accounts/key-requests/{request_id}",
        headers={"Authorization": f"Bearer {mechanism.token('pk-root')}"},
    ).json()
    assert pending["public_key"] == device.public_key.text
    dashboard = browsers("pk-root").page("/").text
    assert fingerprint(device.public_key.text) in dashboard
    assert 'data-task="witness"' in dashboard
    assert 'data-task="witness"' not in officer.page("/").text
