"""The joint-action page: requests for joint action by status."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.unit.demo_pages import DELEGATES


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_the_page_renders_for_every_role(browsers: dict[str, TestClient], who: str) -> None:
    answer = browsers[who].get("/joint-actions")
    assert answer.status_code == 200
    assert "<caption>" in answer.text


def test_joint_actions_by_status(browsers: dict[str, TestClient]) -> None:
    browser = browsers["tr-head"]
    page = browser.get("/joint-actions").text
    assert "1 request for joint action" in page
    shown = re.search(r'class="status joint-(\w+)"', page)
    assert shown is not None
    status = shown.group(1)
    assert "1 request for joint action" in browser.get(f"/joint-actions?status={status}").text
    other = next(s for s in ("open", "answered", "overdue") if s != status)
    assert "0 requests for joint action" in browser.get(f"/joint-actions?status={other}").text
    assert browser.get("/joint-actions?status=lost").status_code == 400
