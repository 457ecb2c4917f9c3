"""The TOML line locator: headers, arrays of tables, dotted keys, values, fallbacks."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from truce.scenario.toml_lines import Location, TomlLineIndex, locate

SCENARIO = Path(__file__).parents[3] / "scenarios" / "istanbul-2025" / "mechanism.toml"

SOURCE = """\
# a comment [not.a.header]
title = "top"

[server]
host = "localhost"
port = 8080

[server.tls]
cert = "a.pem"

[[members]]
code = "PK"

[[members]]  # the second member
code = "AF"
languages = [
  "ps",   # Pashto
  "fa",
]
point = { lat = 34.1, lon = 71.0 }
site.name = "Torkham"
site."quoted.key" = 1

[members.extra]
note = \"\"\"
[looks.like.a.header]
key = "inside a string"
\"\"\"

[[members.phones]]
number = "1"

[[members.phones]]
number = "2"

[[steps]]
nested = [[1, 2], [3,
  4]]
'literal key' = 'it''s'
after = true
"""

LINES = TomlLineIndex(SOURCE)


@pytest.mark.parametrize(
    ("location", "line"),
    [
        (("title",), 2),
        (("server",), 4),
        (("server", "host"), 5),
        (("server", "port"), 6),
        (("server", "tls"), 8),
        (("server", "tls", "cert"), 9),
        (("members", 0), 11),
        (("members", 0, "code"), 12),
        (("members", 1), 14),
        (("members", 1, "code"), 15),
        (("members", 1, "languages"), 16),
        (("members", 1, "languages", 0), 17),
        (("members", 1, "languages", 1), 18),
        (("members", 1, "point"), 20),
        (("members", 1, "point", "lon"), 20),
        (("members", 1, "site"), 21),
        (("members", 1, "site", "name"), 21),
        (("members", 1, "site", "quoted.key"), 22),
        (("members", 1, "extra"), 24),
        (("members", 1, "extra", "note"), 25),
        (("members", 1, "phones", 0), 30),
        (("members", 1, "phones", 0, "number"), 31),
        (("members", 1, "phones", 1, "number"), 34),
        (("steps", 0), 36),
        (("steps", 0, "nested", 1, 1), 38),
        (("steps", 0, "literal key"), 39),
        (("steps", 0, "after"), 40),
    ],
)
def test_written_locations(location: Location, line: int) -> None:
    assert LINES.line_of(location) == line


@pytest.mark.parametrize(
    ("location", "line"),
    [
        (("members", 1, "name"), 14),  # a missing key: the table's header
        (("members", 1, "languages", 7), 16),  # no such element: the key's line
        (("members", 1, "point", "lat", 0), 20),  # inside a scalar: the key's line
        (("server", "tls", "key"), 8),
        (("members", 1, "phones", 1, "missing"), 33),
    ],
)
def test_unwritten_locations_fall_back_to_the_nearest_enclosing_line(
    location: Location, line: int
) -> None:
    assert LINES.line_of(location) == line


def test_text_inside_strings_and_comments_is_not_a_location() -> None:
    assert LINES.line_of(("looks",)) is None
    assert LINES.line_of(("not",)) is None
    assert LINES.line_of(("members", 1, "extra", "key")) == 24


def test_the_root_and_unknown_tables_have_no_line() -> None:
    assert LINES.line_of(()) is None
    assert LINES.line_of(("nowhere", "at", "all")) is None


def test_a_table_first_seen_implicitly_then_defined_points_at_its_own_header() -> None:
    source = "[a.b]\nx = 1\n\n[a]\ny = 2\n"
    assert locate(source, ("a", "b", "x")) == 2
    assert locate(source, ("a",)) == 4
    assert locate(source, ("a", "z")) == 4


def test_nested_arrays_of_tables_count_per_parent_element() -> None:
    source = "[[p]]\n[[p.q]]\n[[p.q]]\n[[p]]\n[[p.q]]\nv = 1\n"
    assert locate(source, ("p", 0, "q", 1)) == 3
    assert locate(source, ("p", 1)) == 4
    assert locate(source, ("p", 1, "q", 0, "v")) == 6


def test_malformed_text_is_scanned_without_raising() -> None:
    source = 'a = "unterminated\n[t\n= 3\nb = [1, 2\nc = 4\n[[x]]\n'
    index = TomlLineIndex(source)
    assert index.line_of(("a",)) == 1


def _leaves(value: Any, path: Location = ()) -> list[Location]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [path]


def test_every_key_of_the_default_scenario_is_found_on_its_own_line() -> None:
    text = SCENARIO.read_text(encoding="utf-8")
    lines = text.splitlines()
    index = TomlLineIndex(text)
    leaves = _leaves(tomllib.loads(text))
    assert len(leaves) > 500
    for path in leaves:
        line = index.line_of(path)
        assert line is not None, path
        assert lines[line - 1].startswith(f"{path[-1]} ="), (path, line)
