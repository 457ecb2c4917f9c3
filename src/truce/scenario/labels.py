"""Translations of a scenario's labels: gettext catalogues kept beside the scenario.

A scenario names things for people (its members, clauses, penalty steps, incident types,
places, truces) in the language it is written in, English for the scenarios shipped with
truce. Those names are data, not interface text, so they are translated with the
scenario rather than with the application: each scenario folder may hold

    locale/scenario.pot                       the template, extracted from the TOML
    locale/<locale>/LC_MESSAGES/scenario.po   one catalogue per language (Babel locale)

as standard GNU gettext PO files (msgid: the string as written in ``mechanism.toml``),
which translators' tools already read. A new scenario brings its own catalogues; a string
with no translation (missing, empty or fuzzy) is shown as written.

Which strings are labels is said once, in :data:`LABEL_FIELDS`. Identifiers, keys,
sources, quotations (``excerpt``) and the clauses' full ``text`` (the agreement's wording,
which is quoted, not paraphrased) are not translated; a member's reading of a clause
(``readings``) is its own words about the text, and is. The genesis act in the log keeps the
scenario exactly as written; translation only ever makes a copy for display
(:func:`localize`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from truce.errors import ScenarioError
from truce.scenario.facts import casualty_lists
from truce.scenario.rules import SCENARIO_FILE_NAME, Scenario, load_scenario
from truce.scenario.toml_lines import Location, TomlLineIndex

DOMAIN = "scenario"
"""The gettext domain: the catalogues' file name without ``.po``."""
LOCALE_DIR_NAME = "locale"
"""The folder of a scenario that holds its catalogues."""

_HEADER = """\
# Labels of the {id} scenario (mechanism.toml), for translation.
# Written by `truce scenario messages`: translate the msgstr lines, and run the command
# again after changing the scenario."""

#: Paths of the translatable fields in a scenario; ``*`` stands for every entry of a list.
LABEL_FIELDS: tuple[tuple[str, ...], ...] = (
    ("mechanism", "name"),
    ("mechanism", "agreement", "title"),
    ("mechanism", "agreement", "place"),
    ("texts", "*", "title"),
    ("events", "*", "label"),
    ("members", "*", "name"),
    ("clauses", "*", "title"),
    ("clauses", "*", "readings", "*", "text"),
    ("penalties", "steps", "*", "name"),
    ("penalties", "steps", "*", "description"),
    ("incident_types", "*", "label"),
    ("incident_types", "*", "description"),
    ("casualties", "categories", "*", "label"),
    ("casualties", "harms", "*", "label"),
    ("places", "*", "name"),
    ("places", "*", "sides", "*", "name"),
    ("places", "*", "admin1"),
)


@dataclass(frozen=True, slots=True)
class Label:
    """One translatable string and where the scenario holds it (``("members", 0, "name")``)."""

    text: str
    location: Location


@dataclass(frozen=True, slots=True)
class _Field:
    """A label field found in a scenario's data: its location and the table holding it."""

    location: Location
    table: dict[str, Any]
    key: str

    @property
    def value(self) -> object:
        return self.table[self.key]


def _walk(data: object, path: tuple[str, ...], at: Location) -> Iterator[_Field]:
    """Each field of ``data`` that ``path`` leads to (``*``: every entry of a list)."""
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(data, list) and rest:
            for index, item in enumerate(data):
                yield from _walk(item, rest, (*at, index))
        return
    if not isinstance(data, dict) or head not in data:
        return
    if rest:
        yield from _walk(data[head], rest, (*at, head))
    else:
        yield _Field((*at, head), data, head)


def _fields(data: Mapping[str, Any]) -> list[_Field]:
    """Each label field present in ``data``, grouped by section, then entry, then field."""
    sections = list(dict.fromkeys(path[0] for path in LABEL_FIELDS))

    def order(ranked: tuple[int, _Field]) -> tuple[int, tuple[int, ...], int]:
        rank, field = ranked
        entries = tuple(key for key in field.location if isinstance(key, int))
        return sections.index(str(field.location[0])), entries, rank

    ranked = [
        (rank, field) for rank, path in enumerate(LABEL_FIELDS) for field in _walk(data, path, ())
    ]
    return [field for _, field in sorted(ranked, key=order)]


def labels(scenario: Scenario | Mapping[str, Any]) -> list[Label]:
    """Every label of the scenario (a model or its TOML data), in the order of the file:
    by section, then entry, then field. Blank or missing optional fields have none."""
    data = scenario.model_dump() if isinstance(scenario, Scenario) else scenario
    return [
        Label(field.value, field.location)
        for field in _fields(data)
        if isinstance(field.value, str) and field.value.strip()
    ]


def localize(scenario: Scenario, translate: Callable[[str], str]) -> Scenario:
    """A copy of ``scenario`` whose labels are ``translate``-d; ids and all else unchanged.

    A place keeps its name as written among its aliases, so that a search in the
    scenario's own language still finds it in a translated view. A scenario logged
    before it declared its casualty lists is shown with the default lists, translated.
    """
    data = scenario.model_dump()
    if data.get("casualties") is None:
        data["casualties"] = casualty_lists(scenario).model_dump()
    for field in _fields(data):
        if isinstance(field.value, str) and field.value.strip():
            field.table[field.key] = translate(field.value) or field.value
    for original, place in zip(scenario.places, data["places"], strict=True):
        if place["name"] != original.name and original.name not in place["aliases"]:
            place["aliases"] = [*place["aliases"], original.name]
    return Scenario.model_validate(data)


# -- catalogues ----------------------------------------------------------------------


def locale_dir(scenario_dir: Path) -> Path:
    """The folder of a scenario's catalogues."""
    return scenario_dir / LOCALE_DIR_NAME


def template_path(scenario_dir: Path) -> Path:
    """The scenario's ``scenario.pot``."""
    return locale_dir(scenario_dir) / f"{DOMAIN}.pot"


def catalogue_path(scenario_dir: Path, locale: str) -> Path:
    """The ``scenario.po`` of one Babel locale (``ur``, ``fa_AF``...)."""
    return locale_dir(scenario_dir) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue_locales(scenario_dir: Path) -> list[str]:
    """The locales the scenario has a catalogue for, sorted."""
    root = locale_dir(scenario_dir)
    if not root.is_dir():
        return []
    return sorted(
        entry.name for entry in root.iterdir() if (entry / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    )


def _where(location: Location) -> str:
    return ".".join(str(key) for key in location)


def template(scenario_dir: Path) -> Catalog:
    """The template of a scenario folder's labels, each with the file lines that hold it.

    Raises :class:`ScenarioError` if ``mechanism.toml`` is not a valid scenario.
    """
    file = scenario_dir / SCENARIO_FILE_NAME
    scenario = load_scenario(file)
    lines = TomlLineIndex(file.read_text(encoding="utf-8"))
    catalog = Catalog(
        domain=DOMAIN,
        header_comment=_HEADER.format(id=scenario.mechanism.id),
        project=scenario.mechanism.id,
        charset="utf-8",
        fuzzy=False,
    )
    for label in labels(scenario):
        line = lines.line_of(label.location)
        catalog.add(
            label.text,
            locations=[(SCENARIO_FILE_NAME, line or 0)],
            auto_comments=[_where(label.location)],
        )
    return catalog


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    """A PO or POT file as Babel reads it; :class:`ScenarioError` if it cannot be read."""
    try:
        with path.open("rb") as handle:
            return read_po(handle, locale=locale, domain=DOMAIN, abort_invalid=True)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    except (PoFileError, ValueError, UnknownLocaleError) as exc:
        raise ScenarioError(f"{path}: not a valid PO file: {exc}") from exc


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=88, sort_output=False, include_previous=True)
    path.write_bytes(buffer.getvalue())


def _same_messages(catalog: Catalog, path: Path) -> bool:
    """Whether the template at ``path`` holds exactly these messages (so that running the
    command again does not rewrite it for its creation date alone)."""
    if not path.exists():
        return False

    def listed(messages: Catalog) -> list[tuple[object, ...]]:
        return [(m.id, m.locations, m.auto_comments) for m in messages if m.id]

    return listed(read_catalogue(path)) == listed(catalog)


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the template one catalogue translates."""

    locale: str
    total: int
    translated: int
    fuzzy: int
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Every label has a translation that is used (not fuzzy)."""
        return not self.missing


def coverage(wanted: Iterable[str], catalog: Catalog, locale: str) -> Coverage:
    """Which of the ``wanted`` message ids ``catalog`` translates (fuzzy ones do not count)."""
    ids = list(dict.fromkeys(wanted))
    fuzzy = 0
    missing: list[str] = []
    for message_id in ids:
        message = catalog.get(message_id)
        text = message.string if message is not None else ""
        if message is not None and message.fuzzy and text:
            fuzzy += 1
            missing.append(message_id)
        elif not isinstance(text, str) or not text.strip():
            missing.append(message_id)
    return Coverage(locale, len(ids), len(ids) - len(missing), fuzzy, tuple(missing))


def update_catalogues(scenario_dir: Path, locales: Iterable[str]) -> list[Coverage]:
    """Write ``scenario.pot`` (unless it is up to date) and merge it into each locale's
    ``scenario.po``.

    A catalogue that does not exist yet is created empty; an existing one keeps its
    translations, gains the new labels, and keeps a changed label's old translation as
    fuzzy (Babel's ``Catalog.update``), so a translator sees what to revise. Labels no
    longer in the scenario are kept as obsolete entries (``#~``). Returns each catalogue's
    coverage, for every locale given and every one already present.
    """
    chosen = sorted({*locales, *catalogue_locales(scenario_dir)})
    for locale in chosen:
        try:
            Locale.parse(locale)
        except (ValueError, UnknownLocaleError) as exc:
            raise ScenarioError(f"{locale!r} is not a known locale: {exc}") from exc
    pot = template(scenario_dir)
    if not _same_messages(pot, template_path(scenario_dir)):
        _write(pot, template_path(scenario_dir))
    wanted = [message.id for message in pot if isinstance(message.id, str) and message.id]
    results: list[Coverage] = []
    for locale in chosen:
        path = catalogue_path(scenario_dir, locale)
        if path.exists():
            catalog = read_catalogue(path, locale)
        else:
            catalog = Catalog(
                locale=locale,
                domain=DOMAIN,
                header_comment=pot.header_comment,
                project=pot.project,
                fuzzy=False,
            )
        catalog.update(pot, update_header_comment=False, update_creation_date=False)
        _write(catalog, path)
        results.append(coverage(wanted, catalog, locale))
    return results


def check_catalogues(scenario_dir: Path, locales: Iterable[str]) -> list[Coverage]:
    """The coverage of each locale's catalogue against the labels of the scenario as it is
    now (a missing catalogue translates nothing). Nothing is written."""
    wanted = [label.text for label in labels(load_scenario(scenario_dir / SCENARIO_FILE_NAME))]
    results: list[Coverage] = []
    for locale in sorted({*locales, *catalogue_locales(scenario_dir)}):
        path = catalogue_path(scenario_dir, locale)
        catalog = read_catalogue(path, locale) if path.exists() else Catalog(locale=locale)
        results.append(coverage(wanted, catalog, locale))
    return results


@dataclass(frozen=True, slots=True)
class ScenarioTranslations:
    """The translations of one scenario folder, by locale: message id to translation."""

    by_locale: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls, scenario_dir: Path | None) -> ScenarioTranslations:
        """Read every catalogue of the folder (none if it is ``None`` or has no
        ``locale/``). Empty and fuzzy entries are left out, so they fall back."""
        if scenario_dir is None:
            return cls({})
        found: dict[str, dict[str, str]] = {}
        for locale in catalogue_locales(scenario_dir):
            catalog = read_catalogue(catalogue_path(scenario_dir, locale), locale)
            found[locale] = {
                message.id: message.string
                for message in catalog
                if isinstance(message.id, str)
                and message.id
                and isinstance(message.string, str)
                and message.string.strip()
                and not message.fuzzy
            }
        return cls(found)

    def gettext(self, locale: str) -> Callable[[str], str]:
        """A function giving a label in ``locale``, or as written when untranslated."""
        table = self.by_locale.get(locale, {})
        return lambda text: table.get(text, text)
