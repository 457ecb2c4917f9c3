"""A fresh mechanism and signed-in browsers, for the tests of this concept's pages, and
the default scenario for the tests of its rules."""

from pathlib import Path

import pytest

from tests.unit.web_app import app_settings, browsers, visitor
from truce.scenario.rules import Scenario, load_scenario

__all__ = ["app_settings", "browsers", "scenario", "visitor"]

SCENARIO_DIR = Path(__file__).resolve().parents[3] / "scenarios" / "istanbul-2025"


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    """The default scenario, as it ships."""
    return load_scenario(SCENARIO_DIR)
