"""The istanbul-2025 demo plays both parties' cases to every kind of end, as each party
reads it over the API: a violation confirmed against each party, one not substantiated,
one inconclusive, one referred after deadlock, one appealed before its penalty, and one
whose late response a mediator allowed. No case is left open."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.databases import postgres_admin_url, postgres_database
from tests.mechanism import SCENARIO_DIR
from truce.app import create_app
from truce.config import Settings
from truce.ledger.envelope import parse_time
from truce.log.demo import genesis_time, load_demo
from truce.log.setup import initialise
from truce.scenario.rules import load_scenario

#: The head of each party's delegation: the two readers of every test.
PARTIES = {"PK": "pk-root", "AF": "af-root"}
ENDED = {"closed", "referred", "withdrawn"}
APPEAL_WINDOW_DAYS = load_scenario(SCENARIO_DIR).procedure.appeal_window_days


class DemoApi:
    """The demo behind the application, read with each delegate's bearer token."""

    def __init__(self, client: TestClient, keys_dir: Path) -> None:
        self.client = client
        self.keys_dir = keys_dir

    def get(self, who: str, path: str, **params: Any) -> Any:
        token = (self.keys_dir / f"{who}.token").read_text().strip()
        answer = self.client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def cases(self, who: str) -> list[dict[str, Any]]:
        page = self.get(who, "/api/v1/cases", limit=500)
        assert page["total"] == len(page["cases"])
        cases: list[dict[str, Any]] = page["cases"]
        return cases

    def thread(self, who: str, case: int) -> list[dict[str, Any]]:
        acts: list[dict[str, Any]] = self.get(who, f"/api/v1/cases/{case}")["thread"]
        return acts


def _load(url: str, root: Path) -> DemoApi:
    keys = root / "keys"
    begins = genesis_time(SCENARIO_DIR)
    initialise(url, SCENARIO_DIR, keys, clock=lambda: begins)
    load_demo(url, SCENARIO_DIR, keys)
    settings = Settings(
        database_url=url,
        keys_dir=keys,
        log_key_file=keys / "sec-log.key",
        scenario_dir=SCENARIO_DIR,
    )
    return DemoApi(TestClient(create_app(settings)), keys)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoApi]:
    """The demo, loaded once per backend (the tests only read it)."""
    root = tmp_path_factory.mktemp("demo-ends")
    if request.param == "sqlite":
        yield _load(f"sqlite:///{root / 'truce.db'}", root)
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL server (run the suite with make test)")
    with postgres_database(admin_url) as url:
        yield _load(url, root)


def _kinds(thread: list[dict[str, Any]]) -> list[str]:
    return [act["kind"] for act in thread]


@pytest.mark.parametrize("reader", PARTIES.values())
def test_every_case_of_the_demo_has_ended(demo: DemoApi, reader: str) -> None:
    cases = demo.cases(reader)
    assert len(cases) == 9
    assert {case["status"] for case in cases} <= ENDED
    assert {case["situation"]["code"] for case in cases} <= ENDED
    ends = {(case["status"], case["outcome"], case["violator"]) for case in cases}
    assert ends >= {
        ("closed", "violation_confirmed", "PK"),
        ("closed", "violation_confirmed", "AF"),
        ("closed", "not_substantiated", None),
        ("closed", "inconclusive", None),
        ("referred", None, None),
    }
    # each party's allegations reach a ruling either way
    ruled = {(c["lodged_by"], c["outcome"]) for c in cases if c["outcome"] is not None}
    assert {("AF", "violation_confirmed"), ("PK", "violation_confirmed")} <= ruled
    assert {("AF", "inconclusive"), ("PK", "inconclusive")} <= ruled


@pytest.mark.parametrize("reader", PARTIES.values())
def test_a_case_is_referred_after_two_split_rounds(demo: DemoApi, reader: str) -> None:
    deadlocked = []
    for case in demo.cases(reader):
        if case["status"] != "referred":
            continue
        kinds = _kinds(demo.thread(reader, case["id"]))
        if "case.new_round" in kinds:
            deadlocked.append(kinds)
    [kinds] = deadlocked
    assert kinds.count("case.finding") == 4
    assert kinds.index("case.new_round") < kinds.index("case.refer") == len(kinds) - 1
    assert "case.rule" not in kinds


@pytest.mark.parametrize("reader", PARTIES.values())
def test_the_violation_against_afghanistan_is_appealed_before_its_penalty(
    demo: DemoApi, reader: str
) -> None:
    [case] = [c for c in demo.cases(reader) if c["violator"] == "AF"]
    assert (case["lodged_by"], case["accused"], case["penalty"]) == ("PK", "AF", "formal-notice")
    thread = demo.thread(reader, case["id"])
    kinds = _kinds(thread)
    assert kinds == [
        "case.lodge",
        "case.respond",
        "case.investigate",
        "case.finding",
        "case.finding",
        "case.rule",
        "case.appeal",
        "case.finding",
        "case.finding",
        "case.rule",
        "case.penalty",
        "case.close",
    ]
    respond, appeal = thread[1], thread[6]
    # the accused's answer and its appeal are on the record, for either party to read
    assert (respond["member"], respond["withheld"]) == ("AF", False)
    assert respond["body"]["statement"]
    assert (appeal["member"], appeal["withheld"]) == ("AF", False)
    first, second = thread[5], thread[9]
    window = parse_time(first["at"]) + timedelta(days=APPEAL_WINDOW_DAYS)
    assert parse_time(first["at"]) < parse_time(appeal["at"]) <= window
    assert first["body"]["violator"] == second["body"]["violator"] == "AF"
    penalty = thread[10]
    assert penalty["body"]["member"] == "AF"
    assert parse_time(second["at"]) < parse_time(penalty["at"])


@pytest.mark.parametrize("reader", PARTIES.values())
def test_a_late_response_is_filed_with_the_mediators_leave(demo: DemoApi, reader: str) -> None:
    extended = []
    lapsed_only = []
    for case in demo.cases(reader):
        thread = demo.thread(reader, case["id"])
        kinds = _kinds(thread)
        lapses = [
            a for a in thread if a["kind"] == "case.lapse" and a["body"]["deadline"] == "response"
        ]
        if "case.extend" in kinds:
            extended.append((case, thread))
        elif lapses:
            lapsed_only.append(case)
    [(case, thread)] = extended
    kinds = _kinds(thread)
    lapsed_at, extended_at = kinds.index("case.lapse"), kinds.index("case.extend")
    assert lapsed_at < extended_at
    lapse, extend = thread[lapsed_at], thread[extended_at]
    # the case's own response (a counter-claim's thread opens with the act that lodged it)
    [respond] = [a for a in thread[extended_at:] if a["kind"] == "case.respond"]
    assert "case.respond" not in kinds[1:lapsed_at]
    assert (lapse["member"], lapse["body"]["deadline"]) == ("SEC", "response")
    assert extend["member"] in ("TR", "QA")
    assert extend["body"]["reason"]
    assert respond["member"] == case["accused"]
    due, until = parse_time(lapse["body"]["due_at"]), parse_time(extend["body"]["deadline_at"])
    assert due < parse_time(respond["at"]) <= until
    # the late filing is one party's; the lapse left standing is the other's
    assert [c["accused"] for c in lapsed_only] == ["PK"]
    assert case["accused"] == "AF"


@pytest.mark.parametrize("reader", PARTIES.values())
def test_the_compliance_table_shows_a_confirmed_violation_against_each_party(
    demo: DemoApi, reader: str
) -> None:
    matrix = demo.get(reader, "/api/v1/compliance")
    confirmed = {
        cell["member"]: cell for cell in matrix["cells"] if cell["confirmed_violations"] > 0
    }
    assert set(confirmed) == {"PK", "AF"}
    for member, cell in confirmed.items():
        assert [p["step"] for p in cell["penalties"]] == ["formal-notice"], member
        assert cell["open_allegations"] == 0
    assert all(cell["open_allegations"] == 0 for cell in matrix["cells"])
    other = "af-root" if reader == "pk-root" else "pk-root"
    assert demo.get(other, "/api/v1/compliance") == matrix
