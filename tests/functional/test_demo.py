"""The istanbul-2025 demo: every act admitted by the ordinary checks, on both backends."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from tests.mechanism import SCENARIO_DIR, assert_rebuild_reproduces
from truce.log import projections
from truce.log.demo import genesis_time, load_demo, read_demo
from truce.log.setup import initialise
from truce.storage.db import Database
from truce.storage.models import CaseRecord, CrossingReport, JointRequestRecord


def test_the_demo_replays_and_rebuilds(database_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    begins = genesis_time(SCENARIO_DIR)
    initialise(database_url, SCENARIO_DIR, keys, clock=lambda: begins)
    count = load_demo(database_url, SCENARIO_DIR, keys)
    assert count == len(read_demo(SCENARIO_DIR)["acts"])
    db = Database.from_url(database_url)
    try:
        with db.read() as connection:
            cases = {
                (row.lodged_by, row.type, row.place_id): row
                for row in connection.execute(select(CaseRecord))
            }
            torkham = connection.execute(
                select(CrossingReport.people, CrossingReport.trade)
                .where(CrossingReport.crossing == "torkham")
                .order_by(CrossingReport.idx.desc())
            ).first()
            requests = connection.execute(select(JointRequestRecord)).all()
            live = projections.snapshot(connection)
        assert len(cases) == 9
        assert {row.status for row in cases.values()} == {"closed", "referred"}
        paktika = cases[("AF", "air_or_drone_strike", "urgun")]
        assert (paktika.status, paktika.violator, paktika.penalty) == (
            "closed",
            "PK",
            "formal-notice",
        )
        posts = cases[("PK", "attack_on_post", "angoor-adda")]
        assert (posts.status, posts.outcome) == ("closed", "inconclusive")
        assert posts.killed == {"soldiers": 23, "militants": 200}
        counter = cases[("AF", "armed_clash", "kunar")]
        assert counter.counter_to == posts.id
        assert counter.killed == {"soldiers": 9}
        assert (counter.status, counter.outcome) == ("closed", "inconclusive")
        assert cases[("AF", "air_or_drone_strike", "kabul")].status == "referred"
        assert cases[("PK", "infiltration", "ghaki")].status == "referred"
        oct15 = cases[("AF", "armed_clash", "spin-boldak")]
        assert (oct15.status, oct15.outcome) == ("closed", "not_substantiated")
        camps = cases[("PK", "other", "paktika")]
        assert (camps.status, camps.violator, camps.penalty) == ("closed", "AF", "formal-notice")
        nov6 = cases[("AF", "shelling", "spin-boldak")]
        chaman = cases[("PK", "armed_clash", "chaman")]
        assert chaman.counter_to == nov6.id
        assert {nov6.outcome, chaman.outcome} == {"inconclusive"}
        assert torkham is not None
        assert (torkham.people, torkham.trade) == ("restricted", "closed")
        [request] = requests
        assert request.outcome == "nothing_found"
        # reported late, after the ruling, with a mediator's leave
        first = datetime.fromisoformat(request.state["first_deadline"])
        assert first < request.answered_at <= request.deadline
        assert assert_rebuild_reproduces(db) == live
    finally:
        db.dispose()
