"""A report of a period, made for the API, the Reports page and the CLI (through the API).

:func:`period_from` reads the period from a request's parameters (``day`` or ``at`` for
a daily or weekly report, ``from`` and ``to`` for a range) and refuses impossible or
reversed dates with the field they concern; :func:`make` computes the data from the
mechanism's database and renders what was asked: the canonical JSON alone, the HTML, or
the PDF with the JSON embedded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from truce.api.deps import Services
from truce.errors import InputError
from truce.reports import charts, pdf, render
from truce.reports.rules import Period, parse_day, parse_moment, period_of
from truce.reports.summary import canonical, report_data
from truce.web import i18n, scenario_text

Format = Literal["json", "html", "pdf"]
FORMATS: tuple[Format, ...] = ("json", "html", "pdf")


@dataclass(frozen=True, slots=True)
class Made:
    """A report as asked for: its canonical data, and its HTML or PDF if asked."""

    period: Period
    data: bytes
    html: str | None = None
    pdf: bytes | None = None


def language_of(code: str | None) -> str:
    """An interface language code (``en``, ``ur``, ``ps``, ``prs``, ``tr``, ``ar``)."""
    if code is None or code == "":
        return i18n.DEFAULT
    if code not in i18n.LANGUAGES:
        known = ", ".join(i18n.LANGUAGES)
        raise InputError(f"lang: {code!r} is not one of {known}", field="lang")
    return code


def format_of(text: str | None) -> Format:
    """``json`` (the default), ``html`` or ``pdf``."""
    for known in FORMATS:
        if (text or "json") == known:
            return known
    raise InputError(f"format: {text!r} is not json, html or pdf", field="format")


def period_from(
    services: Services, kind: str, params: Mapping[str, str | None], now: datetime
) -> Period:
    """The period of a request: ``day`` (ISO date) or ``at`` (RFC 3339 end time) for a
    daily or weekly report, else the last whole one; ``from`` and ``to`` for a range."""
    scenario = services.admission.mechanism().scenario
    day, at = params.get("day") or None, params.get("at") or None
    first, last = params.get("from") or None, params.get("to") or None
    return period_of(
        scenario,
        kind,
        day=parse_day(day, "day") if day else None,
        ending=parse_moment(at, "at") if at else None,
        first=parse_day(first, "from") if first else None,
        last=parse_day(last, "to") if last else None,
        now=now,
    )


def make(services: Services, period: Period, language: str, form: Format) -> Made:
    """The report of ``period`` in ``language`` as ``form``."""
    written = services.admission.mechanism().scenario
    with services.db.read() as connection:
        data = report_data(connection, written, period)
    raw = canonical(data)
    if form == "json":
        return Made(period, raw)
    shown = scenario_text.scenario_in(services, language)
    boundaries = charts.load_boundaries(scenario_text.scenario_folder(services))
    if form == "html":
        return Made(period, raw, html=render.render_html(data, shown, language, boundaries))
    return Made(period, raw, pdf=pdf.report_pdf(data, raw, shown, language, boundaries))


def file_name(period: Period, language: str, suffix: str) -> str:
    """``report-weekly-2025-11-06-en.pdf``: the kind, the last day, the language."""
    last = render.last_day(period)
    return f"report-{period.kind}-{last}-{language}.{suffix}"
