"""A report as HTML, in one of the six languages, from its data.

The data (:mod:`truce.reports.summary`) hold ids and numbers; this module applies the
words: the web catalogues' messages for the section titles and column heads, and the
scenario's labels (members, incident types, places, clauses, penalties, casualty
categories) as translated for the language (pass the scenario translated, as
:func:`truce.web.scenario_text.scenario_in` gives it). ``lang`` and ``dir`` are set
on the document, right to left for Urdu, Pashto, Dari and Arabic. Numbers are written
in Western digits, isolated from the text around them, so that the figures read the same
in every language.

The same body (``reports/_body.html``) is shown on the Reports page and printed to PDF
inside ``reports/report.html``, whose stylesheet lays the report out on A4 pages and
embeds Noto Naskh Arabic for the Arabic script.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from truce.reports import annex, charts
from truce.reports.pdf import font_uris
from truce.reports.rules import Period
from truce.scenario.facts import casualty_lists
from truce.scenario.labels import ScenarioTranslations, localize
from truce.scenario.rules import Scenario
from truce.web import i18n
from truce.web.deps import environment


def _image(svg: str) -> Markup:
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Markup(f"data:image/svg+xml;base64,{encoded}")  # noqa: S704 - base64 only


def scenario_in(scenario: Scenario, folder: Path | None, language: str) -> Scenario:
    """``scenario`` with its labels in ``language``, from the catalogues of the scenario
    folder ``folder`` (as written when there is none, or for English)."""
    if folder is None or language == i18n.DEFAULT:
        return scenario
    translate = ScenarioTranslations.load(folder).gettext(i18n.LANGUAGES[language].locale)
    return localize(scenario, translate)


def labels(scenario: Scenario) -> dict[str, dict[str, str]]:
    """The scenario's words a report uses, by id, as ``scenario`` (translated) has them."""
    lists = casualty_lists(scenario)
    return {
        "members": {member.code: member.name for member in scenario.members},
        "types": {kind.id: kind.label for kind in scenario.incident_types},
        "places": {place.id: place.name for place in scenario.places},
        "clauses": {clause.id: f"{clause.id} {clause.title}" for clause in scenario.clauses},
        "penalties": {step.id: step.name for step in scenario.penalties.steps},
        "categories": {category.id: category.label for category in lists.categories},
        "harms": {harm.id: harm.label for harm in lists.harms},
    }


def drawings(
    data: dict[str, Any], scenario: Scenario, boundaries: dict[str, Any] | None
) -> dict[str, Any]:
    """The report's charts as ``data:`` URIs, and the order of their series' colours."""
    types = [kind.id for kind in scenario.incident_types]
    members = [member.code for member in scenario.members if member.kind == "party"]
    return {
        "trend": _image(charts.trend(data)),
        "breakdown": _image(charts.breakdown(data, types)),
        "map": _image(charts.incident_map(data, boundaries, members)),
        "type_colours": {kind: i % len(charts.PALETTE) for i, kind in enumerate(types)},
        "member_colours": {member: i % len(charts.PALETTE) for i, member in enumerate(members)},
    }


def body_context(
    data: dict[str, Any],
    scenario: Scenario,
    boundaries: dict[str, Any] | None,
    drawn: dict[str, Any] | None = None,
    *,
    annex_in_pages: bool = False,
) -> dict[str, Any]:
    """What ``reports/_body.html`` is rendered with. ``annex_in_pages``: the annex's
    lines are left out, the PDF writing them on pages of their own (:mod:`.annex`)."""
    return {
        "report": data,
        "words": labels(scenario),
        "charts": drawn if drawn is not None else drawings(data, scenario, boundaries),
        "mechanism_name": scenario.mechanism.name,
        "annex_lines": "" if annex_in_pages else annex_lines(data),
        "annex_in_pages": annex_in_pages,
        "period_local": period_local(data),
        "palette": charts.PALETTE,
    }


def period_local(data: dict[str, Any]) -> dict[str, str]:
    """The period's bounds as wall-clock times of its zone (``2025-11-05 18:00``)."""
    period = data["period"]
    zone = ZoneInfo(period["time_zone"])

    def local(text: str) -> str:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return {
        "start": local(period["from"]),
        "end": local(period["to"]),
        "previous": local(period["previous_from"]),
    }


def annex_lines(data: dict[str, Any]) -> str:
    """The annex as fixed-width lines (:func:`truce.reports.annex.lines`), for HTML."""
    return "\n".join(annex.lines(data["annex"]))


def render_body(
    data: dict[str, Any],
    scenario: Scenario,
    language: str,
    boundaries: dict[str, Any] | None = None,
) -> Markup:
    """The report's body alone in ``language``, for the Reports page's layout."""
    with i18n.speaking(language):
        html = (
            environment()
            .get_template("reports/_body.html")
            .render(**body_context(data, scenario, boundaries))
        )
    return Markup(html)  # noqa: S704 - rendered by the autoescaping environment


def render_html(
    data: dict[str, Any],
    scenario: Scenario,
    language: str,
    boundaries: dict[str, Any] | None = None,
    *,
    drawn: dict[str, Any] | None = None,
    annex_in_pages: bool = False,
) -> str:
    """The report as a standalone HTML document in ``language`` (as printed to PDF:
    with ``annex_in_pages``, the annex's lines are left for :mod:`.annex` to write)."""
    spoken = i18n.LANGUAGES[language]
    context = body_context(data, scenario, boundaries, drawn, annex_in_pages=annex_in_pages)
    with i18n.speaking(language):
        html: str = (
            environment()
            .get_template("reports/report.html")
            .render(lang=language, dir=spoken.dir, fonts=font_uris(), **context)
        )
    return html


def last_day(period: Period) -> str:
    """The last day a period covers, in its zone (ISO), for file names."""
    zone = ZoneInfo(period.zone)
    return (period.end - timedelta(seconds=1)).astimezone(zone).date().isoformat()
