"""Concepts register their checks and projections by act kind; the log names none."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from truce.log import projections, registry
from truce.log.books import is_checked
from truce.verify.registry import PERMISSIONS

#: Kinds that change no table beyond the generic ``acts`` row.
UNPROJECTED = {"statement.publish"}


def test_every_kind_a_delegate_signs_has_its_projection_handler() -> None:
    registry.load_concepts()
    assert set(PERMISSIONS) - set(projections.HANDLERS) == UNPROJECTED


def test_the_workflow_kinds_are_checked_by_their_concepts_book() -> None:
    assert sorted(registry.books()) == [
        "case.",
        "compliance.",
        "crossing.",
        "joint.",
        "media.",
        "report.",
    ]
    assert is_checked("case.respond")
    assert is_checked("crossing.status")
    assert is_checked("media.item")
    assert is_checked("report.approve")
    assert not is_checked("member.key")
    assert registry.projected_before("media.corroborate") >= {"media.item", "case.lodge"}
    assert registry.projected_before("case.respond") == frozenset()


def test_every_entry_point_registers_something() -> None:
    """Each module the package names adds checks or handlers: none is dead wiring."""
    registry.load_concepts()
    for entry in entry_points(group=registry.GROUP):
        module = importlib.import_module(entry.value)
        registers = [
            name
            for name, value in vars(module).items()
            if value in registry.books().values()
            or value in projections.HANDLERS.values()
            or value in projections.FOLLOWERS
        ]
        assert registers, f"{entry.name} ({entry.value}) registers no book, handler or follower"


def test_a_second_book_for_the_same_kinds_is_refused() -> None:
    first = registry.books()["case."]

    class Other:
        pass

    with pytest.raises(ValueError, match="already checked"):
        registry.checks("case.")(Other)  # type: ignore[arg-type]
    assert registry.books()["case."] is first


def test_importing_admission_and_the_registry_loads_no_concept() -> None:
    """The concepts arrive through the entry points, when first needed, not by import."""
    program = (
        "import sys\n"
        "import truce.log.admission, truce.log.books, truce.log.projections\n"
        "print(sorted(m for m in sys.modules if m.split('.')[1:2] in "
        "(['cases'], ['compliance'], ['crossings'], ['joint'], ['media'], ['notify'], "
        "['reports'])))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
