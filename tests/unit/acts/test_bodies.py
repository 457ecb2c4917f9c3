"""Act kinds: body shapes, and the documented permission table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from truce.acts.bodies import parse_body
from truce.errors import MalformedActError
from truce.verify.registry import PERMISSIONS, ROLES

DOCS = Path(__file__).parents[3] / "docs" / "acts.md"


def test_the_documented_permission_table_is_the_enforced_one() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("<!-- permissions:start -->")[1].split("<!-- permissions:end -->")[0]
    rows = [line for line in table.strip().splitlines()[2:] if line.startswith("|")]
    documented = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        kind = re.sub(r"`", "", cells[0])
        documented[kind] = frozenset(
            role for role, cell in zip(ROLES, cells[1:], strict=True) if cell == "yes"
        )
    assert documented == PERMISSIONS


def test_bodies_are_validated_by_kind() -> None:
    parse_body("statement.publish", {"title": "t", "text": "x", "language": "ps"})
    with pytest.raises(MalformedActError, match="language"):
        parse_body("statement.publish", {"title": "t", "text": "x", "language": "Pashto"})
    with pytest.raises(MalformedActError, match="action"):
        parse_body(
            "member.key",
            {"action": "promote", "delegate": "d", "role": "head", "public_key": "A" * 43},
        )
    with pytest.raises(MalformedActError):
        parse_body("member.key", {"action": "register"})
    assert parse_body("mechanism.genesis", {"anything": 1}) is None
