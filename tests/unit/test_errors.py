"""The error tree: every class documented, every slug unique."""

from __future__ import annotations

import inspect
from pathlib import Path

from truce import errors

DOCS = Path(__file__).parents[2] / "docs" / "errors.md"


def classes() -> list[type[errors.TruceError]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.TruceError) and cls is not errors.TruceError
    ]


def test_slugs_are_unique() -> None:
    slugs = [cls.slug for cls in classes()]
    assert len(slugs) == len(set(slugs))


def test_every_error_is_documented_with_its_status_and_exit_code() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("<!-- errors:start -->")[1].split("<!-- errors:end -->")[0]
    for cls in classes():
        assert f"| `{cls.slug}` | {cls.status} | {cls.exit_code} |" in table, cls.__name__


def test_every_error_appears_in_the_tree_of_the_module_docstring() -> None:
    tree = errors.__doc__ or ""
    for cls in classes():
        assert cls.__name__ in tree, cls.__name__
