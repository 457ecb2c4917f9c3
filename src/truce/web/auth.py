"""Sign-in, sign-out and the language switch.

Before sign-in there is no session to hold a CSRF token, so the sign-in form and the
language switch use a double-submit token: a random ``truce_csrf`` cookie (HttpOnly,
SameSite=Strict) that the form must echo. After sign-in, the session's token is used.

After sign-in the application speaks the delegate's preferred language (its account's;
a demo delegate's is its member's first language), unless the reader chose another with
the language switch before signing in: that choice is kept (``truce_lang_choice``) and
becomes the account's language at sign-in, as a choice made after sign-in does. The
language a browser merely asks for (``Accept-Language``) is no such choice.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from truce.accounts import sessions, throttle
from truce.accounts.enrolment import CodeRefusedError, redeem_code
from truce.accounts.service import Identity, set_language, verify_password
from truce.api.deps import ServicesDep
from truce.errors import AuthenticationError
from truce.web import i18n
from truce.web.deps import (
    CSRF_COOKIE,
    LANGUAGE_CHOICE_COOKIE,
    LANGUAGE_COOKIE,
    SignInRequiredError,
    Viewer,
    i18n_text,
    now_of,
    render,
    request_language,
    viewer,
)
from truce.web.scenario_text import scenario_in

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]


def safe_next(target: str | None) -> str:
    """A local path to return to after a form; anything else becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """Set a cookie as every cookie of the application is set: HttpOnly, SameSite=Strict,
    ``Path=/``, and ``Secure`` whenever the page was served over https."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _anonymous_csrf(request: Request) -> tuple[str, bool]:
    """The visitor's double-submit token, and whether it is new (to be set as a cookie)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 100:
        return existing, False
    return secrets.token_urlsafe(32), True


def _current_viewer(request: Request, services: ServicesDep) -> Viewer | None:
    try:
        return viewer(request, services)
    except SignInRequiredError:
        return None


def _signin_page(
    request: Request,
    services: ServicesDep,
    *,
    status_code: int = 200,
    error: str | None = None,
    member: str = "",
    delegate: str = "",
    next_path: str = "/",
) -> Response:
    token, new = _anonymous_csrf(request)
    request.state.csrf = token
    scenario = scenario_in(services, request_language(request))
    response = render(
        request,
        "signin.html",
        {
            "members": scenario.members,
            "error": error,
            "member": member,
            "delegate": delegate,
            "next": safe_next(next_path),
            # Which form the error belongs to: the enrolment code's sets this.
            "code_form": getattr(request.state, "code_form", False),
        },
        status_code=status_code,
    )
    if new:
        set_cookie(request, response, CSRF_COOKIE, token, 12 * 3600)
    return response


@router.get("/signin")
def signin_form(request: Request, services: ServicesDep, next: str = "/") -> Response:
    """The sign-in page (a signed-in delegate is sent on)."""
    if _current_viewer(request, services) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _signin_page(request, services, next_path=next)


@router.post("/signin")
def signin(
    request: Request,
    services: ServicesDep,
    member: Field = "",
    delegate: Field = "",
    password: Field = "",
    csrf: Field = "",
    next: Field = "/",
) -> Response:
    """Check the password (throttled: :mod:`truce.accounts.throttle`), open a session,
    make the browser a known device of the delegate, and go on to ``next``."""
    language = request_language(request)
    member, delegate = member.strip().upper()[:8], delegate.strip()[:64]
    again = {"member": member, "delegate": delegate, "next_path": next}
    started = _start_attempt(request, services, language, csrf, again)
    if isinstance(started, Response):
        return started
    try:
        identity = verify_password(services.db, member, delegate, password)
    except AuthenticationError:
        throttle.failed(services.db, started.attempt, started.now)
        message = i18n_text(language, i18n.N_("The delegate or the password is not valid."))
        return _signin_page(request, services, status_code=401, error=message, **again)
    return _signed_in(
        request, services, started.attempt, identity, started.device_cookie, safe_next(next)
    )


@dataclass(frozen=True, slots=True)
class _Started:
    """A sign-in attempt that passed the form and throttle checks, to be judged."""

    attempt: throttle.Attempt
    device_cookie: str | None
    now: datetime


def _start_attempt(
    request: Request,
    services: ServicesDep,
    language: str,
    csrf: str,
    again: dict[str, str],
) -> _Started | Response:
    """What every way of signing in checks first: the form's CSRF token, then the
    throttle (:mod:`truce.accounts.throttle`) of ``again``'s member and delegate. Gives the
    refusal page, or the attempt; no secret is checked while the limit holds."""
    if not sessions.tokens_equal(csrf, request.cookies.get(CSRF_COOKIE) or "\0"):
        message = i18n_text(language, i18n.N_("The form has expired: please sign in again."))
        return _signin_page(request, services, status_code=403, error=message, **again)
    now = now_of(services)
    address = request.client.host if request.client else "unknown"
    device_cookie = request.cookies.get(throttle.DEVICE_COOKIE)
    attempt = throttle.attempt(
        services.db, again["member"], again["delegate"], address, device_cookie
    )
    until = throttle.retry_at(services.db, attempt, now)
    if until is not None:
        with i18n.speaking(language):
            message = i18n.gettext("Too many failed attempts. Try again at %(time)s.") % {
                "time": i18n.format_clock(until)
            }
        refused = _signin_page(request, services, status_code=429, error=message, **again)
        refused.headers["Retry-After"] = str(max(1, math.ceil((until - now).total_seconds())))
        return refused
    return _Started(attempt, device_cookie, now)


def _signed_in(
    request: Request,
    services: ServicesDep,
    attempt: throttle.Attempt,
    identity: Identity,
    device_cookie: str | None,
    target: str,
) -> Response:
    """Open the session of a delegate who proved who it is, and go on to ``target``."""
    now = now_of(services)
    device = throttle.succeeded(services.db, attempt, identity, device_cookie, now)
    value, session = sessions.open_session(services.db, identity, now)
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, sessions.COOKIE, value, int(sessions.LIFETIME.total_seconds()))
    language = session.language
    chosen = i18n.known(request.cookies.get(LANGUAGE_CHOICE_COOKIE))
    if chosen is not None and chosen != language:
        set_language(services.db, identity.member, identity.delegate, chosen)
        language = chosen
    response.delete_cookie(LANGUAGE_CHOICE_COOKIE, path="/", httponly=True, samesite="strict")
    set_cookie(request, response, LANGUAGE_COOKIE, language, 365 * 86400)
    lifetime = int(throttle.DEVICE_LIFETIME.total_seconds())
    set_cookie(request, response, throttle.DEVICE_COOKIE, device, lifetime)
    response.delete_cookie(CSRF_COOKIE, path="/", httponly=True, samesite="strict")
    return response


#: What a refused enrolment code is told, by the reason (:class:`CodeRefusedError`).
CODE_REFUSALS = {
    "wrong": i18n.N_("This enrolment code is not valid for this delegate."),
    "used": i18n.N_("This enrolment code was already used: ask the secretariat for a new one."),
    "expired": i18n.N_("This enrolment code has expired: ask the secretariat for a new one."),
}


@router.post("/signin/code")
def signin_with_code(
    request: Request,
    services: ServicesDep,
    member: Field = "",
    delegate: Field = "",
    code: Field = "",
    csrf: Field = "",
) -> Response:
    """Sign a new browser in once with a one-time enrolment code
    (:mod:`truce.accounts.enrolment`), throttled as a password is; the browser then
    makes its key, which awaits approval (a head's: ``/keys/enrol``)."""
    language = request_language(request)
    member, delegate = member.strip().upper()[:8], delegate.strip()[:64]
    again = {"member": member, "delegate": delegate}
    request.state.code_form = True
    started = _start_attempt(request, services, language, csrf, again)
    if isinstance(started, Response):
        return started
    try:
        identity = redeem_code(services.db, member, delegate, code, started.now)
    except CodeRefusedError as exc:
        throttle.failed(services.db, started.attempt, started.now)
        message = i18n_text(language, CODE_REFUSALS[exc.reason])
        return _signin_page(request, services, status_code=401, error=message, **again)
    target = "/keys/enrol" if identity.role in ("head", "secretariat") else "/"
    return _signed_in(request, services, started.attempt, identity, started.device_cookie, target)


@router.post("/signout")
def signout(request: Request, services: ServicesDep, csrf: Field = "") -> Response:
    """End the session (with its CSRF token; a stale form just goes back to sign-in)."""
    session = sessions.find_session(
        services.db, request.cookies.get(sessions.COOKIE), now_of(services)
    )
    if session is not None and sessions.tokens_equal(csrf, session.csrf):
        sessions.close_session(services.db, request.cookies.get(sessions.COOKIE))
    elif session is not None:
        return RedirectResponse("/", status_code=303)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.post("/language")
def choose_language(
    request: Request,
    services: ServicesDep,
    language: Field = "",
    csrf: Field = "",
    next: Field = "/",
) -> Response:
    """Switch the interface language: the account's when signed in, else a cookie."""
    chosen = i18n.known(language.strip())
    signed_in = _current_viewer(request, services)
    expected = signed_in.csrf if signed_in else request.cookies.get(CSRF_COOKIE) or "\0"
    if chosen is None or not sessions.tokens_equal(csrf, expected):
        return RedirectResponse(safe_next(next), status_code=303)
    response = RedirectResponse(safe_next(next), status_code=303)
    if signed_in is not None:
        set_language(services.db, signed_in.member, signed_in.delegate, chosen)
    else:  # kept until sign-in, where it wins over the account's language
        set_cookie(request, response, LANGUAGE_CHOICE_COOKIE, chosen, 12 * 3600)
    set_cookie(request, response, LANGUAGE_COOKIE, chosen, 365 * 86400)
    return response
