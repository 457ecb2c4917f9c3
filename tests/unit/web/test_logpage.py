"""The log page: checkpoints, witnesses' last cosignatures, the browser's check."""

from __future__ import annotations

import base64
from typing import Any

from tests.mechanism import Mechanism
from tests.unit.web.conftest import Browser


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
