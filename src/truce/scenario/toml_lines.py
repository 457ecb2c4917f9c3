"""Find the line of a TOML document on which a value was written.

``tomllib`` parses TOML into plain dicts and lists and keeps no positions, yet a person
fixing a scenario file needs "line 42", not "places.5.lat". This module scans the
source text once and records, for every location it can see, the 1-based line where
that location starts:

- a table header ``[a.b]`` gives the location ``("a", "b")``;
- an array-of-tables header ``[[x]]`` gives ``("x", n)`` for its n-th occurrence
  (counting from 0), and ``[[x.y]]`` after it gives ``("x", n, "y", m)``;
- a key line ``k = v`` (also a dotted key ``k.j = v``) gives the enclosing table's
  location plus the key parts;
- inside a value, each element of an array gives ``(..., i)`` and each key of an inline
  table gives ``(..., key)``, on the line where that element or key starts.

A location that was not written explicitly (a missing key, an element of a value that
is not a table) falls back to the nearest enclosing location that was, so a missing
``name`` in the third ``[[members]]`` points at that ``[[members]]`` header. The scan
is lenient: it never raises, and on text it cannot follow it skips to the next line.
Syntax errors are ``tomllib``'s to report.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Sequence

Key = str | int
Location = tuple[Key, ...]
_Recorder = Callable[[Location, int, bool], None]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_INLINE_SPACE = " \t"
_SCALAR_END = ",]}#\r\n"


class TomlLineIndex:
    """The lines of every location written in one TOML source text."""

    def __init__(self, source: str) -> None:
        self._explicit: dict[Location, int] = {}
        self._implicit: dict[Location, int] = {}
        _Scanner(source, self._record).run()

    def _record(self, location: Location, line: int, explicit: bool) -> None:
        if explicit:
            self._explicit[location] = line
        else:
            self._implicit.setdefault(location, line)

    def line_of(self, location: Sequence[Key]) -> int | None:
        """The line of ``location``, or of its nearest enclosing written location.

        Returns ``None`` only when nothing enclosing it was written (for example a
        missing top-level table): the document root has no line of its own.
        """
        path = tuple(location)
        while path:
            found = self._explicit.get(path) or self._implicit.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return None


def locate(source: str, location: Sequence[Key]) -> int | None:
    """The line of ``location`` in ``source``; see :meth:`TomlLineIndex.line_of`."""
    return TomlLineIndex(source).line_of(location)


class _Scanner:
    """A forgiving recursive-descent walk over TOML text that reports positions only."""

    def __init__(self, text: str, record: _Recorder) -> None:
        self.text = text
        self.pos = 0
        self.record = record
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.table: Location = ()
        self.arrays: dict[Location, int] = {}

    # -- positions ------------------------------------------------------------------

    def line(self, pos: int | None = None) -> int:
        return bisect.bisect_right(self.line_starts, self.pos if pos is None else pos)

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def skip_inline_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _INLINE_SPACE:
            self.pos += 1

    def skip_to_next_line(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end + 1

    def skip_space_and_comments(self) -> None:
        """Skip whitespace, newlines and comments (inside arrays and between statements)."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                self.skip_to_next_line()
            else:
                return

    # -- statements -----------------------------------------------------------------

    def run(self) -> None:
        while True:
            self.skip_space_and_comments()
            if self.pos >= len(self.text):
                return
            start = self.pos
            if self.peek(2) == "[[":
                self.header(array=True)
            elif self.peek() == "[":
                self.header(array=False)
            else:
                self.key_value(self.table)
            if self.pos <= start:
                self.skip_to_next_line()
            else:
                self.finish_line()

    def finish_line(self) -> None:
        """After a statement only a comment may follow; skip it (or any garbage)."""
        self.skip_inline_space()
        if self.pos < len(self.text) and self.text[self.pos] != "\n":
            self.skip_to_next_line()

    def header(self, *, array: bool) -> None:
        line = self.line()
        self.pos += 2 if array else 1
        keys = self.key()
        self.skip_inline_space()
        closing = "]]" if array else "]"
        if not keys or self.peek(len(closing)) != closing:
            self.skip_to_next_line()
            return
        self.pos += len(closing)
        prefix = self.resolve(keys[:-1], line) if array else ()
        if array:
            path = (*prefix, keys[-1])
            index = self.arrays.get(path, 0)
            self.arrays[path] = index + 1
            self.record(path, line, False)
            self.table = (*path, index)
        else:
            self.table = self.resolve(keys, line)
        self.record(self.table, line, True)

    def resolve(self, keys: Sequence[str], line: int) -> Location:
        """Turn header keys into a location, entering the latest element of each array."""
        path: Location = ()
        for key in keys:
            path = (*path, key)
            self.record(path, line, False)
            if path in self.arrays:
                path = (*path, self.arrays[path] - 1)
        return path

    def key_value(self, table: Location) -> None:
        line = self.line()
        keys = self.key()
        self.skip_inline_space()
        if not keys or self.peek() != "=":
            return
        self.pos += 1
        for depth in range(1, len(keys)):
            self.record((*table, *keys[:depth]), line, False)
        path = (*table, *keys)
        self.record(path, line, True)
        self.value(path)

    def key(self) -> list[str]:
        """A possibly dotted key: bare, "basic" or 'literal' parts separated by dots."""
        parts: list[str] = []
        while True:
            self.skip_inline_space()
            char = self.peek()
            if char == '"':
                raw = self.basic_string()
                try:
                    parts.append(str(json.loads(raw)))
                except ValueError:
                    parts.append(raw[1:-1])
            elif char == "'":
                parts.append(self.literal_string()[1:-1])
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if match is None:
                    return parts
                parts.append(match.group())
                self.pos = match.end()
            self.skip_inline_space()
            if self.peek() != ".":
                return parts
            self.pos += 1

    # -- values ---------------------------------------------------------------------

    def value(self, path: Location) -> None:
        self.skip_inline_space()
        char = self.peek()
        if char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif self.peek(3) in ('"""', "'''"):
            self.multiline_string(self.peek(3))
        elif char == '"':
            self.basic_string()
        elif char == "'":
            self.literal_string()
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1

    def array(self, path: Location) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_space_and_comments()
            if self.pos >= len(self.text) or self.peek() == "]":
                self.pos += 1
                return
            start = self.pos
            self.record((*path, index), self.line(), True)
            self.value((*path, index))
            self.skip_space_and_comments()
            if self.peek() == ",":
                self.pos += 1
                index += 1
            elif self.peek() != "]" or self.pos <= start:
                return

    def inline_table(self, path: Location) -> None:
        self.pos += 1
        while True:
            self.skip_space_and_comments()
            if self.pos >= len(self.text) or self.peek() == "}":
                self.pos += 1
                return
            start = self.pos
            self.key_value(path)
            self.skip_space_and_comments()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "}" or self.pos <= start:
                return

    def basic_string(self) -> str:
        start = self.pos
        self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] not in '"\n':
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        self.pos = min(self.pos + 1, len(self.text))
        return self.text[start : self.pos]

    def literal_string(self) -> str:
        start = self.pos
        end = self.text.find("'", self.pos + 1)
        newline = self.text.find("\n", self.pos + 1)
        if end < 0 or 0 <= newline < end:
            end = len(self.text) - 1 if newline < 0 else newline - 1
        self.pos = end + 1
        return self.text[start : self.pos]

    def multiline_string(self, quotes: str) -> None:
        self.pos += 3
        while self.pos < len(self.text):
            if quotes == '"""' and self.text[self.pos] == "\\":
                self.pos += 2
            elif self.text.startswith(quotes, self.pos):
                self.pos += 3
                # Up to two quotes right before the delimiter belong to the content.
                for _ in range(2):
                    if self.peek() == quotes[0]:
                        self.pos += 1
                return
            else:
                self.pos += 1
