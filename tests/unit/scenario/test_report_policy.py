"""``[reports]``: who publishes reports and who approves them, checked at its lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.scenario.test_rules import _errors, _minimal, _problems
from truce.scenario.rules import parse_scenario


def test_without_the_table_the_secretariat_publishes_and_the_mediators_approve() -> None:
    scenario = parse_scenario(_minimal())
    assert scenario.report_publishers == (scenario.secretariat.code,)
    assert scenario.report_approvers == tuple(m.code for m in scenario.mediators)
    assert "reports" not in scenario.model_dump(mode="json")


def test_the_table_names_publishers_and_approvers(tmp_path: Path) -> None:
    text = _minimal() + '\n[reports]\npublishers = ["SEC"]\napprovers = ["TR"]\n'
    assert _errors(_problems(tmp_path, text)) == []
    scenario = parse_scenario(text)
    assert (scenario.report_publishers, scenario.report_approvers) == (("SEC",), ("TR",))


@pytest.mark.parametrize(
    ("table", "location", "message"),
    [
        ('publishers = ["SEC"]\napprovers = ["XX"]', "reports.approvers.0", "unknown member 'XX'"),
        ('publishers = ["SEC"]\napprovers = ["TR", "TR"]', "reports.approvers.1", "named twice"),
        ('publishers = ["SEC"]\napprovers = ["SEC"]', "reports.approvers.0",
         "approvers are parties or mediators"),
        ('publishers = ["TR"]\napprovers = ["TR"]', "reports.approvers",
         "both publishes and approves"),
        ('publishers = ["SEC"]\napprovers = []', "reports.approvers", "at least 1 item"),
    ],
)  # fmt: skip
def test_a_bad_policy_is_reported_at_its_line(
    tmp_path: Path, table: str, location: str, message: str
) -> None:
    problems = _errors(_problems(tmp_path, _minimal() + f"\n[reports]\n{table}\n"))
    assert any(p.location == location and message in p.message for p in problems), problems
