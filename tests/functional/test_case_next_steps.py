"""A case's answer says what the reader may do next on it, by member and role."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.functional.support import Delegations
from tests.functional.test_cases_api import lodge_body
from tests.mechanism import Mechanism


def _steps(d: Delegations, name: str, case_id: int) -> dict[str, dict[str, Any]]:
    answer = d.get(name, f"/api/v1/cases/{case_id}")
    return {step["kind"]: step for step in answer["next_steps"]}


def test_the_case_answer_lists_each_readers_next_steps(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    lodged = d.post("pk-officer", "case.lodge", lodge_body("AF"))
    case_id, ref = lodged["index"], (lodged["leaf_hash"],)

    accused = _steps(d, "af-root", case_id)
    assert set(accused) == {"case.respond", "case.evidence"}
    respond = accused["case.respond"]
    assert (respond["allowed"], respond["awaited"]) == (True, True)
    inbox = d.get("af-root", "/api/v1/inbox")
    assert respond["due"] == next(item["due"] for item in inbox if item["case"] == case_id)

    officer = _steps(d, "af-officer", case_id)["case.respond"]
    assert (officer["allowed"], officer["awaited"]) == (False, True), "only a head responds"
    assert set(_steps(d, "pk-officer", case_id)) == {"case.evidence"}
    assert set(_steps(d, "tr-officer", case_id)) == {"case.evidence"}

    deny = {"position": "deny", "statement": "Our forces did not fire.", "language": "en"}
    d.post("af-root", "case.respond", deny, ref)
    mediator = _steps(d, "tr-officer", case_id)
    assert mediator["case.investigate"]["allowed"]
    assert mediator["case.investigate"]["awaited"]
    assert set(_steps(d, "af-root", case_id)) == {"case.evidence"}
