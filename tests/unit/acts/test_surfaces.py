"""Every act kind a person may sign has a web form and a ``truce`` command.

The table (:data:`truce.acts.surfaces.SURFACES`) is walked against the permission table:
a kind added to :data:`truce.verify.registry.PERMISSIONS` without a form and a command
fails here, naming the kind and the role. Each entry is then checked against what exists:
the page is a route of the web application, its template holds the kind's form, and the
command is a command of ``truce``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import typer
from fastapi.routing import APIRoute

from truce.acts.surfaces import MACHINE_ROLES, SURFACES, missing, person_roles
from truce.cases.rules import CASE_STEPS
from truce.cli.main import app as cli_app
from truce.verify.registry import GENESIS, PERMISSIONS
from truce.web.deps import CONCEPT_TEMPLATES

SOURCE = Path(__file__).resolve().parents[3] / "src" / "truce"


def _page_routes() -> set[str]:
    paths: set[str] = set()
    for module_file in sorted(SOURCE.glob("*/pages*.py")):
        module = importlib.import_module(f"truce.{module_file.parent.name}.{module_file.stem}")
        paths |= {route.path for route in module.router.routes if isinstance(route, APIRoute)}
    return paths


def _command(words: tuple[str, ...]) -> object:
    group = typer.main.get_command(cli_app)
    context = typer.Context(group)
    command: object = group
    for word in words:
        found = command.get_command(context, word) if hasattr(command, "get_command") else None
        if found is None:
            return None
        command = found
    return command


def test_every_kind_a_person_signs_has_a_form_and_a_command() -> None:
    gaps = missing()
    assert not gaps, "\n".join(
        f"{kind} may be signed by a {role} but has no web form and no truce command: "
        "add its form and command to truce.acts.surfaces.SURFACES"
        for kind, role in gaps
    )


def test_a_kind_without_its_entry_is_named_with_each_role_that_signs_it() -> None:
    partial = {kind: surface for kind, surface in SURFACES.items() if kind != "crossing.status"}
    assert missing(partial) == [
        ("crossing.status", "head"),
        ("crossing.status", "officer"),
        ("crossing.status", "secretariat"),
    ]


def test_a_kind_only_a_process_signs_needs_no_form() -> None:
    machine_only = [kind for kind in PERMISSIONS if not person_roles(kind)]
    assert machine_only == ["case.lapse"]
    assert PERMISSIONS["case.lapse"] <= MACHINE_ROLES
    assert "case.lapse" not in SURFACES
    assert set(SURFACES) == set(PERMISSIONS) - {GENESIS, *machine_only}


@pytest.mark.parametrize("kind", sorted(SURFACES))
def test_each_form_is_on_a_page_of_the_application(kind: str) -> None:
    surface = SURFACES[kind]
    assert surface.page in _page_routes(), f"{kind}: no page at {surface.page}"
    concept, name = surface.template.split("/", 1)
    text = (CONCEPT_TEMPLATES[concept] / name).read_text(encoding="utf-8")
    if surface.template == "cases/case.html":
        # the case page offers each step of CASE_STEPS that next_steps allows
        assert kind in CASE_STEPS
        assert "forms.act_form(kind" in text
    else:
        assert f'act_form("{kind}"' in text, f"{surface.template} holds no {kind} form"


@pytest.mark.parametrize("kind", sorted(SURFACES))
def test_each_command_is_a_command_of_truce(kind: str) -> None:
    words = SURFACES[kind].command
    assert _command(words) is not None, f"{kind}: no command `truce {' '.join(words)}`"
