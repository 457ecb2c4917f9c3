"""Case numbers are the mechanism's own sequence (issue 15, point 8): 1, 2, 3 … in log
order, a counter-claim taking the next, with the log index beside it on every page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.functional.support import Delegations
from tests.functional.test_access_matrix import lodge
from tests.mechanism import Mechanism
from tests.unit.web_app import app_settings, browsers

__all__ = ["app_settings", "browsers"]  # fixtures


def test_cases_are_numbered_in_log_order_whoever_lodges_them(
    client: TestClient, mechanism: Mechanism, browsers: Any
) -> None:
    d = Delegations(client, mechanism)
    first = d.post("pk-officer", "case.lodge", lodge("AF", "first"))
    d.post("tr-officer", "statement.publish", {"title": "T", "text": "x", "language": "en"})
    second = d.post("af-officer", "case.lodge", lodge("PK", "second"))
    counter = {
        "position": "counter_claim",
        "statement": "It was the other way round.",
        "language": "en",
        "counter_case": lodge("PK", "counter"),
    }
    answer = d.post("af-root", "case.respond", counter, refs=(first["leaf_hash"],))
    listed = d.get("qa-root", "/api/v1/cases", limit=10)["cases"]
    by_index = {row["id"]: row["number"] for row in listed}
    assert by_index == {first["index"]: 1, second["index"]: 2, answer["index"]: 3}
    for name in ("pk-root", "af-root"):
        page = browsers(name).client.get(f"/cases/{second['index']}").text
        assert f'Case 2 <span class="log-index">(log entry {second["index"]})</span>' in page
