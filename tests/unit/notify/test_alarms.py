"""Alarms about the witnesses (issue 18, point 2): a member's witness that leaves a
checkpoint uncosigned longer than the scenario allows alarms every party and mediator
once per lapse, on a controllable clock; a witness that finds the log inconsistent or
split alarms every member too, through the checkpoint pusher (a 422) or its own signed
report to the server; nobody can report in a witness's name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Clock
from tests.mechanism import SCENARIO_DIR, Mechanism
from tests.unit.log.test_witness import add_statements, client_for, fork, local, witness
from tests.unit.notify.receivers import smtp_server
from truce.accounts.service import Identity
from truce.errors import LogMisbehaviourError, ScenarioError
from truce.ledger.keys import SigningKey
from truce.log.witness_push import WitnessPusher
from truce.log.witness_report import sign_report
from truce.notify import alarms, service
from truce.notify.delivery import Deliverer
from truce.notify.email import EmailChannel
from truce.scenario.rules import parse_scenario
from truce.storage.db import Database
from truce.storage.models_notify import Notification

__all__ = ["local"]
WITNESSES = {"PK": "pk-witness", "AF": "af-witness", "TR": "tr-witness", "QA": "qa-witness"}


def alarmed(db: Database, kind: str) -> list[tuple[str, str, str, int, str]]:
    """(witness's member, member told, delegate told, size, reason) of each alarm."""
    with db.read() as connection:
        rows = connection.execute(
            select(
                Notification.subject,
                Notification.member,
                Notification.delegate,
                Notification.subject_idx,
                Notification.reason,
            )
            .where(Notification.kind == kind)
            .order_by(Notification.subject_idx, Notification.member, Notification.delegate)
        ).all()
    return [tuple(row) for row in rows]


def cosign(mechanism: Mechanism, client: object, tmp_path: Path, *codes: str) -> None:
    for code in codes:
        name = WITNESSES[code]
        witness(mechanism, client, name, tmp_path / name).run_once()  # type: ignore[arg-type]


def statement(mechanism: Mechanism, text: str) -> None:
    mechanism.admission.submit(
        mechanism.act("pk-officer", body={"title": "Statement", "text": text, "language": "en"})
    )


def test_a_silent_witness_alarms_every_member_once_per_lapse(
    mechanism: Mechanism, clock: Clock, tmp_path: Path
) -> None:
    assert mechanism.scenario.procedure.witness_lapse_minutes == 60
    watch = alarms.WitnessAlarms(mechanism.db, list(WITNESSES), timedelta(minutes=60), clock)
    service.set_address(mechanism.db, Identity("TR", "root", "head"), "tr@example.org", clock())
    with client_for(mechanism) as client:
        cosign(mechanism, client, tmp_path, *WITNESSES)
        statement(mechanism, "a new checkpoint")
        cosign(mechanism, client, tmp_path, "PK", "TR", "QA")
        clock.advance(minutes=59)
        assert watch.tick() == 0  # within the hour
        clock.advance(minutes=2)
        written = watch.tick()
        first = alarmed(mechanism.db, alarms.LAPSE)
        assert written == len(first) > 0
        assert {row[0] for row in first} == {"AF"}
        assert {row[1] for row in first} == {"PK", "AF", "TR", "QA"}  # every party, mediator
        assert {row[4] for row in first if row[1] == "AF"} == {"action"}
        assert {row[4] for row in first if row[1] != "AF"} == {"outcome"}
        assert ("PK", "pk-observer") in {(row[1], row[2]) for row in first}
        for _ in range(5):  # not again every minute
            clock.advance(minutes=1)
            assert watch.tick() == 0

        cosign(mechanism, client, tmp_path, "AF")  # it recovers
        clock.advance(hours=3)
        assert watch.tick() == 0
        statement(mechanism, "another checkpoint")
        cosign(mechanism, client, tmp_path, "PK", "TR", "QA")
        clock.advance(minutes=61)
        assert watch.tick() == written  # it lapses again: alarmed again
        sizes = sorted({row[3] for row in alarmed(mechanism.db, alarms.LAPSE)})
        assert len(sizes) == 2

    with smtp_server() as mailbox:
        channel = EmailChannel("127.0.0.1", mailbox.port, "a@truce.example", security="none")
        Deliverer(mechanism.db, {"email": channel}, clock).round()
    subjects = [str(message["Subject"]) for message in mailbox.messages]
    assert len(subjects) == 2  # TR's head: one e-mail per lapse
    assert all(subject.endswith(" · AF") for subject in subjects)
    for message in mailbox.messages:
        plain = message.get_body(("plain",))
        assert plain is not None
        assert "/log" in plain.get_content()


def test_the_scenario_bounds_the_lapse() -> None:
    text = (SCENARIO_DIR / "mechanism.toml").read_text(encoding="utf-8")
    assert "witness_lapse_minutes = 60" in text
    with pytest.raises(ScenarioError, match="witness_lapse_minutes"):
        parse_scenario(text.replace("witness_lapse_minutes = 60", "witness_lapse_minutes = 1"))
    unset = parse_scenario(text.replace("witness_lapse_minutes = 60", ""))
    assert unset.procedure.witness_lapse_minutes is None
    assert "witness_lapse_minutes" not in unset.model_dump(mode="json")["procedure"]


def test_a_witness_answering_422_to_a_push_alarms_every_member_once(
    mechanism: Mechanism, clock: Clock
) -> None:
    def inconsistent(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, text="the checkpoint does not extend the one cosigned")

    scenario = mechanism.scenario.model_copy()
    pusher = WitnessPusher(
        mechanism.db,
        scenario,
        clock,
        client_for=lambda url: httpx.Client(
            base_url=url, transport=httpx.MockTransport(inconsistent)
        ),
        on_refusal=lambda member, reason, size, root, since: alarms.report(
            mechanism.db, member, reason, size, root, since, clock()
        ),
    )
    pusher.targets = {"QA": "http://witness.qa.example"}
    [pushed] = pusher.push()
    assert (pushed.status, pushed.reason) == (422, "inconsistent")
    first = alarmed(mechanism.db, alarms.REPORT)
    assert {row[0] for row in first} == {"QA"}
    assert {row[1] for row in first} == {"PK", "AF", "TR", "QA"}
    statement(mechanism, "a later checkpoint")
    pusher.push()  # the same complaint about the next checkpoint: no new alarm
    assert alarmed(mechanism.db, alarms.REPORT) == first


def test_a_pulling_witness_reports_an_inconsistent_log_and_every_member_is_alarmed(
    local: Mechanism, tmp_path: Path
) -> None:
    left, right = fork(local, tmp_path)
    add_statements(local, right, ["right three"])
    state = tmp_path / "qa"
    with client_for(local, left) as client:
        witness(local, client, "qa-witness", state).run_once()
    with (
        client_for(local, right) as client,
        pytest.raises(LogMisbehaviourError, match="signed report and alarms every member"),
    ):
        witness(local, client, "qa-witness", state).run_once()
    db = Database.from_url(right)
    try:
        told = alarmed(db, alarms.REPORT)
    finally:
        db.dispose()
    assert {row[0] for row in told} == {"QA"}
    assert {row[1] for row in told} == {"PK", "AF", "TR", "QA"}


def test_nobody_reports_in_a_witnesss_name(mechanism: Mechanism, tmp_path: Path) -> None:
    origin = mechanism.scenario.mechanism.origin
    name = mechanism.scenario.witness_key_name("AF")
    forged = sign_report(origin, "split-view", 5, b"\x01" * 32, 4, name, SigningKey.generate())
    genuine = sign_report(
        origin, "split-view", 5, b"\x01" * 32, 4, name, mechanism.key("af-witness").key
    )
    with client_for(mechanism) as client:
        path = "/log/v1/witness-reports"
        refused = client.post(path, content=forged)
        assert refused.status_code in (400, 422), refused.text
        assert alarmed(mechanism.db, alarms.REPORT) == []
        taken = client.post(path, content=genuine)
        assert taken.status_code == 200, taken.text
        assert taken.json()["member"] == "AF"
        assert taken.json()["alarmed"] > 0
        assert client.post(path, content=genuine).json()["alarmed"] == 0  # once
        other = sign_report(
            "another.example/log", "fork", 5, b"\x01" * 32, 4, name, mechanism.key("af-witness").key
        )
        assert client.post(path, content=other).status_code == 400  # another log
