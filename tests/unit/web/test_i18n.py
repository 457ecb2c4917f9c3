"""Languages: catalogues complete, negotiation, dates in the viewer's locale, act texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.messages.pofile import read_po

from truce.web import i18n

LOCALES = {code: language for code, language in i18n.LANGUAGES.items()}


def _catalog(code: str) -> object:
    language = i18n.LANGUAGES[code]
    with i18n.catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language.locale)


def test_every_language_has_a_catalogue_babel_knows() -> None:
    assert set(i18n.LANGUAGES) == {"en", "ur", "ps", "prs", "tr", "ar"}
    for code in i18n.LANGUAGES:
        assert i18n.catalog_path(i18n.LANGUAGES[code]).exists()
        assert i18n.babel_locale(code).language in {"en", "ur", "ps", "fa", "tr", "ar"}


@pytest.mark.parametrize("code", sorted(i18n.LANGUAGES))
def test_every_message_is_translated_with_no_fuzzy_or_obsolete_entry(code: str) -> None:
    """Fails until the translations are in: every msgid of messages.pot, translated."""
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    catalog = _catalog(code)
    wanted = {message.id for message in template if message.id}
    have = {message.id: message for message in catalog if message.id}  # type: ignore[attr-defined]
    assert not catalog.obsolete  # type: ignore[attr-defined]
    assert wanted == set(have)
    fuzzy = sorted(str(m.id) for m in have.values() if m.fuzzy)
    assert not fuzzy
    missing = sorted(
        str(message.id)
        for message in have.values()
        if not all(message.string if isinstance(message.string, tuple) else [message.string])
    )
    assert not missing, f"{code}: {len(missing)} untranslated, e.g. {missing[:3]}"


def test_the_rtl_languages() -> None:
    assert {code for code, language in i18n.LANGUAGES.items() if language.dir == "rtl"} == {
        "ur", "ps", "prs", "ar",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, "en"),
        ("ar-EG,ar;q=0.9", "ar"),
        ("fa-AF", "prs"),
        ("de, tr;q=0.5", "tr"),
        ("fr", "en"),
        ("ps;q=bad, ur;q=0.4", "ur"),
    ],
)
def test_accept_language_is_negotiated(header: str | None, chosen: str) -> None:
    assert i18n.negotiate(header) == chosen


def test_dates_are_in_the_speakers_locale() -> None:
    moment = datetime(2025, 10, 19, 8, 5, tzinfo=UTC)
    with i18n.speaking("en"):
        english = i18n.format_moment(moment)
    with i18n.speaking("tr"):
        turkish = i18n.format_moment(moment)
    with i18n.speaking("ar"):
        arabic = i18n.format_day("2025-10-19T08:05:00Z", "long")
    assert "Oct" in english
    assert "2025" in english
    assert "Eki" in turkish
    assert "أكتوبر" in arabic
    with i18n.speaking("en"):
        assert i18n.format_span(timedelta(days=2, hours=1)) == "in 2 days"
        assert i18n.format_span(-timedelta(hours=3)) == "3 hours ago"


def test_a_moment_follows_the_locales_pattern_with_its_time_isolated() -> None:
    with i18n.speaking("ur"):
        plain = i18n.format_moment("2025-11-04T10:00:00Z")
        html = str(i18n.moment_html("2025-11-04T10:00:00Z"))
    # The locale's own order: the date, then the time with its zone, never "AM UTC" first.
    assert plain.index("نومبر") < plain.index("10:00:00") < plain.index("AM") < plain.index("UTC")
    assert html.startswith('<bdi class="moment" dir="auto">')
    assert '<bdi dir="auto">10:00:00 AM UTC</bdi>' in html
    with i18n.speaking("ps"):
        assert "(UTC)" in i18n.format_moment("2025-11-04T10:00:00Z")  # Pashto's long time
    with i18n.speaking("en"):
        assert i18n.format_moment("2025-11-04T10:00:00Z") == "Nov 4, 2025, 10:00:00\u202fAM UTC"
        assert str(i18n.moment_html(None)) == ""


def test_an_act_text_keeps_its_language_with_a_label() -> None:
    with i18n.speaking("en"):
        html = str(i18n.in_language("دا <b>متن</b>\n\nدوهم", "ps"))  # noqa: RUF001
    assert 'lang="ps"' in html
    assert 'dir="auto"' in html
    assert "Pashto" in html
    assert "&lt;b&gt;" in html
    assert "<b>" not in html
    assert html.count("<p>") == 2
    with i18n.speaking("tr"):
        assert "Peştuca" in str(i18n.in_language("x", "ps", block=False))
    with i18n.speaking("en"):
        assert "Dari" in i18n.language_name("prs") or "Persian" in i18n.language_name("prs")
        assert i18n.language_name(None) == "language not stated"


def test_gettext_follows_the_language_being_spoken() -> None:
    with i18n.speaking("en"):
        assert i18n.gettext("Cases") == "Cases"
    with i18n.speaking("xx"):
        assert i18n.current() == "en"
