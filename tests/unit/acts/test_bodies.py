"""Act kinds: body shapes, and the documented permission table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from truce.acts import bodies
from truce.acts.bodies import (
    BODY_MODELS,
    PATTERN_WORDS,
    FileRef,
    LodgeBody,
    MediaIncident,
    PressReport,
    _web_url,
    parse_body,
)
from truce.acts.text import content_hash
from truce.errors import MalformedActError
from truce.ledger.jcs import MAX_SAFE_INTEGER
from truce.scenario.rules import Scenario
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


def _integer_nodes(node: object, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every integer schema in a JSON Schema, with where it is."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            yield where, node
        for key, value in node.items():
            yield from _integer_nodes(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _integer_nodes(value, f"{where}/{index}")


BODY_SCHEMAS: dict[str, Any] = {**BODY_MODELS, "mechanism.genesis": Scenario}


def _metadata(annotation: object) -> Iterator[object]:
    """The ``Annotated`` metadata anywhere in a type (``Url | None`` included)."""
    yield from getattr(annotation, "__metadata__", ())
    for arg in get_args(annotation):
        yield from _metadata(arg)


@pytest.mark.parametrize("kind", sorted(BODY_SCHEMAS))
def test_every_integer_of_every_act_body_is_bounded(kind: str) -> None:
    """An integer field without bounds could carry a number other JSON libraries read
    differently (beyond ±(2**53 - 1)) or one no rule expects (a negative size)."""
    schema = BODY_SCHEMAS[kind].model_json_schema()
    for where, node in _integer_nodes(schema, kind):
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        assert low is not None, f"{where}: no lower bound"
        assert low >= 0, f"{where}: negative"
        assert high is not None, f"{where}: no upper bound"
        assert high <= MAX_SAFE_INTEGER, f"{where}: beyond the I-JSON bound"


def test_the_walk_finds_the_integers_it_must() -> None:
    """The walk sees nested, optional and union integers (so the test above can fail)."""
    found = [where for where, _ in _integer_nodes(Scenario.model_json_schema(), "")]
    assert any("ruling_quorum" in where for where in found)
    assert any("witness_quorum" in where for where in found)
    paths = [where for where, _ in _integer_nodes(LodgeBody.model_json_schema(), "")]
    assert any("soldiers" in path for path in paths)
    bare = [where for where, _ in _integer_nodes({"properties": {"n": {"type": "integer"}}}, "")]
    assert bare == ["/properties/n"]


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        (
            "case.penalty",
            {"member": "PK", "step": "warning", "prior_violations": 100_001},
            "prior_violations",
        ),
        (
            "media.corroborate",
            {"cluster": 2**53, "items": [{"item": "0" * 64}]},
            "cluster",
        ),
        (
            "case.evidence",
            {
                "files": [{"sha256": "0" * 64, "media_type": "image/png", "size": 2**40 + 1}],
                "description": "d",
                "language": "en",
            },
            "files.0.size",
        ),
    ],
)
def test_integers_beyond_their_bound_are_refused(
    kind: str, body: dict[str, Any], field: str
) -> None:
    with pytest.raises(MalformedActError, match="less than or equal") as caught:
        parse_body(kind, body)
    assert caught.value.field == f"body.{field}"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("javascript:alert(1)", "not a javascript: URL"),
        ("JavaScript:alert(1)", "not a javascript: URL"),
        ("data:text/html;base64,PHNjcmlwdD4=", "not a data: URL"),
        ("file:///etc/passwd", "not a file: URL"),
        ("vbscript:msgbox", "not a vbscript: URL"),
        ("//example.org/x", "absolute http:// or https:// URL with a host"),
        ("https://", "absolute http:// or https:// URL with a host"),
        ("https://example.org/a b", "absolute http:// or https:// URL with a host"),
        ("\x01javascript:alert(1)", "absolute http:// or https:// URL with a host"),
    ],
)
def test_links_of_other_schemes_are_refused_in_every_link_field(url: str, said: str) -> None:
    """``media.item``'s url and a corroboration's press reports share one validator."""
    text = "An article."
    item = {"content_hash": content_hash(text), "text": text, "url": url}
    with pytest.raises(MalformedActError, match=said) as caught:
        parse_body("media.item", item)
    assert caught.value.field == "body.url"
    report = {"cluster": 1, "items": [{"item": "0" * 64, "url": url}]}
    with pytest.raises(MalformedActError, match=said) as caught:
        parse_body("media.corroborate", report)
    assert caught.value.field == "body.items.0.url"


def test_every_link_field_uses_the_one_validator() -> None:
    """A field named like a link is typed :data:`Url` (so it cannot miss the check)."""
    seen = 0
    for model in {*BODY_MODELS.values(), PressReport, MediaIncident, FileRef}:
        for name, info in model.model_fields.items():
            if name in ("url", "link", "href", "source_url"):
                seen += 1
                assert _web_url in [getattr(m, "func", None) for m in _metadata(info.annotation)], (
                    f"{model.__name__}.{name}"
                )
    assert seen >= 2


def test_web_links_are_admitted() -> None:
    text = "An article."
    for url in ("https://example.org/a?b=c#d", "HTTP://EXAMPLE.ORG", "http://[::1]:8080/"):
        parse_body("media.item", {"content_hash": content_hash(text), "text": text, "url": url})


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        ("case.request_info", {"to": "pk", "questions": "?", "language": "en"},
         "case.request_info body: to: should be a member code in capitals, such as PK or TR"),
        ("statement.publish", {"title": "T", "text": "x", "language": "Urdu"},
         "statement.publish body: language: should be a language code such as en, ur, ps or prs"),
        ("case.extend", {"deadline": "response", "deadline_at": "2025-11-20 08:00",
                         "reason": "x", "language": "en"},
         "case.extend body: deadline_at: should be a time in UTC such as 2025-11-06T10:30:00Z"),
    ],
)  # fmt: skip
def test_a_pattern_is_refused_in_words(kind: str, body: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedActError) as refused:
        parse_body(kind, body)
    assert refused.value.message == message
    assert "pattern" not in refused.value.message


def _patterns(annotation: Any) -> Iterator[str]:
    """Every string pattern in a type annotation, through Annotated, unions and lists."""
    for part in (*getattr(annotation, "__metadata__", ()), *get_args(annotation)):
        pattern = getattr(part, "pattern", None)
        if isinstance(pattern, str):
            yield pattern
        elif part is not annotation:
            yield from _patterns(part)


def test_every_pattern_of_the_bodies_is_said_in_words() -> None:
    models = [m for m in vars(bodies).values() if isinstance(m, type) and issubclass(m, BaseModel)]
    patterns = {
        pattern
        for model in models
        for field in model.model_fields.values()
        for pattern in (
            *(c.pattern for c in field.metadata if isinstance(getattr(c, "pattern", None), str)),
            *_patterns(field.annotation),
        )
    }
    assert r"^[A-Z]{2,4}$" in patterns, "the walk missed the member code"
    assert patterns <= set(PATTERN_WORDS), patterns - set(PATTERN_WORDS)
