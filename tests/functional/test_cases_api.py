"""A whole case over HTTP, for each party: lodge, respond, investigate, rule, penalty, close."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.functional.support import Delegations
from tests.mechanism import Mechanism
from truce.cases.rules import penalty_for

INCIDENT = {
    "type": "shelling",
    "occurred_at": "2025-11-06T10:30:00Z",
    "time_precision": "hour",
    "place": {"place_id": "spin-boldak", "precision": "approximate"},
    "actors": ["Pakistan Army"],
    "killed": {"civilians": 5},
    "injured": {"civilians": 6},
}


def lodge_body(accused: str, **incident: Any) -> dict[str, Any]:
    return {
        "incident": INCIDENT | incident,
        "accused": {"member": accused},
        "clauses": ["C4"],
        "narrative": "Shells struck homes in the afternoon.",
        "language": "en",
    }


def finding(violator: str) -> dict[str, Any]:
    return {
        "outcome": "violation_confirmed",
        "violator": violator,
        "clauses": ["C4"],
        "reasons": "Craters and hospital records agree.",
        "language": "en",
    }


@pytest.mark.parametrize(("lodger", "accused"), [("pk", "af"), ("af", "pk")])
def test_a_whole_case_for_each_party(
    client: TestClient, mechanism: Mechanism, lodger: str, accused: str
) -> None:
    d = Delegations(client, mechanism)
    accused_code = accused.upper()
    lodged = d.post(f"{lodger}-officer", "case.lodge", lodge_body(accused_code))
    case_id, ref = lodged["index"], (lodged["leaf_hash"],)

    inbox = d.get(f"{accused}-officer", "/api/v1/inbox")
    assert {"case": case_id, "number": 1, "action": "respond"}.items() <= inbox[0].items()
    assert inbox[0]["due"]
    assert not inbox[0]["overdue"]
    assert not inbox[0]["allowed"]  # a response is the head's: the officer is told so
    assert d.get(f"{accused}-root", "/api/v1/inbox")[0]["allowed"]

    deny = {"position": "deny", "statement": "Our forces did not fire.", "language": "en"}
    d.post(f"{accused}-root", "case.respond", deny, ref)
    again = deny | {"statement": "We said so already."}
    refused = d.post(f"{accused}-root", "case.respond", again, ref, expect=422)
    assert refused["type"] == "/problems/act-refused"
    assert "already responded" in refused["detail"]

    d.post("tr-officer", "case.investigate", {"note": "Opened."}, ref)
    d.post(
        "qa-officer",
        "case.request_info",
        {"to": accused_code, "questions": "Unit positions?", "language": "en"},
        ref,
    )
    d.post(
        f"{accused}-officer",
        "case.provide_info",
        {"statement": "Positions attached.", "language": "en"},
        ref,
    )
    d.post("tr-root", "case.finding", finding(accused_code), ref)
    early = d.post("tr-root", "case.rule", finding(accused_code), ref, expect=422)
    assert "needs 2 concurring findings" in early["detail"]
    d.post("qa-root", "case.finding", finding(accused_code), ref)
    d.post("qa-root", "case.rule", finding(accused_code), ref)
    step = penalty_for(mechanism.scenario, 0)
    penalty = {"member": accused_code, "step": step, "prior_violations": 0}
    early = d.post("tr-root", "case.penalty", penalty, ref, expect=422)
    assert "may still be appealed" in early["detail"]
    inbox = d.get(f"{accused}-root", f"/api/v1/cases/{case_id}")["next_steps"]
    assert {s["kind"] for s in inbox if s["allowed"]} >= {"case.appeal", "case.waive_appeal"}
    # The party ruled against finds its appeal window in its inbox; the other does not.
    told = [i for i in d.get(f"{accused}-officer", "/api/v1/inbox") if i["case"] == case_id]
    assert [(i["action"], i["allowed"]) for i in told] == [("consider_appeal", False)]
    assert told[0]["due"]
    lodger_inbox = d.get(f"{lodger}-root", "/api/v1/inbox")
    assert [i for i in lodger_inbox if i["case"] == case_id] == []
    d.post(f"{accused}-root", "case.waive_appeal", {"note": "We accept the ruling."}, ref)
    still = d.post("tr-root", "case.penalty", penalty | {}, ref, expect=422)
    assert "both parties' waivers" in still["detail"]
    d.post(f"{lodger}-root", "case.waive_appeal", {}, ref)
    d.post("tr-root", "case.penalty", penalty, ref)
    d.post("sec-clerk", "case.close", {"note": "Closed."}, ref)

    thread = d.get(f"{lodger}-officer", f"/api/v1/cases/{case_id}")
    assert thread["case"]["status"] == "closed"
    assert (thread["case"]["violator"], thread["case"]["penalty"]) == (accused_code, step)
    kinds = [act["kind"] for act in thread["thread"]]
    assert kinds == [
        "case.lodge",
        "case.respond",
        "case.investigate",
        "case.request_info",
        "case.provide_info",
        "case.finding",
        "case.finding",
        "case.rule",
        "case.waive_appeal",
        "case.waive_appeal",
        "case.penalty",
        "case.close",
    ]
    assert thread["case"]["sector"] == "Kandahar"


def test_steps_the_workflow_does_not_allow_are_refused(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    observer = d.post("pk-observer", "case.lodge", lodge_body("AF"), expect=422)
    assert observer["type"] == "/problems/role-not-permitted"
    itself = d.post("pk-officer", "case.lodge", lodge_body("PK"), expect=422)
    assert "cannot accuse itself" in itself["detail"]
    unknown = d.post("pk-officer", "case.lodge", lodge_body("AF", type="teleport"), expect=422)
    assert "taxonomy" in unknown["detail"]
    lodged = d.post("pk-officer", "case.lodge", lodge_body("AF"))
    ref = (lodged["leaf_hash"],)
    wrong = d.post(
        "pk-root",
        "case.respond",
        {"position": "deny", "statement": "x", "language": "en"},
        ref,
        expect=422,
    )
    assert "only AF" in wrong["detail"]
    early = d.post("tr-officer", "case.investigate", {}, ref, expect=422)
    assert "may still respond" in early["detail"]
    nocase = d.post("tr-officer", "case.investigate", {}, ("ab" * 32,), expect=422)
    assert "is not a case" in nocase["detail"]


def test_a_counter_claim_lodges_a_linked_case(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    lodged = d.post("pk-officer", "case.lodge", lodge_body("AF"))
    counter = {
        "position": "counter_claim",
        "statement": "Firing was initiated from the other side.",
        "language": "en",
        "counter_case": lodge_body("PK", place={"place_id": "chaman", "precision": "approximate"}),
    }
    answer = d.post("af-root", "case.respond", counter, (lodged["leaf_hash"],))
    linked = d.get("tr-officer", f"/api/v1/cases/{answer['index']}")["case"]
    assert (linked["lodged_by"], linked["accused"], linked["counter_to"]) == (
        "AF",
        "PK",
        lodged["index"],
    )
    pk_inbox = d.get("pk-officer", "/api/v1/inbox")
    assert {"case": answer["index"], "action": "respond"}.items() <= pk_inbox[0].items()


def test_audiences_hold_in_lists_threads_and_counts(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    public = d.post("pk-officer", "case.lodge", lodge_body("AF"))
    unseen = d.post("af-officer", "case.lodge", lodge_body("PK"), audience="mediators", expect=422)
    assert unseen["field"] == "audience"
    assert "concerns PK and must be addressed to it" in unseen["detail"]
    private = d.post("af-officer", "case.lodge", lodge_body("PK"), audience=["PK", "TR"])
    uploaded = client.post(
        "/api/v1/files", content=b"Names of informants.", headers=d.headers("pk-officer")
    ).json()
    d.post(
        "pk-officer",
        "case.evidence",
        {
            "files": [{k: uploaded[k] for k in ("sha256", "media_type", "size")}],
            "description": "Names of informants.",
            "language": "en",
        },
        (public["leaf_hash"],),
        audience="mediators",
    )
    qa_list = d.get("qa-officer", "/api/v1/cases")
    assert {case["id"] for case in qa_list["cases"]} == {public["index"]}
    assert qa_list["total"] == 1
    for reader in ("tr-officer", "pk-officer", "af-officer"):
        listed = d.get(reader, "/api/v1/cases")
        assert {case["id"] for case in listed["cases"]} == {public["index"], private["index"]}
    missing = client.get(f"/api/v1/cases/{private['index']}", headers=d.headers("qa-officer"))
    assert missing.status_code == 404
    af_thread = d.get("af-officer", f"/api/v1/cases/{public['index']}")["thread"]
    assert [act["withheld"] for act in af_thread] == [False, True]
    assert af_thread[1]["body"] is None
    tr_thread = d.get("tr-officer", f"/api/v1/cases/{public['index']}")["thread"]
    assert tr_thread[1]["body"]["description"] == "Names of informants."


def test_case_lists_filter_and_paginate(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    torkham = {"place_id": "torkham", "precision": "exact"}
    ids = [
        d.post("pk-officer", "case.lodge", lodge_body("AF"))["index"],
        d.post(
            "af-officer",
            "case.lodge",
            lodge_body(
                "PK", type="air_or_drone_strike", place=torkham, occurred_at="2025-10-17T20:00:00Z"
            ),
        )["index"],
    ]

    def listed(**params: Any) -> list[int]:
        return [case["id"] for case in d.get("tr-officer", "/api/v1/cases", **params)["cases"]]

    assert listed() == [ids[0], ids[1]]
    assert listed(type="air_or_drone_strike") == [ids[1]]
    assert listed(member="AF") == ids
    assert listed(sector="Kandahar") == [ids[0]]
    assert listed(bbox="70.5,33.5,71.5,34.5") == [ids[1]]
    assert listed(since="2025-11-01T00:00:00Z") == [ids[0]]
    assert listed(status="under_investigation") == []
    assert listed(limit=1, offset=1) == [ids[1]]
    bad = client.get("/api/v1/cases", params={"bbox": "x"}, headers=d.headers("tr-officer"))
    assert bad.status_code == 400
    assert bad.json()["field"] == "bbox"
    assert client.get("/api/v1/cases").status_code == 401


def test_out_of_range_paging_and_dates_are_answered_not_crashed(
    client: TestClient, mechanism: Mechanism
) -> None:
    headers = {"Authorization": f"Bearer {mechanism.token('pk-officer')}"}
    for query in ("offset=100000000000000000000", "offset=9223372036854775808", "limit=501"):
        answer = client.get(f"/api/v1/cases?{query}", headers=headers)
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    for query in (
        "offset=9223372036854775807",
        "since=0001-01-01T00:00:00Z",
        "until=9999-12-31T23:59:59Z",
        "since=9999-12-31T23:59:59%2B14:00",
        "until=0001-01-01T00:00:00-14:00",
    ):
        answer = client.get(f"/api/v1/cases?{query}", headers=headers)
        assert answer.status_code == 200, (query, answer.text)
        assert answer.json()["cases"] == []


def test_a_case_is_read_by_its_number_within_its_audience(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    first = d.post("pk-officer", "case.lodge", lodge_body("AF"))
    second = d.post("af-officer", "case.lodge", lodge_body("PK"), audience=["PK", "TR", "QA"])
    for reader in ("pk-officer", "af-officer", "tr-officer"):
        by_number = d.get(reader, "/api/v1/cases/number/2")
        assert by_number == d.get(reader, f"/api/v1/cases/{second['index']}")
        assert by_number["case"]["number"] == 2
        assert d.get(reader, "/api/v1/cases/number/1")["case"]["id"] == first["index"]
    hidden = d.get("sec-clerk", "/api/v1/cases/number/2", expect=404)
    assert hidden["detail"] == "no case number 2 that SEC may see"
    assert d.get("pk-officer", "/api/v1/cases/number/3", expect=404)
    assert d.get("pk-officer", "/api/v1/cases/number/0", expect=400)["field"] == "number"
