"""The interface catalogues: complete, and safe to format in every language.

Each translation must keep the placeholders of its message (``%(name)s`` as Jinja2's
new-style gettext and the server fill them, ``{name}`` as the scripts fill them) and its
HTML tags, so that no value is lost and no markup is broken in one language only. A
plural message has as many forms as the catalogue's ``Plural-Forms`` header says (Babel
writes it from CLDR: six in Arabic, one in Turkish and Dari, two in Urdu and Pashto). A
form that only one number can select (Arabic's "zero", "one" and "two") may spell that
number out instead of printing it. Right-to-left languages are written in their script.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from collections.abc import Callable
from functools import cache

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from truce.web import i18n

#: Python %-placeholders (named or not), ``{name}`` placeholders, and HTML tags.
PLACEHOLDER = re.compile(
    r"%\((?P<name>[A-Za-z_]\w*)\)[-#0 +]*\d*(?:\.\d+)?(?P<conv>[diouxXeEfFgGcrsa])"
    r"|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|\{[A-Za-z_]\w*\}"
    r"|</?[A-Za-z][^<>]*>"
)
#: Letters of the Arabic script (Urdu, Pashto and Dari included) and its presentation forms.
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
#: A word in Latin letters (what a translation left in English would contain).
LATIN_WORD = re.compile(r"[a-z]{2,}")
#: Numbers tried against a catalogue's plural rule to learn which forms it can select.
SAMPLE_COUNTS = range(0, 1000)

TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]


@cache
def catalog(code: str) -> Catalog:
    """The language's catalogue, as the application reads it."""
    language = i18n.LANGUAGES[code]
    with i18n.catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language.locale, domain=i18n.DOMAIN)


def messages(code: str) -> list[Message]:
    return [message for message in catalog(code) if message.id]


def placeholders(text: str) -> Counter[str]:
    return Counter(match.group(0) for match in PLACEHOLDER.finditer(text))


def counted(text: str) -> Counter[str]:
    """The integer placeholders of ``text`` (those a spelled-out number may replace)."""
    return Counter(
        match.group(0)
        for match in PLACEHOLDER.finditer(text)
        if match.group("name") and match.group("conv") == "d"
    )


def plural_rule(code: str) -> Callable[[int], int]:
    return gettext.c2py(catalog(code).plural_expr)


def forms_for_one_number(code: str) -> set[int]:
    """The plural forms that exactly one of the sample numbers selects."""
    rule = plural_rule(code)
    selected = Counter(rule(n) for n in SAMPLE_COUNTS)
    return {form for form, times in selected.items() if times == 1}


def texts(value: object) -> tuple[str, ...]:
    """A message's id or translation as a tuple of texts (one unless it is plural)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(text or "" for text in value)
    return ("",)


def pairs(message: Message) -> list[tuple[int | None, str, str]]:
    """(plural form or None, source, translation) for each text of a message."""
    ids, strings = texts(message.id), texts(message.string)
    if len(ids) == 1:
        return [(None, ids[0], strings[0])]
    singular, plural = ids[0], ids[-1]
    return [
        (form, singular if len(strings) > 1 and form == 0 else plural, text)
        for form, text in enumerate(strings)
    ]


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_every_message_is_translated(code: str) -> None:
    empty = [
        (message.id, form)
        for message in messages(code)
        for form, _source, text in pairs(message)
        if not text.strip()
    ]
    assert messages(code), f"{code}: the catalogue has no messages"
    assert not empty, f"{code}: {len(empty)} untranslated, first {empty[:5]}"


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_catalogue_has_every_message_of_the_template(code: str) -> None:
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    wanted = {(message.id, message.context) for message in template if message.id}
    present = {(message.id, message.context) for message in messages(code)}
    assert wanted - present == set(), f"{code}: missing from the catalogue"


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_plural_messages_have_the_forms_of_the_plural_rule(code: str) -> None:
    expected = catalog(code).num_plurals
    rule = plural_rule(code)
    assert {rule(n) for n in SAMPLE_COUNTS} == set(range(expected))
    for message in messages(code):
        if len(texts(message.id)) == 2:
            assert len(texts(message.string)) == expected, message.id


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_translations_keep_placeholders_and_tags(code: str) -> None:
    spelled_out = forms_for_one_number(code)
    wrong = []
    for message in messages(code):
        for form, source, text in pairs(message):
            if not text:
                continue
            want, got = placeholders(source), placeholders(text)
            if form in spelled_out:
                want -= counted(source)
                got -= counted(source)
            if want != got:
                wrong.append((code, form, source, text))
    assert not wrong, "\n".join(map(repr, wrong))


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_translations_survive_formatting(code: str) -> None:
    """Jinja2's new-style gettext %-formats every message, even one without values: a
    stray ``%`` in a translation would fail only in that language."""
    for message in messages(code):
        for _form, source, text in pairs(message):
            if not text:
                continue
            values: dict[str, object] = {}
            for match in PLACEHOLDER.finditer(source):
                if match.group("name"):
                    values[match.group("name")] = 7 if match.group("conv") == "d" else "x"
            if "%(" in source or "%" not in source:
                formatted = text % values
                assert "%" not in formatted.replace("%%", ""), (code, source, text)


@pytest.mark.parametrize("code", [code for code in TRANSLATED if i18n.LANGUAGES[code].rtl])
def test_right_to_left_catalogues_are_in_their_script(code: str) -> None:
    """Every translation with words is written in the Arabic script; only a name such as
    "SHA-256" stays as it is."""
    latin = [
        text
        for message in messages(code)
        for _form, _source, text in pairs(message)
        if LATIN_WORD.search(text) and not ARABIC_SCRIPT.search(text)
    ]
    assert not latin, f"{code}: not in the Arabic script: {latin[:5]}"


@pytest.mark.parametrize("code", [code for code in TRANSLATED if not i18n.LANGUAGES[code].rtl])
def test_left_to_right_catalogues_have_no_arabic_script(code: str) -> None:
    mixed = [
        text
        for message in messages(code)
        for _form, _source, text in pairs(message)
        if ARABIC_SCRIPT.search(text)
    ]
    assert not mixed, f"{code}: {mixed[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_gettext_speaks_the_catalogue(code: str) -> None:
    """The application's gettext and ngettext return the catalogue's translations."""
    rule = plural_rule(code)
    with i18n.speaking(code):
        for message in messages(code):
            ids, strings = texts(message.id), texts(message.string)
            if len(ids) == 2:
                for n in (1, 2, 5, 11, 100):
                    assert i18n.ngettext(ids[0], ids[1], n) == strings[rule(n)]
            else:
                assert i18n.gettext(ids[0]) == strings[0]
