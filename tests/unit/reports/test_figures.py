"""A report counts the common record only, keeps each member's casualty figures as its
own claims, and its data are the same bytes whatever the language it is printed in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.mechanism import SCENARIO_DIR
from tests.unit.demo_pages import SECRET_LODGE, Demo
from truce.app import create_app
from truce.reports.rules import period_of
from truce.reports.summary import canonical, report_data
from truce.scenario.rules import load_scenario
from truce.storage.db import Database


def _today(demo: Demo) -> tuple[dict, bytes]:  # type: ignore[type-arg]
    scenario = load_scenario(SCENARIO_DIR)
    period = period_of(scenario, "daily", ending=datetime.now(UTC) + timedelta(minutes=5))
    db = Database.from_url(demo.url)
    try:
        with db.read() as connection:
            data = report_data(connection, scenario, period)
    finally:
        db.dispose()
    return data, canonical(data)


def _api(demo: Demo, who: str) -> TestClient:
    client = TestClient(create_app(demo.settings))
    client.headers["Authorization"] = f"Bearer {demo.token(who)}"
    return client


def test_only_acts_every_member_may_read_are_counted(demo: Demo) -> None:
    data, raw = _today(demo)
    listed = {row["log_index"] for row in data["incidents"]["list"]}
    # Lodged today: a case for every member, a fresh one, and one for AF and TR only.
    assert listed == {demo.public_case, demo.fresh_case}
    assert demo.secret_case not in {row["log_index"] for row in data["annex"]}
    assert SECRET_LODGE.encode() not in raw
    headlines = {line["id"]: line["value"] for line in data["summary"]}
    # AF's answer to the public case went to the mediators alone: it is not counted.
    assert headlines["incidents"] == 2
    assert headlines["answered"] == 0


def test_every_member_gets_the_same_report(demo: Demo) -> None:
    ending = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answers = {
        who: _api(demo, who).get("/api/v1/reports/daily", params={"at": ending}).content
        for who in ("pk-officer", "af-officer", "tr-head")
    }
    assert len(set(answers.values())) == 1
    data = json.loads(answers["af-officer"])
    assert demo.secret_case not in {row["log_index"] for row in data["incidents"]["list"]}


def test_each_members_casualty_figures_stay_its_own(demo: Demo) -> None:
    data, _raw = _today(demo)
    claims = {(c["claimant"], c["harm"], c["side"]): c["value"] for c in data["casualty_claims"]}
    # PK lodged both of today's common allegations, two civilians killed in each.
    assert claims == {("PK", "killed", "victims"): 4}
    lines = data["incidents"]["casualties"]
    assert lines == [
        {"claimant": "PK", "harm": "killed", "side": "victims", "category": "civilians",
         "count": 4},
    ]  # fmt: skip


def test_the_data_hold_codes_and_numbers_not_words(demo: Demo) -> None:
    data, raw = _today(demo)
    scenario = load_scenario(SCENARIO_DIR)
    assert {row["type"] for row in data["incidents"]["list"]} == {"shelling"}
    for label in (scenario.member("PK").name, "Shelling", "Torkham"):  # type: ignore[union-attr]
        assert label.encode() not in raw
    assert json.loads(raw) == data


def test_an_impossible_or_reversed_date_is_a_problem_naming_its_parameter(demo: Demo) -> None:
    client = _api(demo, "pk-officer")
    reversed_range = client.get(
        "/api/v1/reports/range", params={"from": "2025-11-06", "to": "2025-11-01"}
    )
    assert reversed_range.status_code == 400
    assert reversed_range.headers["content-type"] == "application/problem+json"
    assert "before" in reversed_range.json()["detail"]
    impossible = client.get("/api/v1/reports/daily", params={"day": "2025-02-30"})
    assert impossible.status_code == 400
    assert "day" in impossible.json()["detail"]
    unknown = client.get("/api/v1/reports/monthly")
    assert unknown.status_code == 400
    language = client.get("/api/v1/reports/weekly", params={"lang": "fr", "format": "html"})
    assert language.status_code == 400


def test_a_report_needs_a_token(demo: Demo) -> None:
    anonymous = TestClient(create_app(demo.settings))
    assert anonymous.get("/api/v1/reports/weekly").status_code == 401
