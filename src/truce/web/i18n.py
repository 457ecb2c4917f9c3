"""Languages of the web application: Babel catalogues, gettext for templates, dates.

The catalogues are the ``.po`` files under ``locale/`` (``messages.pot`` beside them is
what ``scripts/update-messages`` extracts). They are read once per process with Babel's
PO reader and compiled in memory into gettext :class:`~babel.support.Translations`, so
no ``.mo`` file is committed and there is no build step. Fuzzy entries are never used;
an empty translation falls back to the English message id.

The language of the request being rendered is held in a context variable, which the
Jinja2 i18n extension's ``gettext`` reads: one template environment serves every
language.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import Markup, escape

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


@dataclass(frozen=True, slots=True)
class Language:
    """A language of the interface: its code (as stored per account and put in ``lang``),
    its name in itself, the Babel locale that formats its dates, and its catalogue."""

    code: str
    name: str
    locale: str
    rtl: bool

    @property
    def dir(self) -> str:
        """The ``dir`` attribute of pages in this language."""
        return "rtl" if self.rtl else "ltr"


#: The interface languages, in the order the switcher lists them. Dari's ISO 639-3 code
#: ``prs`` is what pages and accounts use; Babel's CLDR data knows it as ``fa_AF``.
LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("en", "English", "en", False),
        Language("ur", "اردو", "ur", True),
        Language("ps", "پښتو", "ps", True),
        Language("prs", "دری", "fa_AF", True),
        Language("tr", "Türkçe", "tr", False),
        Language("ar", "العربية", "ar", True),
    )
}
DEFAULT = "en"


def catalog_path(language: Language) -> Path:
    """The ``.po`` file of a language (its directory is named by the Babel locale)."""
    return LOCALE_DIR / language.locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> Translations:
    """The compiled catalogue of ``code`` (English: the message ids themselves)."""
    language = LANGUAGES[code]
    path = catalog_path(language)
    if not path.exists():
        return Translations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language.locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def babel_locale(code: str) -> Locale:
    """The Babel locale that formats dates and names languages for ``code``."""
    return Locale.parse(LANGUAGES[code].locale)


def known(code: str | None) -> str | None:
    """``code`` if it is an interface language, else None."""
    return code if code in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The best interface language for an ``Accept-Language`` header (RFC 9110 §12.5.4)."""
    if not accept_language:
        return DEFAULT
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        weighted.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(weighted):
        if tag in LANGUAGES:
            return tag
        base = tag.split("-")[0]
        if tag in ("fa-af", "fa_af"):
            return "prs"
        if base in LANGUAGES:
            return base
    return DEFAULT


_current: ContextVar[str] = ContextVar("truce_web_language", default=DEFAULT)


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Within the block, gettext and the date filters use language ``code``."""
    token = _current.set(code if code in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    """The language being spoken."""
    return _current.get()


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the marker
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural of a message in the current language, by ``count``."""
    return translations(_current.get()).ungettext(singular, plural, count)


def parse_moment(moment: datetime | str) -> datetime:
    """A moment given as a datetime (aware, as every stored time is) or as ISO 8601 text,
    which is read as UTC when it names no zone."""
    if isinstance(moment, datetime):
        return moment
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _moment_parts(moment: datetime | str, style: str) -> tuple[str, str, str]:
    """The date, the time with its zone, and the locale's pattern joining them.

    Each comes from the locale's own CLDR patterns (the time in its ``long`` form,
    which names the zone, UTC here), so no piece is glued on in English order.
    """
    locale = babel_locale(_current.get())
    when = parse_moment(moment).astimezone(UTC)
    day = format_date(when.date(), style, locale=locale)
    clock = format_time(when, "long", tzinfo=UTC, locale=locale)
    joint = str(locale.datetime_formats.get(style, "{1} {0}"))
    return day, clock, joint


def format_moment(moment: datetime | str | None, style: str = "medium") -> str:
    """A date and time in UTC as plain text, in the current language's locale."""
    if moment is None:
        return ""
    day, clock, joint = _moment_parts(moment, style)
    return joint.replace("{1}", day).replace("{0}", clock)


def moment_html(moment: datetime | str | None, style: str = "medium") -> Markup:
    """A date and time for a page, each part a bidirectional isolate (``<bdi>``).

    In a right-to-left language a time such as "10:00:00 AM UTC" is a left-to-right
    run; unisolated, the Unicode bidirectional algorithm (UAX #9, rule N1) splits it
    at the spaces beside the digits and reorders the pieces ("AM UTC 10:00:00 2025").
    The whole moment and its time part are each isolated, their direction taken
    from their own first strong character (``dir="auto"``), so the time reads as one
    unit in the locale's order, and the moment does not mix with its neighbours.
    """
    if moment is None:
        return Markup("")
    day, clock, joint = _moment_parts(moment, style)
    before, _time, after = joint.partition("{0}")
    return Markup('<bdi class="moment" dir="auto">{}<bdi dir="auto">{}</bdi>{}</bdi>').format(
        before.replace("{1}", day), clock, after.replace("{1}", day)
    )


def format_day(moment: datetime | str | None, style: str = "medium") -> str:
    """A date alone in the current language's locale."""
    if moment is None:
        return ""
    return format_date(
        parse_moment(moment).astimezone(UTC).date(), style, locale=babel_locale(current())
    )


def format_clock(moment: datetime) -> str:
    """A time of day (hours and minutes, UTC) in the current language's locale."""
    locale = babel_locale(_current.get())
    return format_time(moment, "short", tzinfo=UTC, locale=locale) + " UTC"


def format_span(delta: timedelta) -> str:
    """A duration such as "in 3 days" or "2 hours ago" in the current language."""
    return format_timedelta(
        delta, granularity="minute", threshold=1.5, add_direction=True,
        locale=babel_locale(_current.get()),
    )  # fmt: skip


def language_name(code: str | None) -> str:
    """The name of a language (an act's), in the current language; the tag if unknown."""
    if not code:
        return gettext("language not stated")
    tag = LANGUAGES[code].locale if code in LANGUAGES else code.replace("-", "_")
    try:
        return Locale.parse(tag).get_display_name(babel_locale(_current.get())) or code
    except (ValueError, LookupError):
        return code


def in_language(text: str | None, code: str | None, block: bool = True) -> Markup:
    """Text of an act, kept in the language it was written in and labelled with it.

    The text carries its ``lang`` (so screen readers and fonts follow it) and
    ``dir="auto"``; a visible label names the language in the viewer's language.
    """
    label = escape(language_name(code))
    attribute = Markup(' lang="{}"').format(code) if code else Markup("")
    if not block:
        return Markup(
            '<span class="act-text"><span class="lang-label">{}</span> '
            '<span class="act-text-body"{} dir="auto">{}</span></span>'
        ).format(label, attribute, text or "")
    paragraphs = Markup("").join(
        Markup("<p>{}</p>").format(part) for part in (text or "").split("\n\n")
    )
    return Markup(
        '<div class="act-text"><span class="lang-label">{}</span> '
        '<div class="act-text-body"{} dir="auto">{}</div></div>'
    ).format(label, attribute, paragraphs)
