"""The public page and its Atom feed: no sign-in, nothing the policy does not name.

``GET /public`` and ``GET /public/feed.atom`` show the entries of
:func:`truce.public.queries.entries` (statements addressed to the public, the published
facts of rulings and penalties) and the published reports, newest first, with the
newest witnessed checkpoint and how to check it. Both take ``?lang=`` (one of the six
interface languages); without it, the visitor's language. Neither reads a session:
what they show is the same for everyone, signed in or not.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from truce.api.deps import Services, ServicesDep
from truce.errors import NotFoundError
from truce.log.published import published_keys
from truce.public import queries
from truce.public.feed import MEDIA_TYPE, FeedEntry, atom, tag_uri
from truce.public.queries import PublishedReport
from truce.public.rules import PublicEntry
from truce.scenario.rules import Scenario
from truce.web import i18n
from truce.web.deps import render, request_language
from truce.web.scenario_text import scenario_in

router = APIRouter(include_in_schema=False)

#: A ruling's outcomes in words (the same words as the case pages').
OUTCOMES = {
    "violation_confirmed": i18n.N_("Violation confirmed"),
    "not_substantiated": i18n.N_("Not substantiated"),
    "inconclusive": i18n.N_("Inconclusive"),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One entry as the page and the feed show it, in one language."""

    anchor: str
    key: str
    kind: str
    at: datetime
    title: str
    author: str
    index: int
    leaf_hash: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    language: str | None = None
    #: Files to download: (the link's words, its path).
    downloads: list[tuple[str, str]] = field(default_factory=list)


def _language(request: Request, lang: str | None) -> str:
    return i18n.known(lang) or request_language(request)


def _name(scenario: Scenario, code: str | None) -> str:
    if code is None:
        return "—"
    member = scenario.member(code)
    return f"{member.name} ({code})" if member is not None else code


def _facts(scenario: Scenario, shown: dict[str, Any]) -> list[tuple[str, str]]:
    """The published facts in words, in the order the policy names them."""
    steps = {step.id: step.name for step in scenario.penalties.steps}
    words: dict[str, tuple[str, str]] = {
        "case_number": (i18n.gettext("Case number"), str(shown.get("case_number") or "—")),
        "date": (i18n.gettext("Date"), i18n.format_day(str(shown.get("date", "")))),
        "outcome": (
            i18n.gettext("Outcome"),
            i18n.gettext(OUTCOMES.get(str(shown.get("outcome")), str(shown.get("outcome")))),
        ),
        "violator": (i18n.gettext("Violator"), _name(scenario, shown.get("violator"))),
        "clauses": (i18n.gettext("Clauses"), ", ".join(shown.get("clauses") or ()) or "—"),
        "member": (i18n.gettext("Violator"), _name(scenario, shown.get("member"))),
        "step": (i18n.gettext("Penalty"), steps.get(str(shown.get("step")), "—")),
    }
    return [words[name] for name in shown if name in words]


def _item(scenario: Scenario, key: str, entry: PublicEntry) -> Item:
    shown = dict(entry.shown)
    number = shown.get("case_number") or "—"
    text: str | None = None
    language: str | None = None
    facts: list[tuple[str, str]] = []
    if entry.kind == "statement.publish":
        title = str(shown.get("title", ""))
        text, language = str(shown.get("text", "")), shown.get("language")
    elif entry.kind == "case.penalty":
        title = i18n.gettext("Case %(number)s: a penalty") % {"number": number}
        facts = _facts(scenario, shown)
    else:
        title = i18n.gettext("Case %(number)s: the ruling") % {"number": number}
        facts = _facts(scenario, shown)
    return Item(
        anchor=f"act-{entry.index}",
        key=key,
        kind=entry.kind,
        at=entry.at,
        title=title,
        author=_name(scenario, entry.member),
        index=entry.index,
        leaf_hash=entry.leaf_hash,
        facts=facts,
        text=text,
        language=language,
    )


def _report(scenario: Scenario, key: str, report: PublishedReport) -> Item:
    period = f"{i18n.format_day(report.period_start.isoformat())} \N{EN DASH} "
    period += i18n.format_day(report.period_end.isoformat())
    return Item(
        anchor=f"act-{report.index}",
        key=key,
        kind="report",
        at=report.published_at,
        title=report.title,
        author=scenario.mechanism.name,
        index=report.index,
        leaf_hash=report.leaf_hash,
        facts=[(i18n.gettext("Reporting period"), period)]
        + [(i18n.gettext("SHA-256 of the PDF") + f" ({code})", sha) for code, sha in report.pdfs],
        downloads=[
            (i18n.gettext("PDF") + f" ({code})", f"/public/reports/{sha}.pdf")
            for code, sha in report.pdfs
        ],
    )


def record(services: Services, language: str) -> dict[str, Any]:
    """Everything the page and the feed show, in ``language``."""
    mechanism = services.admission.mechanism()
    scenario = scenario_in(services, language)
    origin = scenario.mechanism.origin
    began = mechanism.genesis_at.date()
    with services.db.read() as connection:
        entries = queries.entries(connection, scenario)
        reports = queries.reports(connection, scenario)
        witnessed = queries.witnessed_checkpoint(connection, scenario.witness_threshold)
        keys = published_keys(connection, scenario)
    with i18n.speaking(language):
        items = [_item(scenario, tag_uri(origin, began, f"act/{e.leaf_hash}"), e) for e in entries]
        items += [
            _report(scenario, tag_uri(origin, began, f"act/{r.leaf_hash}"), r) for r in reports
        ]
    items.sort(key=lambda item: (item.at, item.index), reverse=True)
    checkpoint = None
    if witnessed is not None:
        checkpoint = {
            "size": witnessed.size,
            "root": base64.b64encode(witnessed.root).decode("ascii"),
            "signed_at": witnessed.signed_at,
            "cosigners": [_name(scenario, code) for code in witnessed.cosigners],
        }
    return {
        "items": items,
        "policy": scenario.publication,
        "steps": {step.id: step.name for step in scenario.penalties.steps},
        "checkpoint": checkpoint,
        "quorum": scenario.witness_threshold,
        "keys": keys,
        "began": began,
        "feed_id": tag_uri(origin, began, f"public/{language}"),
        "name": scenario.mechanism.name,
        "updated": mechanism.genesis_at,
    }


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/public", response_class=HTMLResponse)
def public_page(request: Request, services: ServicesDep, lang: str | None = None) -> HTMLResponse:
    """The public record, in ``lang`` (or the visitor's language)."""
    language = _language(request, lang)
    shown = record(services, language)
    return render(
        request,
        "public/public.html",
        {
            **shown,
            "path": "/public",
            "base": _base(request),
            "feed": f"/public/feed.atom?lang={language}",
        },
        language=language,
    )


@router.get("/public/feed.atom")
def public_feed(request: Request, services: ServicesDep, lang: str | None = None) -> Response:
    """The public record as an Atom feed, in ``lang`` (or the visitor's language)."""
    language = _language(request, lang)
    shown = record(services, language)
    base = _base(request)
    page = f"{base}/public?lang={language}"
    with i18n.speaking(language):
        title = i18n.gettext("Public record") + f" · {shown['name']}"
        subtitle = i18n.gettext(
            "What the parties agreed to publish: nothing else leaves the mechanism."
        )
        entries = [
            FeedEntry(
                key=item.key,
                title=item.title,
                updated=item.at,
                link=f"{page}#{item.anchor}",
                text=item.text
                if item.text is not None
                else "\n".join(f"{label}: {value}" for label, value in item.facts),
                author=item.author,
                language=item.language,
            )
            for item in shown["items"]
        ]
    document = atom(
        feed_id=shown["feed_id"],
        title=title,
        subtitle=subtitle,
        language=language,
        self_url=f"{base}/public/feed.atom?lang={language}",
        page_url=page,
        author=shown["name"],
        updated=shown["updated"],
        entries=entries,
    )
    return Response(document, media_type=f"{MEDIA_TYPE}; charset=utf-8")


@router.get("/public/reports/{sha256}.pdf")
def public_report_pdf(services: ServicesDep, sha256: str) -> Response:
    """A published report's PDF, where the scenario's policy publishes reports: the same
    bytes the approvers approved, whose SHA-256 the public page and the log show."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        content = queries.report_pdf(connection, scenario, sha256.lower())
    if content is None:
        raise NotFoundError(f"no published report has a PDF with SHA-256 {sha256}")
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="report-{sha256[:12]}.pdf"'},
    )
