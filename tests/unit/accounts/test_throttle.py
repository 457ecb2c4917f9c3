"""Sign-in throttling over HTTP: a guesser is slowed down and refused, the delegate is not.

Each browser is an in-process HTTP client with its own client address, all of them
talking to one application over one database, as browsers at different addresses would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import Clock
from tests.mechanism import Mechanism
from tests.unit.web_app import password, sign_in_form
from truce.accounts import sessions, throttle
from truce.app import create_app
from truce.config import Settings

ATTACKER = "198.51.100.7"
OWNER = "203.0.113.20"
WRONG = "not the password at all"

Browser = Callable[[str], TestClient]


@pytest.fixture
def browser(mechanism: Mechanism, clock: Clock) -> Iterator[Browser]:
    """A factory of browsers, each at the client address it is given, on one server."""
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    app = create_app(settings, clock=clock)
    opened: list[TestClient] = []

    def at(address: str) -> TestClient:
        client = TestClient(app, follow_redirects=False, client=(address, 40000))
        opened.append(client)
        return client

    yield at
    for client in opened:
        client.close()


def sign_in(client: TestClient, mechanism: Mechanism, name: str, secret: str | None = None) -> Any:
    key_file = mechanism.key(name)
    return client.post(
        "/signin",
        data={
            "member": key_file.member,
            "delegate": key_file.delegate,
            "password": password(mechanism, name) if secret is None else secret,
            "csrf": sign_in_form(client),
            "next": "/",
        },
    )


def events(client: TestClient, mechanism: Mechanism, name: str = "sec-clerk") -> Response:
    return client.get(
        "/api/v1/accounts/sign-in-events",
        headers={"Authorization": f"Bearer {mechanism.token(name)}"},
    )


def test_a_guesser_cannot_lock_out_the_owner_from_another_address(
    browser: Browser, mechanism: Mechanism
) -> None:
    """Fifty wrong passwords for PK's head from address A: A is slowed, then refused
    without its passwords being checked; the head, from B, signs in at once."""
    attacker, owner = browser(ATTACKER), browser(OWNER)
    answers = [sign_in(attacker, mechanism, "pk-root", WRONG).status_code for _ in range(50)]
    assert answers[: throttle.FREE_FAILURES] == [401] * throttle.FREE_FAILURES
    assert set(answers[throttle.FREE_FAILURES :]) == {429}
    refused = sign_in(attacker, mechanism, "pk-root")  # even the right password, from A
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == throttle.FIRST_DELAY.total_seconds()
    assert "Too many failed attempts. Try again at" in refused.text

    signed_in = sign_in(owner, mechanism, "pk-root")
    assert signed_in.status_code == 303, signed_in.text
    assert sessions.COOKIE in owner.cookies
    assert throttle.DEVICE_COOKIE in owner.cookies


def test_the_delay_grows_with_each_failure_and_a_success_clears_it(
    browser: Browser, mechanism: Mechanism, clock: Clock
) -> None:
    attacker = browser(ATTACKER)
    for _ in range(throttle.FREE_FAILURES):
        assert sign_in(attacker, mechanism, "af-officer", WRONG).status_code == 401
    waits = []
    for _ in range(6):
        refused = sign_in(attacker, mechanism, "af-officer", WRONG)
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        clock.advance(seconds=wait - 1)
        assert sign_in(attacker, mechanism, "af-officer", WRONG).status_code == 429
        clock.advance(seconds=1)
        assert sign_in(attacker, mechanism, "af-officer", WRONG).status_code == 401
    first = int(throttle.FIRST_DELAY.total_seconds())
    assert waits == [first, 2 * first, 4 * first, 8 * first, 16 * first, 15 * 60]
    clock.advance(minutes=15)
    assert sign_in(attacker, mechanism, "af-officer").status_code == 303
    attacker.cookies.clear()  # a new browser at the same address: the count starts again
    assert sign_in(attacker, mechanism, "af-officer", WRONG).status_code == 401


def test_one_address_has_a_budget_for_every_delegate(
    browser: Browser, mechanism: Mechanism, clock: Clock
) -> None:
    """Spreading guesses over delegates does not escape the address's budget."""
    attacker = browser(ATTACKER)
    names = ["pk-officer", "af-officer", "tr-officer", "qa-officer", "pk-observer"]
    for index in range(throttle.ADDRESS_BUDGET):
        name = names[index % len(names)]
        assert sign_in(attacker, mechanism, name, WRONG).status_code == 401
    blocked = sign_in(attacker, mechanism, "af-root")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) == throttle.WINDOW.total_seconds()
    assert sign_in(browser(OWNER), mechanism, "af-root").status_code == 303
    clock.advance(minutes=15, seconds=1)
    assert sign_in(attacker, mechanism, "af-root").status_code == 303


def test_a_known_device_gets_in_from_the_guessers_own_address(
    browser: Browser, mechanism: Mechanism, clock: Clock
) -> None:
    """Behind one shared address, the delegate's browser that signed in before is not
    held back by the guesser's failures there."""
    owner, attacker = browser(OWNER), browser(OWNER)
    assert sign_in(owner, mechanism, "tr-root").status_code == 303
    device = owner.cookies[throttle.DEVICE_COOKIE]
    owner.post("/signout", data={"csrf": "stale"})
    owner.cookies.clear()
    owner.cookies.set(throttle.DEVICE_COOKIE, device)
    clock.advance(minutes=1)
    for _ in range(throttle.ADDRESS_BUDGET):
        sign_in(attacker, mechanism, "tr-root", WRONG)
    assert sign_in(attacker, mechanism, "tr-root").status_code == 429
    again = sign_in(owner, mechanism, "tr-root")
    assert again.status_code == 303, again.text
    assert again.cookies[throttle.DEVICE_COOKIE] == device  # the same device, kept
    # A device cookie is known for its own delegate only.
    for _ in range(throttle.FREE_FAILURES):
        sign_in(attacker, mechanism, "tr-officer", WRONG)
    stranger = browser(OWNER)
    stranger.cookies.set(throttle.DEVICE_COOKIE, device)
    assert sign_in(stranger, mechanism, "tr-officer").status_code == 429


def test_the_secretariat_sees_every_throttle_and_a_head_its_own(
    browser: Browser, mechanism: Mechanism, clock: Clock
) -> None:
    attacker = browser(ATTACKER)
    names = ["pk-root", "pk-officer", "af-officer"]
    for index in range(throttle.ADDRESS_BUDGET):
        sign_in(attacker, mechanism, names[index % 3], WRONG)
        clock.advance(seconds=int(throttle.MAX_DELAY.total_seconds()) // 20)
    record = events(attacker, mechanism)
    assert record.status_code == 200, record.text
    seen = {(e["kind"], e["member"], e["delegate"], e["address"]) for e in record.json()}
    assert ("delegate-throttled", "PK", "root", ATTACKER) in seen
    assert ("delegate-throttled", "PK", "pk-officer", ATTACKER) in seen
    assert ("address-throttled", None, None, ATTACKER) in seen
    assert all(e["failures"] >= throttle.FREE_FAILURES for e in record.json())
    assert all(e["until"] is not None for e in record.json())

    own = events(attacker, mechanism, "pk-root").json()
    assert own
    assert {e["member"] for e in own} == {"PK"}
    refused = events(attacker, mechanism, "pk-officer")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_delegate_guessed_at_from_many_addresses_is_noted_and_still_gets_in(
    browser: Browser, mechanism: Mechanism
) -> None:
    for number in range(throttle.TARGETED_ALERT):
        guesser = browser(f"192.0.2.{number + 1}")
        assert sign_in(guesser, mechanism, "qa-root", WRONG).status_code == 401
    assert sign_in(browser(OWNER), mechanism, "qa-root").status_code == 303
    [noted] = events(browser(OWNER), mechanism).json()
    assert noted["kind"] == "delegate-targeted"
    assert (noted["member"], noted["delegate"]) == ("QA", "root")
    assert noted["failures"] == throttle.TARGETED_ALERT


def test_the_delay_is_bounded() -> None:
    assert throttle.delay_after(0) == timedelta(0)
    assert throttle.delay_after(throttle.FREE_FAILURES - 1) == timedelta(0)
    assert throttle.delay_after(throttle.FREE_FAILURES) == throttle.FIRST_DELAY
    assert throttle.delay_after(10**9) == throttle.MAX_DELAY


def test_the_secretariats_dashboard_lists_the_throttles(
    browser: Browser, mechanism: Mechanism
) -> None:
    attacker = browser(ATTACKER)
    for _ in range(throttle.FREE_FAILURES):
        sign_in(attacker, mechanism, "af-root", WRONG)
    clerk, head = browser(OWNER), browser(OWNER)
    assert sign_in(clerk, mechanism, "sec-clerk").status_code == 303
    page = clerk.get("/", headers={"accept": "text/html"}).text
    assert "Sign-in throttles" in page
    assert 'data-sign-in-event="delegate-throttled"' in page
    assert f"AF/root: sign-in slowed down after 5 failed attempts from {ATTACKER}." in page
    assert sign_in(head, mechanism, "af-root").status_code == 303
    assert "data-sign-in-event" not in head.get("/", headers={"accept": "text/html"}).text
