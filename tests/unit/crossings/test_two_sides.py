"""Crossings are two-sided places: each side's name, each side's report in force, and
both shown as a dispute when the parties' reports differ."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.mechanism import SCENARIO_DIR
from tests.unit.demo_pages import Demo, data_block
from truce.crossings.rules import Report, disputed, latest_by_member
from truce.ledger.envelope import format_time, sign_act
from truce.ledger.keys import KeyFile
from truce.log.admission import Admission, utc_now
from truce.log.checkpoints import LogSigner
from truce.scenario.rules import load_scenario
from truce.storage.db import Database

SCENARIO = load_scenario(SCENARIO_DIR)
T0 = datetime(2025, 11, 1, tzinfo=UTC)


def report(index: int, member: str, trade: str, people: str, hours: int = 0) -> Report:
    at = T0 + timedelta(hours=hours)
    return Report(index, "torkham", member, trade, people, None, "r", at)  # type: ignore[arg-type]


def test_each_party_has_its_own_report_in_force() -> None:
    reports = [
        report(1, "PK", "closed", "closed"),
        report(2, "AF", "open", "open", 1),
        report(3, "PK", "closed", "restricted", 2),
        report(4, "SEC", "open", "open", 3),
    ]
    latest = latest_by_member(reports, ["PK", "AF"])
    assert {member: r.index for member, r in latest.items()} == {"PK": 3, "AF": 2}
    assert disputed(latest)
    agreeing = latest_by_member(
        [*reports, report(5, "AF", "closed", "restricted", 4)], ["PK", "AF"]
    )
    assert not disputed(agreeing)
    assert not disputed(latest_by_member(reports[:1], ["PK", "AF"]))


def test_the_gazetteer_names_each_side_of_a_crossing() -> None:
    chaman = SCENARIO.place("chaman-spin-boldak")
    torkham = SCENARIO.place("torkham")
    assert chaman is not None
    assert torkham is not None
    assert chaman.shown_name == "Chaman (PK) / Spin Boldak (AF)"
    assert torkham.shown_name == "Torkham (PK) / Torkham (AF)"


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def afghan_report(demo: Demo) -> Demo:
    """Afghanistan reports Chaman and Spin Boldak open; Pakistan's report says closed."""
    db = Database.from_url(demo.url)
    key = KeyFile.load(demo.keys_dir / "af-officer.key")
    now = utc_now().replace(microsecond=0)
    act = sign_act(
        kind="crossing.status", mechanism=SCENARIO.mechanism.id, member=key.member,
        delegate=key.delegate, key=key.key, at=now,
        body={"crossing": "chaman-spin-boldak", "trade": "open", "people": "open",
              "stranded_trucks": 0, "reason": "Open on our side.",
              "effective_at": format_time(now - timedelta(hours=1))},
    )  # fmt: skip
    try:
        signer = LogSigner.from_key_file(SCENARIO, demo.keys_dir / "sec-log.key")
        Admission(db, signer=signer).submit(act)
    finally:
        db.dispose()
    return demo


def reader(demo: Demo, who: str, language: str) -> TestClient:
    return demo.browser(who, language)


@pytest.mark.parametrize(("who", "language"), [("pk-officer", "en"), ("af-officer", "en")])
def test_both_sides_see_the_dispute_not_one_state(
    afghan_report: Demo, who: str, language: str
) -> None:
    client = reader(afghan_report, who, language)
    listed = text_of(client.get("/crossings").text)
    assert "Chaman (PK) / Spin Boldak (AF)" in listed
    assert "Disputed: PK reports closed; AF reports open" in listed
    page = text_of(client.get("/crossings/chaman-spin-boldak").text)
    assert "Pakistan (Chaman): trade closed, people closed" in page
    assert "Afghanistan (Spin Boldak): trade open, people open" in page
    torkham = text_of(client.get("/crossings/torkham").text)
    assert "Torkham (PK) / Torkham (AF)" in torkham
    assert "Disputed" not in torkham
    dashboard = text_of(client.get("/").text)
    assert "Disputed: trade: PK reports closed; AF reports open" in dashboard


def test_the_dispute_reads_in_arabic_with_each_party_in_its_role(afghan_report: Demo) -> None:
    client = reader(afghan_report, "qa-head", "ar")
    listed = text_of(client.get("/crossings").text)
    assert "متنازع عليه: يُفيد PK بأنه مغلق; يُفيد AF بأنه مفتوح" in listed


def test_the_api_and_the_map_carry_each_sides_report(afghan_report: Demo) -> None:
    client = reader(afghan_report, "tr-officer", "en")
    answer = client.get(
        "/api/v1/crossings",
        headers={"Authorization": f"Bearer {afghan_report.token('tr-officer')}"},
    ).json()
    chaman = next(c for c in answer["crossings"] if c["place_id"] == "chaman-spin-boldak")
    assert chaman["disputed"] is True
    assert chaman["name"] == "Chaman (PK) / Spin Boldak (AF)"
    assert [(s["member"], s["name"], s["current"]["trade"]) for s in chaman["sides"]] == [
        ("PK", "Chaman", "closed"),
        ("AF", "Spin Boldak", "open"),
    ]
    data = json.loads(data_block(client.get("/map").text, "map-data"))
    shown = next(c for c in data["crossings"] if c["place_id"] == "chaman-spin-boldak")
    assert shown["disputed"] is True
    assert [(s["member"], s["trade"]) for s in shown["sides"]] == [("PK", "closed"), ("AF", "open")]
    assert (
        data["labels"]["side_reports"] == "%(member)s reports: trade %(trade)s, people %(people)s"
    )
