"""The secretariat's clock in the log (issue 15, point 4): a passed deadline becomes a
signed ``case.lapse`` that every member reads at the same logged time, a rebuild
reproduces, and a restarted clock catches up; a mediator's signed extension lets a late
answer in. Played through the API and the CLI, from both parties' side."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Delegations
from tests.functional.test_access_matrix import lodge
from tests.functional.test_cli import truce
from tests.mechanism import Mechanism, assert_rebuild_reproduces
from tests.unit.web.test_acts import LODGE
from tests.unit.web_app import app_settings, browsers
from truce.cases.clock import CaseClock
from truce.ledger.envelope import format_time

__all__ = ["app_settings", "browsers"]  # fixtures

SIDES = [("pk-officer", "AF", "af-root"), ("af-officer", "PK", "pk-root")]


def case_clock(mechanism: Mechanism) -> CaseClock:
    scenario = mechanism.scenario
    return CaseClock(mechanism.admission, scenario, mechanism.key("sec-clock"), mechanism.clock)


@pytest.mark.parametrize(("lodger", "accused", "accused_head"), SIDES)
def test_a_passed_response_deadline_is_recorded_once_for_every_member(
    client: TestClient,
    mechanism: Mechanism,
    clock: Clock,
    lodger: str,
    accused: str,
    accused_head: str,
) -> None:
    d = Delegations(client, mechanism)
    lodged = d.post(lodger, "case.lodge", lodge(accused, "clock"))
    case, leaf = lodged["index"], lodged["leaf_hash"]
    ticker = case_clock(mechanism)
    assert ticker.tick().recorded == []  # nothing has passed yet

    clock.advance(hours=73)
    ticked = ticker.tick()
    assert len(ticked.recorded) == 1
    assert ticker.tick().recorded == []  # recorded once, however often the clock looks
    for member in (lodger, accused_head, "tr-officer", "qa-root"):
        record = d.get(member, f"/api/v1/cases/{case}")
        lapse = [act for act in record["thread"] if act["kind"] == "case.lapse"]
        assert [(a["index"], a["member"], a["delegate"]) for a in lapse] == [
            (ticked.recorded[0], "SEC", "sec-clock")
        ]
        assert record["state"]["lapsed"] == ["response"]

    # Late: refused, until a mediator gives leave by a signed act with a reason.
    deny = {"position": "deny", "statement": "We deny it.", "language": "en"}
    late = d.post(accused_head, "case.respond", deny, refs=(leaf,), expect=422)
    assert "a mediator may give leave" in late["detail"]
    leave = {
        "deadline": "response",
        "deadline_at": format_time(clock.now),
        "reason": "The crossing was closed and the delegation could not meet.",
        "language": "en",
    }
    too_soon = d.post("tr-root", "case.extend", leave, refs=(leaf,), expect=422)
    assert "later than now" in too_soon["detail"]
    d.post("qa-root", "case.extend", leave | {"deadline_at": _in_hours(clock, 24)}, refs=(leaf,))
    d.post(accused_head, "case.respond", deny, refs=(leaf,))
    assert d.get(lodger, f"/api/v1/cases/{case}")["state"]["response"] == "deny"


def _in_hours(clock: Clock, hours: float) -> str:
    return format_time(clock.now + timedelta(hours=hours))


def test_only_the_clock_signs_a_lapse_and_never_before_the_deadline(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    lodged = d.post("pk-officer", "case.lodge", lodge("AF", "early"))
    state = d.get("pk-officer", f"/api/v1/cases/{lodged['index']}")["state"]
    body = {"deadline": "response", "due_at": state["response_deadline"].replace("+00:00", "Z")}
    refs = (lodged["leaf_hash"],)
    for forger in ("sec-clerk", "tr-root", "pk-root"):
        refused = d.post(forger, "case.lapse", body, refs=refs, expect=422)
        assert "may not sign case.lapse" in refused["detail"]
    early = d.post("sec-clock", "case.lapse", body, refs=refs, expect=422)
    assert "has not passed" in early["detail"]


def test_a_restarted_clock_catches_up_and_a_rebuild_reproduces_it(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    first = d.post("pk-officer", "case.lodge", lodge("AF", "one"))
    second = d.post("af-officer", "case.lodge", lodge("PK", "two"))
    d.post("pk-root", "case.respond", {"position": "request_information",
           "statement": "Which unit?", "language": "en"}, refs=(second["leaf_hash"],))  # fmt: skip
    clock.advance(days=30)  # the server (and its clock) was down for a month
    ticked = case_clock(mechanism).tick()
    # The first case's response deadline and the second's request to AF lapse; the
    # second's response deadline stood still while AF's answer was awaited.
    assert len(ticked.recorded) == 2
    kinds = {
        case["id"]: d.get("tr-root", f"/api/v1/cases/{case['id']}")["state"]
        for case in (first | {"id": first["index"]}, second | {"id": second["index"]})
    }
    assert kinds[first["index"]]["lapsed"] == ["response"]
    assert [r["lapsed"] for r in kinds[second["index"]]["requests"]] == [True]
    # AF never answered: PK's clock resumed when the request lapsed, 30 days late.
    assert case_clock(mechanism).tick().recorded == []
    clock.advance(days=4)
    assert len(case_clock(mechanism).tick().recorded) == 1
    assert_rebuild_reproduces(mechanism.db)


def test_truce_clock_records_what_is_owed_from_the_command_line(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    d.post("af-officer", "case.lodge", lodge("PK", "cli"))
    key = str(mechanism.keys_dir / "sec-clock.key")
    log_key = str(mechanism.log_key_file)
    nothing = truce("clock", "--key", key, "--log-key", log_key, database=mechanism.url).ok()
    assert "deadlines recorded as passed: 0" in nothing.stdout
    wrong = truce("clock", "--key", str(mechanism.keys_dir / "sec-clerk.key"),
                  "--log-key", log_key, database=mechanism.url)  # fmt: skip
    wrong.error(contains="not clock")


@pytest.mark.parametrize(("lodger", "accused", "accused_head"), SIDES)
def test_leave_to_respond_late_is_given_from_the_case_page(
    browsers: Any, mechanism: Mechanism, clock: Clock, lodger: str, accused: str, accused_head: str
) -> None:
    lodged = browsers(lodger).act({**LODGE_FORM, "accused.member": accused})
    assert lodged.status_code == 200, lodged.text
    case = lodged.json()["index"]
    clock.advance(hours=73)
    assert len(case_clock(mechanism).tick().recorded) == 1

    head = browsers(accused_head)
    page = head.client.get(f"/cases/{case}")
    assert "Deadline passed" in page.text
    assert "?act=case.respond" not in page.text  # too late: nothing to sign

    mediator = browsers("tr-root")
    form = mediator.client.get(f"/cases/{case}?act=case.extend")
    assert 'name="deadline_at"' in form.text
    assert "Time in Europe/Istanbul (UTC+03:00)" in form.text
    local = (clock.now + timedelta(days=2, hours=3)).strftime("%Y-%m-%dT%H:%M")
    leave = {"kind": "case.extend", "case": str(case), "deadline": "response",
             "deadline_at": local, "reason": "Roads were closed.", "language": "en"}  # fmt: skip
    assert mediator.act(leave).status_code == 200
    record = mediator.client.get(f"/api/v1/cases/{case}", headers={
        "Authorization": f"Bearer {mechanism.token('tr-root')}"
    }).json()  # fmt: skip
    # Typed in Istanbul time, signed in UTC: two days from now.
    assert record["state"]["response_deadline"].startswith(
        (clock.now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    )
    assert "?act=case.respond" in head.client.get(f"/cases/{case}").text


#: The web lodge form, for a case against ``accused.member``.
LODGE_FORM = {**LODGE, "clauses": "C4"}


@pytest.mark.parametrize(("lodger", "accused", "accused_head"), SIDES)
def test_after_a_response_the_pages_and_the_api_no_longer_await_it(
    browsers: Any, mechanism: Mechanism, lodger: str, accused: str, accused_head: str
) -> None:
    case = browsers(lodger).act({**LODGE_FORM, "accused.member": accused}).json()["index"]
    name = mechanism.scenario.member(accused)
    assert name is not None
    deny = {"kind": "case.respond", "case": str(case), "position": "deny",
            "statement": "We deny it.", "language": "en", "understood": "yes"}  # fmt: skip
    assert browsers(accused_head).act(deny).status_code == 200
    reader = browsers("qa-root")
    page = reader.client.get(f"/cases/{case}").text
    assert f"{name.name} has responded: awaiting investigation" in page
    assert "Response due" not in page
    listed = reader.client.get("/cases").text
    assert f"{name.name} has responded: awaiting investigation" in listed
    record = reader.client.get(f"/api/v1/cases/{case}", headers={
        "Authorization": f"Bearer {mechanism.token('qa-root')}"
    }).json()  # fmt: skip
    assert record["case"]["situation"] == {"code": "responded", "member": accused, "due": None}
