"""The shared filters, counting that stops at the cap, and search over cases."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from tests.mechanism import SCENARIO_DIR, Mechanism
from tests.unit.cases.test_pages import case_ids
from tests.unit.demo_pages import Demo
from truce.cases import queries
from truce.cases.queries import Filters, parse_filters
from truce.errors import InputError
from truce.ledger.envelope import audience_includes, stored_audience
from truce.log import projections
from truce.scenario.rules import load_scenario
from truce.storage.models import Act, Body, CaseRecord
from truce.storage.schema import SEARCH_TABLE


def test_filters_read_back_from_their_query() -> None:
    filters = Filters(
        date_from=date(2025, 10, 15), date_to=date(2025, 10, 30), type="shelling",
        member="PK", accused="AF", status=("closed", "ruled"), clause="C4",
        bbox=(69.0, 33.5, 72.0, 35.0),
    )  # fmt: skip
    query = filters.query()
    pairs = [tuple(part.split("=", 1)) for part in query.split("&")]
    single = {name: value.replace("%2C", ",") for name, value in pairs if name != "status"}
    statuses = [value for name, value in pairs if name == "status"]
    assert parse_filters(single, statuses) == filters
    assert Filters().query() == ""
    assert not Filters().active
    assert filters.active


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "10,0,5,1"}, "bbox"),
        ({"member": "P K"}, "member"),
        ({"type": "Drop Table"}, "type"),
    ],
)
def test_bad_filters_name_their_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_filters(params)
    assert caught.value.field == field


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_filters({}, ["lost"])
    assert caught.value.field == "status"


def test_counting_stops_at_the_cap(
    demo: Demo, browsers: dict[str, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    browser = browsers["tr-head"]
    first = browser.get("/cases").text
    assert "More than 3 cases" in first
    assert len(case_ids(first)) == 2
    assert re.search(r'rel="next"', first)
    pages = [case_ids(browser.get(f"/cases?page={n}").text) for n in range(1, 8)]
    assert pages[-1] == []
    monkeypatch.setattr(queries, "PAGE_SIZE", 50)
    everything = case_ids(browser.get("/cases").text)
    assert len(everything) > 3
    assert [case for page in pages for case in page] == everything


# -- search -----------------------------------------------------------------------------

#: Allegations to search: who lodges, audience, narrative, actors, place (a gazetteer id,
#: or coordinates), incident type.
ALLEGATIONS: tuple[tuple[str, Any, str, list[str], Any, str], ...] = (
    ("pk-officer", "all", "Shots near the GROSSE STRASSE post", ["Unidentified"], "torkham",
     "shelling"),
    ("pk-officer", "all", 'The "Red" post: 100% of it burnt', [], "chaman", "armed_clash"),
    ("af-officer", "all", "Şehir gates closed at dawn", ["Border Police"], (34.51, 70.12),
     "shelling"),
    ("pk-officer", ["AF", "TR"], "Artillerymen seen; mediatorsonly detail", [], "torkham",
     "shelling"),
    ("af-officer", ["PK", "TR", "QA"], "Listedonly words about ab-12", [], "ghaki",
     "armed_clash"),
)  # fmt: skip
#: Searches whose results the tests compare with a reading of every case.
SEARCHES = (
    "strasse", "Straße", "STRASSE post", '"red"', "100%", "100%_", "%", "_", "ab", "ab-12",
    "artillerymen", "LLERYM", "mediatorsonly", "listedonly", "torkham", "shelling", "fire,",
    "fire, torkham", "Shelling, Torkham", "34.51", "70.1", "şehir", "ŞEHİR", "police",
    "ŞEHIR", "unidentified shots", "nowhere", "post", "o", ",",
)  # fmt: skip
#: Readers: the two parties (each the author of some), a mediator, the secretariat.
READERS = (
    queries.Reader("PK", False),
    queries.Reader("AF", False),
    queries.Reader("TR", True),
    queries.Reader("SEC", False),
)


def _lodge(mechanism: Mechanism, number: int) -> None:
    author, audience, narrative, actors, where, kind = ALLEGATIONS[number]
    place = (
        {"place_id": where, "precision": "approximate"}
        if isinstance(where, str)
        else {"lat": where[0], "lon": where[1], "precision": "approximate"}
    )
    body = {
        "incident": {
            "type": kind,
            "occurred_at": f"2025-10-{10 + number}T08:00:00Z",
            "time_precision": "hour",
            "place": place,
            "actors": actors,
        },
        "accused": {"member": "AF" if author.startswith("pk") else "PK"},
        "clauses": ["C1"],
        "narrative": narrative,
        "language": "en",
    }
    mechanism.admission.submit(mechanism.act(author, "case.lodge", body, audience=audience))


def _read_everything(connection: Connection, reader: queries.Reader, words: list[str]) -> list[int]:
    """What a search must find, read the slow way: every case, its body decoded, the API's
    audience rule, and the words looked for in its title, narrative, actors and place."""
    scenario = load_scenario(SCENARIO_DIR)
    found = []
    rows = connection.execute(
        select(CaseRecord, Body.content)
        .join(Act, Act.idx == CaseRecord.id)
        .join(Body, Body.digest == Act.body_digest)
        .order_by(CaseRecord.occurred_at.desc(), CaseRecord.id.desc())
    ).all()
    for row in rows:
        if not audience_includes(
            stored_audience(row.audience), row.lodged_by, reader.member, reader.mediator
        ):
            continue
        body = queries.lodged_text(json.loads(bytes(row.content)))
        place = scenario.place(row.place_id) if row.place_id else None
        text = " ".join(
            [
                queries.case_title(scenario, row),
                body["narrative"],
                " ".join(body["incident"].get("actors", [])),
                body["accused"].get("group") or "",
                " ".join([place.name, *place.aliases, place.admin1 or ""]) if place else "",
            ]
        ).casefold()
        if all(word.casefold() in text for word in words):
            found.append(row.id)
    return found


@pytest.fixture
def searchable(mechanism: Mechanism) -> Mechanism:
    """A mechanism holding :data:`ALLEGATIONS` and a counter-claim (whose allegation is
    in the response's ``counter_case``)."""
    for number in range(len(ALLEGATIONS)):
        _lodge(mechanism, number)
    with mechanism.db.read() as connection:
        first = connection.execute(
            select(CaseRecord.leaf_hash).order_by(CaseRecord.id).limit(1)
        ).scalar_one()
    counter = {
        "position": "counter_claim",
        "statement": "It was the other side.",
        "language": "en",
        "counter_case": {
            "incident": {
                "type": "armed_clash",
                "occurred_at": "2025-10-20T08:00:00Z",
                "time_precision": "hour",
                "place": {"place_id": "torkham", "precision": "approximate"},
                "actors": ["Frontier Corps"],
            },
            "accused": {"member": "PK", "group": "Counterclaimgroup"},
            "clauses": ["C1"],
            "narrative": "Their Counterclaimnarrative",
            "language": "en",
        },
    }
    mechanism.admission.submit(mechanism.act("af-root", "case.respond", counter, refs=(first,)))
    return mechanism


def _search(mechanism: Mechanism, reader: queries.Reader, q: str, sparse: int) -> list[int]:
    with mechanism.db.read() as connection:
        found = queries.search_cases(connection, reader, mechanism.scenario, q, sparse=sparse)
    return [row.id for row, _body in found]


def test_search_finds_what_a_reading_of_every_case_finds(searchable: Mechanism) -> None:
    """Both ways of searching (the rarest word's candidates; a walk newest first) agree
    with a reading of every case, for every reader, whatever the words hold: another
    case, a script whose case folds to several letters, LIKE's wildcards, a quote, a
    word shorter than a trigram, a comma, the scenario's names, coordinates."""
    found_somewhere: set[str] = set()
    for reader in READERS:
        for q in SEARCHES:
            with searchable.db.read() as connection:
                expected = _read_everything(connection, reader, q.split())
            assert _search(searchable, reader, q, sparse=1_000) == expected, (reader, q)
            assert _search(searchable, reader, q, sparse=0) == expected, (reader, q)
            if expected:
                found_somewhere.add(q)
    assert {"Straße", "ŞEHIR", '"red"', "ab", "fire, torkham", "34.51", "listedonly"} <= (
        found_somewhere
    )
    assert {"100%_", "nowhere", "Shelling, Torkham"}.isdisjoint(found_somewhere)


def test_a_member_finds_no_case_by_words_it_may_not_read(searchable: Mechanism) -> None:
    mediator, author = queries.Reader("TR", True), queries.Reader("PK", False)
    for q in ("mediatorsonly", "artillerymen"):
        assert len(_search(searchable, mediator, q, sparse=1_000)) == 1
        assert len(_search(searchable, author, q, sparse=1_000)) == 1  # its own case
        for sparse in (0, 1_000):
            assert _search(searchable, queries.Reader("QA", True), q, sparse=sparse) == []
        assert len(_search(searchable, queries.Reader("AF", False), q, sparse=1_000)) == 1
    assert len(_search(searchable, queries.Reader("QA", True), "listedonly", sparse=0)) == 1
    assert _search(searchable, queries.Reader("SEC", False), "listedonly", sparse=0) == []


def test_a_counter_claim_is_found_by_its_own_allegation(searchable: Mechanism) -> None:
    reader = queries.Reader("SEC", False)
    for q in ("counterclaimnarrative", "counterclaimgroup", "frontier corps"):
        found = _search(searchable, reader, q, sparse=1_000)
        assert len(found) == 1, q
        with searchable.db.read() as connection:
            counter_to = connection.execute(
                select(CaseRecord.counter_to).where(CaseRecord.id == found[0])
            ).scalar_one()
        assert counter_to is not None
    assert _search(searchable, reader, "other side", sparse=1_000) == []  # the response


def test_search_is_the_same_after_a_rebuild(searchable: Mechanism) -> None:
    """The stored words and their text index come back from the log alone."""
    before = {q: _search(searchable, queries.Reader("TR", True), q, 1_000) for q in SEARCHES}
    with searchable.db.write() as connection:
        projections.rebuild(connection)
    after = {q: _search(searchable, queries.Reader("TR", True), q, 1_000) for q in SEARCHES}
    assert after == before
    if searchable.db.engine.dialect.name == "sqlite":  # FTS5 checks its index
        assert SEARCH_TABLE == "cases_search"
        with searchable.db.read() as connection:
            connection.exec_driver_sql(
                "INSERT INTO cases_search (cases_search) VALUES ('integrity-check')"
            )
