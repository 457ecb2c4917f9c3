"""The keys page and the statements page, for every role of the demo: each form only
for a role that may sign it, the others told who does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.unit.demo_pages import DELEGATES, browsers, demo

__all__ = ["browsers", "demo"]

#: Who may sign a member.key act: a head, or the secretariat's staff for its own.
KEY_SIGNERS = {"pk-head", "af-head", "tr-head", "qa-head", "sec-clerk"}


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_the_keys_page_offers_its_forms_only_to_heads(
    browsers: dict[str, TestClient], who: str
) -> None:
    page = browsers[who].get("/keys")
    assert page.status_code == 200
    member = DELEGATES[who][0]
    assert f"{member.lower()}-" in page.text or member == "SEC"  # the member's own keys
    assert ('id="register-form"' in page.text) == (who in KEY_SIGNERS)
    assert ("Your head registers and revokes" in page.text) == (who not in KEY_SIGNERS)
    assert 'id="revoke-form"' not in page.text


@pytest.mark.parametrize("who", sorted(DELEGATES))
def test_the_statements_page_offers_its_form_to_those_who_sign_statements(
    browsers: dict[str, TestClient], who: str
) -> None:
    page = browsers[who].get("/statements")
    assert page.status_code == 200
    observer = who.endswith("observer")
    assert ('id="statement-form"' in page.text) == (not observer)


def test_a_root_key_is_not_revoked_from_the_page(browsers: dict[str, TestClient]) -> None:
    head = browsers["af-head"]
    listed = head.get("/keys").text
    rows = listed.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr ")
    root_rows = [row for row in rows if ">root</th>" in row and "<td>0</td>" in row]
    assert root_rows
    assert all("Revoke" not in row for row in root_rows)
