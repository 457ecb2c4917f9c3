"""The log page: checkpoints, witnesses' last cosignatures, the browser's check."""

from __future__ import annotations

import base64
from typing import Any

from tests.mechanism import Mechanism
from tests.unit.web_app import Browser


def test_the_log_page_lists_checkpoints_and_witnesses(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    officer.act({"kind": "statement.publish", "title": "T", "text": "x"})
    note = officer.client.get("/log/v1/checkpoint").text
    size = int(note.splitlines()[1])
    root = note.splitlines()[2]
    html = officer.page("/log").text
    assert f'<th scope="row">{size}</th>' in html
    assert root in html
    assert len(base64.b64decode(root)) == 32
    assert "data-log-verify" in html
    for member in mechanism.scenario.witnesses:
        assert f"({member.code})</th>" in html
    assert "never" in html


def test_the_check_is_given_the_previous_checkpoint(browsers: Any) -> None:
    officer: Browser = browsers("pk-officer")
    officer.act({"kind": "statement.publish", "title": "T", "text": "x"})
    first = officer.client.get("/log/v1/checkpoint").text.splitlines()
    officer.act({"kind": "statement.publish", "title": "U", "text": "y"})
    html = officer.page("/log").text
    verify = html.split("data-log-verify", 1)[1].split(">", 1)[0]
    assert f'data-previous-size="{first[1]}"' in verify
    assert f'data-previous-root="{first[2]}"' in verify


def test_the_log_page_shows_the_verifier_keys(browsers: Any, mechanism: Mechanism) -> None:
    officer: Browser = browsers("pk-officer")
    keys = officer.client.get("/log/v1/").json()
    html = officer.page("/log").text
    shown = [part.split("<", 1)[0] for part in html.split("data-vkey>")[1:]]
    assert shown == [keys["log"]["vkey"], *(w["vkey"] for w in keys["witnesses"])]
    assert len(shown) == 1 + len(mechanism.scenario.witnesses)
    assert 'href="/log/v1/"' in html
