"""The scenario's labels: which strings are extracted, catalogues written and merged, and
the translated copy of a scenario that the web application shows."""

from __future__ import annotations

import shutil
import types
import typing
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from pydantic import BaseModel

from tests.mechanism import SCENARIO_DIR
from truce.errors import ScenarioError
from truce.scenario import labels as scenario_labels
from truce.scenario.labels import (
    LABEL_FIELDS,
    ScenarioTranslations,
    catalogue_path,
    check_catalogues,
    labels,
    localize,
    read_catalogue,
    template,
    template_path,
    update_catalogues,
)
from truce.scenario.rules import Scenario, load_scenario

#: Text fields that are deliberately not labels: identifiers, keys, sources, quotations
#: and the agreement's own wording. A new text field must be added here or to LABEL_FIELDS.
NOT_LABELS = {
    ("mechanism", "id"),
    ("mechanism", "origin"),
    ("mechanism", "checkpoint_key"),
    ("mechanism", "sources", "*"),
    ("texts", "*", "id"),
    ("texts", "*", "sources", "*"),
    ("events", "*", "id"),
    ("events", "*", "kind"),
    ("events", "*", "sources", "*"),
    ("members", "*", "code"),
    ("members", "*", "kind"),
    ("members", "*", "root_key"),
    ("members", "*", "witness", "name"),
    ("members", "*", "witness", "url"),
    ("members", "*", "languages", "*"),
    ("members", "*", "time_zone"),
    ("clauses", "*", "id"),
    ("clauses", "*", "text"),
    ("clauses", "*", "binds", "*"),
    ("clauses", "*", "source"),
    ("clauses", "*", "basis"),
    ("clauses", "*", "excerpt"),
    ("clauses", "*", "readings", "*", "by"),
    ("clauses", "*", "readings", "*", "source"),
    ("procedure", "ruling_quorum"),
    ("procedure", "report_time_zone"),
    ("reports", "publishers", "*"),
    ("reports", "approvers", "*"),
    ("penalties", "steps", "*", "id"),
    ("publication", "addressable", "*"),  # act kinds, facts and step ids: identifiers
    ("publication", "facts", "*", "kind"),
    ("publication", "facts", "*", "fields", "*"),
    ("publication", "facts", "*", "steps", "*"),
    ("incident_types", "*", "id"),
    ("places", "*", "id"),
    ("places", "*", "aliases", "*"),
    ("places", "*", "kind"),
    ("places", "*", "country"),
    ("places", "*", "parent"),
    ("places", "*", "opposite"),
    ("places", "*", "time_zone"),
    ("casualties", "categories", "*", "id"),
    ("casualties", "categories", "*", "side"),
    ("casualties", "harms", "*", "id"),
    ("places", "*", "precision"),
    ("places", "*", "source"),
    ("places", "*", "sides", "*", "member"),
    ("demo", "insecure_key_seed"),
}


def _text_fields(model: type[BaseModel], at: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Paths of every field of ``model`` that can hold a string (``*``: a list's entries)."""
    found: set[tuple[str, ...]] = set()
    for name, info in model.model_fields.items():
        found |= _text_paths(info.annotation, (*at, name))
    return found


def _text_paths(annotation: object, at: tuple[str, ...]) -> set[tuple[str, ...]]:
    if annotation is str:
        return {at}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _text_fields(annotation, at)
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is list:
        return _text_paths(arguments[0], (*at, "*"))
    if origin is typing.Annotated:
        return _text_paths(arguments[0], at)
    if origin in (typing.Union, types.UnionType) or origin is typing.Literal:
        if origin is typing.Literal:
            return {at} if any(isinstance(a, str) for a in arguments) else set()
        return set().union(*(_text_paths(argument, at) for argument in arguments))
    return set()


@pytest.fixture(scope="module")
def default() -> Scenario:
    return load_scenario(SCENARIO_DIR)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the default scenario folder, catalogues included."""
    copy = tmp_path / "istanbul-2025"
    shutil.copytree(SCENARIO_DIR, copy, ignore=shutil.ignore_patterns("demo"))
    return copy


def test_every_text_field_of_the_schema_is_a_label_or_deliberately_not() -> None:
    fields = _text_fields(Scenario)
    assert set(LABEL_FIELDS) <= fields, set(LABEL_FIELDS) - fields
    assert fields - set(LABEL_FIELDS) - NOT_LABELS == set()
    assert set(LABEL_FIELDS).isdisjoint(NOT_LABELS)


def test_labels_are_every_label_field_of_the_default_scenario(default: Scenario) -> None:
    found = labels(default)
    by_location = {label.location: label.text for label in found}
    assert by_location[("mechanism", "name")] == default.mechanism.name
    assert by_location[("mechanism", "agreement", "title")] == default.mechanism.agreement.title
    for i, text in enumerate(default.texts):
        assert by_location[("texts", i, "title")] == text.title
    for i, event in enumerate(default.events):
        assert by_location[("events", i, "label")] == event.label
    for i, member in enumerate(default.members):
        assert by_location[("members", i, "name")] == member.name
    for i, clause in enumerate(default.clauses):
        assert by_location[("clauses", i, "title")] == clause.title
        assert ("clauses", i, "text") not in by_location
    for i, step in enumerate(default.penalties.steps):
        assert by_location[("penalties", "steps", i, "name")] == step.name
        assert by_location[("penalties", "steps", i, "description")] == step.description
    for i, kind in enumerate(default.incident_types):
        assert by_location[("incident_types", i, "label")] == kind.label
    for i, place in enumerate(default.places):
        assert by_location[("places", i, "name")] == place.name
        assert by_location.get(("places", i, "admin1")) == place.admin1
    texts = {label.text for label in found}
    assert {"Pakistan", "Torkham", "Armed clash", "Formal notice"} <= texts
    assert not texts & {"PK", "istanbul-2025", "armed_clash", "formal-notice"}
    assert len(found) == len(by_location)


def test_labels_come_in_the_order_of_the_file(default: Scenario) -> None:
    found = [label.location for label in labels(default)]
    assert found[:3] == [
        ("mechanism", "name"),
        ("mechanism", "agreement", "title"),
        ("mechanism", "agreement", "place"),
    ]
    places = [location for location in found if location[0] == "places"]
    assert places[:2] == [("places", 0, "name"), ("places", 0, "admin1")]
    sections = [location[0] for location in found]
    assert sections.index("members") < sections.index("clauses") < sections.index("places")


def test_the_template_points_each_label_to_its_line(folder: Path) -> None:
    lines = (folder / "mechanism.toml").read_text(encoding="utf-8").splitlines()
    catalog = template(folder)
    assert catalog.get("Pakistan") is not None
    for message in catalog:
        if not message.id:
            continue
        assert message.locations, message.id
        for file, line in message.locations:
            assert file == "mechanism.toml"
            assert str(message.id).replace('"', '\\"') in lines[line - 1], (message.id, line)


def test_localize_translates_labels_and_nothing_else(default: Scenario) -> None:
    shown = localize(default, lambda text: f"«{text}»")
    assert shown.member("PK") is not None
    assert shown.member("PK").name == "«Pakistan»"  # type: ignore[union-attr]
    assert shown.incident_types[0].label == f"«{default.incident_types[0].label}»"
    assert shown.penalties.steps[0].description.startswith("«")
    assert shown.events[0].label == f"«{default.events[0].label}»"
    torkham = shown.place("torkham")
    assert torkham is not None
    assert torkham.name == "«Torkham»"
    assert "Torkham" in torkham.aliases
    assert [m.code for m in shown.members] == [m.code for m in default.members]
    assert [c.text for c in shown.clauses] == [c.text for c in default.clauses]
    assert [c.excerpt for c in shown.clauses] == [c.excerpt for c in default.clauses]
    assert shown.mechanism.origin == default.mechanism.origin
    assert default.member("PK").name == "Pakistan"  # type: ignore[union-attr]
    unchanged = localize(default, lambda text: text)
    assert unchanged == default


def test_localize_keeps_a_label_that_translates_to_nothing(default: Scenario) -> None:
    shown = localize(default, lambda text: "" if text == "Qatar" else text)
    assert shown.member("QA").name == "Qatar"  # type: ignore[union-attr]


def test_translations_fall_back_to_the_label_as_written(folder: Path) -> None:
    path = catalogue_path(folder, "ur")
    catalog = read_catalogue(path, "ur")
    catalog["Qatar"].string = ""
    catalog["Türkiye"].flags.add("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog)
    urdu = ScenarioTranslations.load(folder).gettext("ur")
    assert urdu("Pakistan") == "پاکستان"
    assert urdu("Qatar") == "Qatar"
    assert urdu("Türkiye") == "Türkiye"
    assert urdu("not a label") == "not a label"
    assert ScenarioTranslations.load(folder).gettext("xx")("Pakistan") == "Pakistan"
    assert ScenarioTranslations.load(None).gettext("ur")("Pakistan") == "Pakistan"
    coverage = {found.locale: found for found in check_catalogues(folder, ["ur"])}
    assert coverage["ur"].missing == ("Türkiye", "Qatar")
    assert coverage["ur"].fuzzy == 1
    assert not coverage["ur"].complete


def test_update_writes_the_template_and_merges_each_catalogue(folder: Path) -> None:
    toml = folder / "mechanism.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        .replace('label = "Armed clash"', 'label = "Armed clashes"')
        .replace('label = "Other"', 'label = "Something else"'),
        encoding="utf-8",
    )
    results = {found.locale: found for found in update_catalogues(folder, ["ur", "de"])}
    with template_path(folder).open("rb") as handle:
        pot = read_po(handle)
    assert pot.get("Armed clashes") is not None
    assert pot.get("Armed clash") is None
    assert set(results) == {"ar", "de", "fa_AF", "ps", "tr", "ur"}
    assert results["de"].translated == 0
    assert results["de"].total == results["ur"].total == len({m.id for m in pot if m.id})
    assert catalogue_path(folder, "de").is_file()
    urdu = read_catalogue(catalogue_path(folder, "ur"), "ur")
    changed = urdu.get("Armed clashes")
    assert changed is not None
    assert changed.fuzzy
    assert changed.string == "مسلح جھڑپ"  # the old translation, to revise
    assert urdu.get("Pakistan").string == "پاکستان"  # type: ignore[union-attr]
    assert "Something else" in results["ur"].missing
    assert "Armed clashes" in results["ur"].missing
    assert results["ur"].translated == results["ur"].total - 2
    written = template_path(folder).read_bytes()
    again = {found.locale: found for found in update_catalogues(folder, [])}
    assert again["ur"] == results["ur"]
    assert template_path(folder).read_bytes() == written


def test_update_refuses_an_unknown_locale_before_writing(folder: Path) -> None:
    shutil.rmtree(folder / "locale")
    with pytest.raises(ScenarioError, match="not a known locale"):
        update_catalogues(folder, ["ur", "not-a-locale"])
    assert not (folder / "locale").exists()


def test_update_of_an_invalid_scenario_writes_nothing(folder: Path) -> None:
    toml = folder / "mechanism.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("lat = 34.01", "lat = 134.01"))
    before = template_path(folder).read_bytes()
    with pytest.raises(ScenarioError):
        update_catalogues(folder, ["ur"])
    assert template_path(folder).read_bytes() == before


def test_a_broken_catalogue_is_reported(folder: Path) -> None:
    path = catalogue_path(folder, "tr")
    path.write_text('msgid "Pakistan"\nmsgtr "Pakistan"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="not a valid PO file"):
        ScenarioTranslations.load(folder)
    with pytest.raises(ScenarioError, match="cannot be read"):
        read_catalogue(folder / "missing.po")


def test_a_scenario_without_catalogues_has_no_translations(tmp_path: Path) -> None:
    shutil.copy(SCENARIO_DIR / "mechanism.toml", tmp_path / "mechanism.toml")
    assert scenario_labels.catalogue_locales(tmp_path) == []
    coverage = check_catalogues(tmp_path, ["ur"])
    assert [(found.locale, found.translated) for found in coverage] == [("ur", 0)]
    assert ScenarioTranslations.load(tmp_path).by_locale == {}
