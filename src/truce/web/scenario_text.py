"""The scenario as a viewer reads it: its labels in the viewer's language.

The scenario recorded in the log is written in one language; its gettext catalogues
(:mod:`truce.domain.scenario_labels`) live in the scenario folder, which the server finds
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
from functools import cache
from pathlib import Path

from truce.api.deps import Services
from truce.domain.scenario import SCENARIO_FILE_NAME, Scenario
from truce.domain.scenario_labels import ScenarioTranslations, localize
from truce.errors import ConfigurationError
from truce.web import i18n

#: How many translated scenarios are kept (a process serves one mechanism in every language).
_KEPT = 64
_translated: dict[tuple[int, str, str], tuple[Scenario, Scenario]] = {}


def scenario_folder(found: Services) -> Path | None:
    """The folder whose catalogues translate the mechanism's scenario, if any.

    A configured folder must hold ``mechanism.toml``; the default is used only when it
    exists and describes this mechanism.
    """
    configured = found.settings.scenario_dir
    if configured is not None:
        if not (configured / SCENARIO_FILE_NAME).is_file():
            raise ConfigurationError(
                f"TRUCE_SCENARIO_DIR {configured}: not a scenario folder (no {SCENARIO_FILE_NAME})"
            )
        return configured
    default = Path("scenarios") / found.admission.mechanism().scenario.mechanism.id
    return default if (default / SCENARIO_FILE_NAME).is_file() else None


@cache
def _translations(folder: Path | None) -> ScenarioTranslations:
    return ScenarioTranslations.load(folder)


def translations(found: Services) -> ScenarioTranslations:
    """The scenario's catalogues (read on first use; :func:`prepare` reads them early)."""
    folder = scenario_folder(found)
    return _translations(folder.resolve() if folder is not None else None)


def prepare(found: Services) -> None:
    """Read the catalogues now, so a misconfigured folder or a broken catalogue stops the
    server at start rather than failing a page."""
    translations(found)


def scenario_in(found: Services, language: str) -> Scenario:
    """The mechanism's scenario with its labels in ``language`` (an interface language)."""
    scenario = found.admission.mechanism().scenario
    if language not in i18n.LANGUAGES or language == i18n.DEFAULT:
        return scenario
    folder = scenario_folder(found)
    key = (id(scenario), str(folder.resolve()) if folder is not None else "", language)
    kept = _translated.get(key)
    if kept is not None and kept[0] is scenario:
        return kept[1]
    locale = i18n.LANGUAGES[language].locale
    shown = localize(scenario, translations(found).gettext(locale))
    if len(_translated) >= _KEPT:
        _translated.clear()
    _translated[key] = (scenario, shown)
    return shown


def _as_written(text: str) -> str:
    return text


_labeller: ContextVar[Callable[[str], str]] = ContextVar(
    "truce_web_scenario_labeller", default=_as_written
)


@contextmanager
def labelling(found: Services, language: str) -> Iterator[None]:
    """Within the block, :func:`label` translates into ``language``."""
    if language in i18n.LANGUAGES and language != i18n.DEFAULT:
        translate = translations(found).gettext(i18n.LANGUAGES[language].locale)
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
