"""The publication policy of a scenario: what it says, and every mistake at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from truce.errors import ScenarioError
from truce.scenario.rules import check_scenario, load_scenario, parse_scenario

DEFAULT = Path(__file__).parents[3] / "scenarios" / "istanbul-2025" / "mechanism.toml"


def _line_of(text: str, fragment: str) -> int:
    found = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(found) == 1, (fragment, found)
    return found[0]


def test_the_default_policy_publishes_statements_rulings_censures_and_reports() -> None:
    policy = load_scenario(DEFAULT).publication
    assert policy is not None
    assert policy.may_address("statement.publish")
    assert not policy.may_address("case.lodge")
    assert not policy.may_address("member.key")
    ruling = policy.facts_of("case.rule")
    assert ruling is not None
    assert ruling.fields == ["case_number", "date", "outcome", "violator"]
    penalty = policy.facts_of("case.penalty")
    assert penalty is not None
    assert penalty.steps == ["public-censure"]
    assert policy.facts_of("case.finding") is None
    assert policy.reports


def test_a_scenario_without_a_policy_publishes_nothing_and_keeps_its_genesis_body() -> None:
    text = DEFAULT.read_text(encoding="utf-8")
    scenario = parse_scenario(text[: text.index("# -- publication")])
    assert scenario.publication is None
    assert "publication" not in scenario.model_dump(mode="json")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'addressable = ["statement.publish"]',
            'addressable = ["statement.publish", "case.lodge"]',
            "'case.lodge' is not one of the kinds that may be public",
        ),
        (
            'addressable = ["statement.publish"]',
            'addressable = ["statement.publish", "case.gossip"]',
            "unknown act kind 'case.gossip'",
        ),
        ('kind = "case.rule"', 'kind = "case.finding"', "with published facts"),
        (
            'fields = ["case_number", "date", "outcome", "violator"]',
            'fields = ["case_number", "reasons"]',
            "case.rule has no fact 'reasons'",
        ),
        ('steps = ["public-censure"]', 'steps = ["public-shaming"]', "unknown penalty step"),
    ],
)
def test_an_unknown_kind_fact_or_step_is_refused_at_its_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = DEFAULT.read_text(encoding="utf-8").replace(old, new)
    path = tmp_path / "mechanism.toml"
    path.write_text(text, encoding="utf-8")
    errors = [p for p in check_scenario(path) if p.severity == "error"]
    assert len(errors) == 1, errors
    problem = errors[0]
    assert message in problem.message
    assert problem.location.startswith("publication.")
    assert problem.line == _line_of(text, new)
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_an_unknown_key_of_the_policy_is_refused() -> None:
    text = DEFAULT.read_text(encoding="utf-8").replace("reports = true", "report = true")
    with pytest.raises(ScenarioError, match="unknown key 'report'; did you mean 'reports'"):
        parse_scenario(text)
