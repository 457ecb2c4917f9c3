"""Crossings over HTTP, on each backend, audience-checked: reports, states and durations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Delegations
from tests.mechanism import Mechanism
from truce.ledger.envelope import format_time
from truce.log import projections


def status(clock: Clock, trade: str, people: str, days_ago: float = 0, **more: Any) -> Any:
    return {
        "crossing": "torkham",
        "trade": trade,
        "people": people,
        "reason": "Border fighting; refugees only from 1 November.",
        "effective_at": format_time(clock.now - timedelta(days=days_ago)),
    } | more


def test_torkham_closed_then_reopened_for_people_only(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    closed = d.post("pk-officer", "crossing.status", status(clock, "closed", "closed", 20))
    clock.advance(days=1)
    reopened = d.post(
        "pk-root", "crossing.status", status(clock, "closed", "open", stranded_trucks=4200)
    )
    d.post(
        "sec-clerk",
        "crossing.status",
        status(clock, "restricted", "open", crossing="chaman-spin-boldak"),
        audience="mediators",
    )
    for refused, message in [
        (status(clock, "open", "open", -1), "in the future"),
        (status(clock, "open", "open", crossing="chaman"), "not a crossing"),
    ]:
        assert message in d.post("pk-officer", "crossing.status", refused, expect=422)["detail"]
    mediator = d.post("tr-officer", "crossing.status", status(clock, "open", "open"), expect=422)
    assert "a party or the secretariat" in mediator["detail"]

    clock.advance(days=2)
    listed = d.get("af-officer", "/api/v1/crossings")
    assert listed["now"] == format_time(clock.now)
    states = {c["place_id"]: c for c in listed["crossings"]}
    torkham = states["torkham"]
    assert (torkham["current"]["trade"], torkham["current"]["people"]) == ("closed", "open")
    assert torkham["current"]["stranded_trucks"] == 4200
    durations = {p["aspect"]: p for p in torkham["durations"]}
    # a crossing is named by both its sides
    assert (
        durations["trade"]["summary"] == "Torkham (PK) / Torkham (AF) closed to trade for 23 days"
    )
    assert (durations["trade"]["days"], durations["people"]["days"]) == (23, 2)
    assert durations["people"]["level"] == "open"
    assert durations["people"]["ongoing"]
    assert not states["chaman-spin-boldak"]["reported"]  # a mediators-only report
    assert d.get("tr-officer", "/api/v1/crossings")["crossings"][1]["reported"]

    history = d.get("af-officer", "/api/v1/crossings/torkham")
    assert [r["index"] for r in history["history"]] == [closed["index"], reopened["index"]]
    periods = [(p["aspect"], p["level"], p["days"], p["ongoing"]) for p in history["periods"]]
    assert periods == [
        ("trade", "closed", 23, True),
        ("people", "closed", 21, False),
        ("people", "open", 2, True),
    ]
    assert d.get("af-officer", "/api/v1/crossings/chaman", expect=404)["status"] == 404


def test_every_crossing_act_survives_a_rebuild(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    d = Delegations(client, mechanism)
    d.post("af-officer", "crossing.status", status(clock, "closed", "restricted", 3))
    with mechanism.db.read() as connection:
        live = projections.snapshot(connection)
    assert live["crossing_reports"]
    with mechanism.db.write() as connection:
        projections.rebuild(connection)
    with mechanism.db.read() as connection:
        assert projections.snapshot(connection) == live
    torkham = d.get("tr-officer", "/api/v1/crossings/torkham")
    assert [(r["trade"], r["people"]) for r in torkham["history"]] == [("closed", "restricted")]


def test_the_openapi_document_describes_the_responses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in (
        "CrossingList",
        "CrossingHistory",
        "PeriodOut",
    ):
        assert name in schemas
    paths = document["paths"]
    for path in (
        "/api/v1/crossings",
        "/api/v1/crossings/{place_id}",
    ):
        assert "200" in paths[path]["get"]["responses"]
