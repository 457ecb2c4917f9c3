"""The delegations' web application, served beside the JSON API (see ``docs/web.md``).

:func:`mount` adds to an application built by :func:`truce.app.create_app`: the
security headers, the static files under ``/static/``, sign-in and sessions, the act
preparation and submission endpoints for acts signed in the browser, and the pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from truce.accounts import pages as account_pages
from truce.api import problems
from truce.cases import maps
from truce.cases import pages as case_pages
from truce.compliance import pages as compliance_pages
from truce.crossings import pages as crossing_pages
from truce.errors import NotFoundError, SessionEndedError, TruceError
from truce.exports import pages as export_pages
from truce.joint import pages as joint_pages
from truce.log import pages as logpage
from truce.media import pages as media_pages
from truce.notify import pages as notify_pages
from truce.public import pages as public_pages
from truce.reports import pages as report_pages
from truce.reports import pages_published as report_act_pages
from truce.storage.db import UNAVAILABLE
from truce.web import acts, auth, dashboard, keys, scenario_text
from truce.web.deps import SignInRequiredError, environment, render, request_language
from truce.web.i18n import LANGUAGES, gettext, speaking
from truce.web.security import SecurityHeaders

STATIC = Path(__file__).parent / "static"
#: Paths that answer JSON whatever the client accepts.
_JSON_PREFIXES = ("/api/", "/log/v1/", "/web/", "/problems/")


def _wants_page(request: Request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.url.path.startswith(_JSON_PREFIXES)
        and "text/html" in request.headers.get("accept", "")
    )


async def _sign_in_required(request: Request, _exc: Exception) -> Response:
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    return problems.from_error(
        SessionEndedError("sign in first: this session has ended"), request.url.path
    )


async def _page_or_problem(request: Request, exc: Exception) -> Response:
    """A browser asking for a page gets an error page; everything else problem+json."""
    error = exc if isinstance(exc, TruceError) else TruceError(str(exc))
    if _wants_page(request):
        return render(request, "error.html", {"error": error}, status_code=error.status)
    return problems.from_error(error, request.url.path)


def _not_found_page(fallback: Any) -> Any:
    """A 404 for a page request renders the error page; everything else is as before."""

    async def handler(request: Request, exc: Exception) -> Response:
        is_404 = isinstance(exc, StarletteHTTPException) and exc.status_code == 404
        if is_404 and _wants_page(request):
            with speaking(request_language(request)):
                error = NotFoundError(gettext("There is no such page."))
            return render(request, "error.html", {"error": error}, status_code=404)
        response: Response = await fallback(request, exc)
        return response

    return handler


def unavailable_page(request: Request) -> HTMLResponse:
    """The 503 page of a database that cannot be reached, in the visitor's language
    (its cookie, else ``Accept-Language``: the account's own needs the database)."""
    language = request_language(request)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    with speaking(language):
        html = (
            environment()
            .get_template("unavailable.html")
            .render(lang=language, dir=LANGUAGES[language].dir, path=path)
        )
    return HTMLResponse(
        html,
        status_code=503,
        headers={"Retry-After": str(problems.RETRY_AFTER_SECONDS)},
    )


def _unavailable_page(fallback: Any) -> Any:
    """A page request while the database is unavailable gets the 503 page."""

    async def handler(request: Request, exc: Exception) -> Response:
        if _wants_page(request):
            problems.log.warning("database unavailable on GET %s: %s", request.url.path, exc)
            return unavailable_page(request)
        response: Response = await fallback(request, exc)
        return response

    return handler


def mount(app: FastAPI) -> None:
    """Add the web application to ``app`` (its services must already be set)."""
    scenario_text.prepare(app.state.services)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(SignInRequiredError, _sign_in_required)
    app.add_exception_handler(TruceError, _page_or_problem)
    previous = app.exception_handlers.get(StarletteHTTPException)
    if previous is not None:
        app.add_exception_handler(StarletteHTTPException, _not_found_page(previous))
    for cls in UNAVAILABLE:
        app.add_exception_handler(cls, _unavailable_page(app.exception_handlers[cls]))
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.include_router(auth.router)
    app.include_router(acts.router)
    app.include_router(keys.router)
    app.include_router(keys.pages)
    app.include_router(dashboard.router)
    app.include_router(logpage.router)
    app.include_router(public_pages.router)
    for concept in (
        case_pages,
        maps,
        compliance_pages,
        crossing_pages,
        joint_pages,
        media_pages,
        account_pages,
        notify_pages,
        report_pages,
        report_act_pages,
    ):
        app.include_router(concept.router)
    app.include_router(export_pages.router)
