"""The default scenario's catalogues: complete in every language of the web application,
in step with the scenario, and written in each language's script.

Like the interface's catalogues (``tests/unit/web/test_translations.py``), a scenario
shipped with truce must be readable in every language: a label left untranslated shows in
English in the middle of an Urdu page.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.mechanism import SCENARIO_DIR
from truce.scenario.labels import (
    catalogue_locales,
    catalogue_path,
    check_catalogues,
    labels,
    read_catalogue,
    template,
    template_path,
)
from truce.scenario.rules import load_scenario
from truce.web import i18n

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
LATIN = re.compile(r"[A-Za-z]")

LANGUAGES = [language for code, language in i18n.LANGUAGES.items() if code != i18n.DEFAULT]
LOCALES = [language.locale for language in LANGUAGES]
RTL = [language.locale for language in LANGUAGES if language.rtl]
LTR = [language.locale for language in LANGUAGES if not language.rtl]


@cache
def catalogue(locale: str) -> Catalog:
    return read_catalogue(catalogue_path(SCENARIO_DIR, locale), locale)


def translations(locale: str) -> dict[str, str]:
    return {str(message.id): str(message.string) for message in catalogue(locale) if message.id}


def test_there_is_a_catalogue_for_every_language_of_the_web_application() -> None:
    assert catalogue_locales(SCENARIO_DIR) == sorted(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_label_is_translated(locale: str) -> None:
    coverage = next(c for c in check_catalogues(SCENARIO_DIR, [locale]) if c.locale == locale)
    assert coverage.total == len({label.text for label in labels(load_scenario(SCENARIO_DIR))})
    assert coverage.complete, f"{locale}: untranslated {coverage.missing[:5]}"
    assert coverage.fuzzy == 0


@pytest.mark.parametrize("locale", LOCALES)
def test_no_obsolete_or_fuzzy_entry(locale: str) -> None:
    assert not catalogue(locale).obsolete
    assert [m.id for m in catalogue(locale) if m.id and m.fuzzy] == []


def test_the_template_is_in_step_with_the_scenario() -> None:
    """``truce scenario messages`` was run after the last change of the labels."""
    with template_path(SCENARIO_DIR).open("rb") as handle:
        stored = read_po(handle)
    extracted = template(SCENARIO_DIR)
    assert [(m.id, m.locations) for m in stored if m.id] == [
        (m.id, m.locations) for m in extracted if m.id
    ]


@pytest.mark.parametrize("locale", RTL)
def test_right_to_left_catalogues_are_in_their_script(locale: str) -> None:
    wrong = {
        source: text
        for source, text in translations(locale).items()
        if not ARABIC_SCRIPT.search(text) or LATIN.search(text)
    }
    assert wrong == {}


@pytest.mark.parametrize("locale", LTR)
def test_left_to_right_catalogues_have_no_arabic_script(locale: str) -> None:
    assert [text for text in translations(locale).values() if ARABIC_SCRIPT.search(text)] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_numbers_and_times_are_kept(locale: str) -> None:
    """A label's figures (a date, a time, a duration) survive translation."""
    for source, text in translations(locale).items():
        assert sorted(re.findall(r"\d+", text)) == sorted(re.findall(r"\d+", source)), text


@pytest.mark.parametrize(
    ("locale", "english", "local"),
    [
        ("ur", "Pakistan", "پاکستان"),
        ("ur", "Torkham", "طورخم"),
        ("ar", "Torkham", "طورخم"),
        ("ps", "Spin Boldak", "سپین بولدک"),
        ("fa_AF", "Chaman", "چمن"),
        ("fa_AF", "Kabul", "کابل"),
        ("ar", "Kabul", "كابل"),
        ("tr", "Afghanistan", "Afganistan"),
        ("tr", "Kabul", "Kabil"),
    ],
)
def test_places_and_members_keep_their_established_spellings(
    locale: str, english: str, local: str
) -> None:
    assert translations(locale)[english] == local
