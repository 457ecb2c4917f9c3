"""The scenario as a viewer reads it: its labels in the viewer's language.

The scenario recorded in the log is written in one language; its gettext catalogues
(:mod:`truce.scenario.labels`) live in the scenario folder, which the server finds
from ``TRUCE_SCENARIO_DIR`` or, by default, at ``scenarios/<mechanism id>`` under the
working directory. Every page, form and data block of the web application takes its
member names, clause titles, incident types, penalty steps, places and truces from
:func:`scenario_in`, so none is left in English in another language; what a delegate
wrote (act contents) is never translated.

The catalogues are read once per process, like the interface's; each language's
translated copy of the scenario is made once and kept. While a page renders, the
``scenario_text`` template filter (:func:`label`) translates a label that reached the
template as written, such as a gazetteer name in a press figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from truce.api.deps import Services
from truce.errors import ConfigurationError
from truce.scenario.labels import ScenarioTranslations, localize
from truce.scenario.rules import SCENARIO_FILE_NAME, Scenario
from truce.web import i18n

#: How many applications' views are kept (a process serves one; tests build many).
_KEPT = 64


@dataclass(slots=True)
class _View:
    """One application's scenario, its catalogues, and its translated copies by language."""

    services: Services
    scenario: Scenario
    translations: ScenarioTranslations
    shown: dict[str, Scenario] = field(default_factory=dict)


_views: dict[int, _View] = {}


def scenario_folder(services: Services) -> Path | None:
    """The folder whose catalogues translate the mechanism's scenario, if any.

    A configured folder must hold ``mechanism.toml``; the default folder is used only
    when it exists. Either way a catalogue only translates the labels it names (its
    message ids are the labels as written), so a folder of another version of the
    scenario translates what the two have in common.
    """
    configured = services.settings.scenario_dir
    if configured is not None:
        if not (configured / SCENARIO_FILE_NAME).is_file():
            raise ConfigurationError(
                f"TRUCE_SCENARIO_DIR {configured}: not a scenario folder (no {SCENARIO_FILE_NAME})"
            )
        return configured
    default = Path("scenarios") / services.admission.mechanism().scenario.mechanism.id
    return default if (default / SCENARIO_FILE_NAME).is_file() else None


@cache
def _translations(folder: Path | None) -> ScenarioTranslations:
    return ScenarioTranslations.load(folder)


def _view(services: Services) -> _View:
    """The application's view, made on first use (folder found, catalogues read)."""
    scenario = services.admission.mechanism().scenario
    kept = _views.get(id(services))
    if kept is not None and kept.services is services and kept.scenario is scenario:
        return kept
    folder = scenario_folder(services)
    view = _View(services, scenario, _translations(folder.resolve() if folder else None))
    if len(_views) >= _KEPT:
        _views.clear()
    _views[id(services)] = view
    return view


def translations(services: Services) -> ScenarioTranslations:
    """The scenario's catalogues (read on first use; :func:`prepare` reads them early)."""
    return _view(services).translations


def prepare(services: Services) -> None:
    """Read the catalogues now, so a misconfigured folder or a broken catalogue stops the
    server at start rather than failing a page."""
    _view(services)


def scenario_in(services: Services, language: str) -> Scenario:
    """The mechanism's scenario with its labels in ``language`` (an interface language)."""
    view = _view(services)
    if language not in i18n.LANGUAGES or language == i18n.DEFAULT:
        return view.scenario
    shown = view.shown.get(language)
    if shown is None:
        locale = i18n.LANGUAGES[language].locale
        shown = view.shown[language] = localize(view.scenario, view.translations.gettext(locale))
    return shown


def _as_written(text: str) -> str:
    return text


_labeller: ContextVar[Callable[[str], str]] = ContextVar(
    "truce_web_scenario_labeller", default=_as_written
)


@contextmanager
def labelling(services: Services, language: str) -> Iterator[None]:
    """Within the block, :func:`label` translates into ``language``."""
    if language in i18n.LANGUAGES and language != i18n.DEFAULT:
        translate = translations(services).gettext(i18n.LANGUAGES[language].locale)
    else:
        translate = _as_written
    token = _labeller.set(translate)
    try:
        yield
    finally:
        _labeller.reset(token)


def label(text: str | None) -> str:
    """A scenario label (as written in the scenario) in the language being rendered;
    any other text unchanged."""
    return _labeller.get()(text) if text else ""
