"""The publication policy applied to every act kind and every audience, one act at a time.

:func:`truce.public.rules.published` is the one gate between an act and the public
record. Each kind of the permission table, addressed to each kind of audience, carries a
marker in every free-text field of its body: the gate lets out exactly the fields the
default scenario's policy names, and the marker only where a statement was addressed to
the public.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.functional.test_permission_table import BODIES
from truce.ledger.envelope import Audience
from truce.public.rules import published
from truce.scenario.rules import load_scenario
from truce.verify.registry import GENESIS, PERMISSIONS

POLICY = load_scenario(
    Path(__file__).parents[3] / "scenarios" / "istanbul-2025" / "mechanism.toml"
).publication
MARK = "MARK-NEVER-PUBLIC"
#: Fields whose values are identifiers the policy may publish (not free text).
NAMED = {"outcome", "violator", "member", "step", "language", "clauses", "to", "role"}
AUDIENCES: tuple[Audience, ...] = ("all", "mediators", ("AF", "TR"), ("PK",), "public")
AT = datetime(2025, 11, 9, 12, 0, tzinfo=UTC)


def _marked(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _marked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v, key) for v in value]
    if isinstance(value, str) and key not in NAMED:
        return f"{value} {MARK}"
    return value


def _expected(kind: str, audience: Audience, body: dict[str, Any]) -> set[str] | None:
    """What the default policy publishes, written out by hand."""
    if kind == "statement.publish" and audience == "public":
        return {"title", "text", "language"}
    if audience not in ("all", "public"):
        return None
    if kind == "case.rule":
        return {"case_number", "date", "outcome", "violator"}
    if kind == "case.penalty" and body["step"] == "public-censure":
        return {"case_number", "date", "member", "step"}
    return None


@pytest.mark.parametrize("kind", sorted(set(PERMISSIONS) - {GENESIS}))
@pytest.mark.parametrize("audience", AUDIENCES, ids=str)
def test_every_kind_and_audience_lets_out_exactly_what_the_policy_names(
    kind: str, audience: Audience
) -> None:
    bodies = [BODIES[kind]]
    if kind == "case.penalty":
        bodies = [BODIES[kind] | {"step": step} for step in ("formal-notice", "public-censure")]
    for plain in bodies:
        body = _marked(plain)
        shown = published(POLICY, kind, audience, body, AT, case_number=7)
        wanted = _expected(kind, audience, plain)
        if wanted is None:
            assert shown is None, (kind, audience, shown)
            continue
        assert shown is not None
        assert set(shown) == wanted
        leaks = MARK in repr(shown)
        assert leaks == (kind == "statement.publish"), shown
        if "case_number" in shown:
            assert (shown["case_number"], shown["date"]) == (7, "2025-11-09")


def test_without_a_policy_nothing_is_published() -> None:
    for kind in set(PERMISSIONS) - {GENESIS}:
        for audience in AUDIENCES:
            assert published(None, kind, audience, BODIES[kind], AT) is None
