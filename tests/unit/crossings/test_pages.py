"""The crossings pages: every crossing's state now, and one crossing's history."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.unit.demo_pages import DELEGATES


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_the_pages_render_for_every_role(browsers: dict[str, TestClient], who: str) -> None:
    for path in ("/crossings", "/crossings/torkham"):
        answer = browsers[who].get(path)
        assert answer.status_code == 200, path
        assert "<caption>" in answer.text


def test_crossings_with_their_history(browsers: dict[str, TestClient]) -> None:
    browser = browsers["af-officer"]
    listed = browser.get("/crossings").text
    assert 'href="/crossings/torkham"' in listed
    assert re.search(r"closed to trade for \d+ days so far", listed)
    page = browser.get("/crossings/torkham").text
    assert page.count("<time") >= 3
    assert re.search(r"closed to trade for \d+ days", page)
    assert browser.get("/crossings/nowhere").status_code == 404
