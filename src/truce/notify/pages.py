"""The notification pages: a delegate's own choices, a member's webhook endpoints, and
the record of who was told what.

- ``/notifications``: the viewer's e-mail address, timing (each message as it comes, or
  one e-mail a day) and hours of reminder before a deadline; a head also sets its
  member's defaults.
- ``/notifications/endpoints``: a head registers, tests and removes its member's
  endpoints; the secretariat sees every member's, another delegate its own member's.
- ``/notifications/record``: every notification, delivery and attempt (the secretariat
  every member's, anyone else its own member's), with "send again" for a failed
  delivery (the secretariat, or the member's head).

They read through :mod:`truce.notify.queries` and change through
:mod:`truce.notify.service`, which check what the viewer may do, exactly as the JSON
API (:mod:`truce.notify.api`); a refusal with a field is shown beside that field, in
the viewer's language.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from truce.api.deps import ServicesDep
from truce.errors import InputError
from truce.log.api import writable
from truce.notify import queries, service
from truce.web import i18n
from truce.web.deps import CsrfViewerDep, Viewer, ViewerDep, now_of, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]

#: What a refused field means, in words the viewer reads (the service's own message is
#: for the API and the CLI).
FIELD_MESSAGES = {
    "email": i18n.N_("This is not an e-mail address."),
    "timing": i18n.N_("Choose each message as it comes or one e-mail a day."),
    "remind_hours": i18n.N_("Give a whole number of hours from 1 to 336, or leave it empty."),
    "url": i18n.N_(
        "Webhooks go only to an https:// or http:// address whose host resolves to a "
        "public address."
    ),
    "secret": i18n.N_("A secret is whsec_ followed by 24 to 64 bytes in base64."),
}
#: The states a delivery may be in, to filter the record by.
STATUSES = ("pending", "held", "delivered", "failed", "disabled")
#: The notices shown after a change (``?done=…``).
NOTICES = {
    "saved": i18n.N_("Your choices are saved."),
    "defaults": i18n.N_("Your member's defaults are saved."),
    "removed": i18n.N_("The endpoint is removed: nothing more is sent to it."),
    "again": i18n.N_("The delivery will be sent again shortly."),
}


def _viewer_member(viewer: Viewer) -> str | None:
    return None if viewer.role == "secretariat" else viewer.member


def _errors(viewer: Viewer, exc: InputError) -> dict[str, str]:
    """The refusal as a message beside its field (``form`` when it names none)."""
    message = FIELD_MESSAGES.get(exc.field or "")
    with i18n.speaking(viewer.language):
        return {exc.field or "form": i18n.gettext(message) if message else str(exc)}


def _notice(done: str | None) -> str | None:
    return NOTICES.get(done or "")


# -- a delegate's own choices -------------------------------------------------------


def _preferences_page(
    request: Request,
    services: Any,
    viewer: Viewer,
    *,
    errors: dict[str, str] | None = None,
    entered: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with services.db.read() as connection:
        email = queries.address(connection, viewer.member, viewer.delegate)
    return render(
        request,
        "notify/preferences.html",
        {
            "email": email,
            "choice": service.preference(services.db, viewer.identity),
            "errors": errors or {},
            "entered": entered or {},
            "notice": _notice(request.query_params.get("done")),
        },
        status_code=status_code,
    )


@router.get("/notifications", response_class=HTMLResponse)
def preferences_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The viewer's address, timing and reminder; a head's member defaults."""
    return _preferences_page(request, services, viewer)


def _hours(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputError("remind_hours is a whole number", field="remind_hours")
    return int(text)


@router.post("/notifications", dependencies=[Depends(writable)])
async def save_preferences(
    request: Request,
    services: ServicesDep,
    viewer: CsrfViewerDep,
    timing: Text = "each",
    remind_hours: Optional = "",
    email: Optional = "",
    scope: Optional = "own",
    member_remind_hours: Optional = "",
) -> Response:
    """Save the viewer's own choices (``scope=own``) or, a head, its member's defaults
    (``scope=member``); the form comes back with its errors beside the fields."""
    member_default = scope == "member"
    entered = {
        "timing": timing,
        "remind_hours": remind_hours,
        "member_remind_hours": member_remind_hours,
        "email": email,
        "scope": scope,
    }
    now = now_of(services)
    try:
        hours = _hours(member_remind_hours if member_default else remind_hours)
        address = None if member_default else (email.strip() or None)
        if address is not None:
            # Checked before anything is written, so a refusal changes nothing.
            service.check_address(address)
        await run_in_threadpool(
            service.set_preference,
            services.db,
            viewer.identity,
            timing,
            hours,
            now,
            member_default=member_default,
        )
        if not member_default:
            await run_in_threadpool(service.set_address, services.db, viewer.identity, address, now)
    except InputError as exc:
        errors = _errors(viewer, exc)
        if member_default and "remind_hours" in errors:
            errors = {"member_remind_hours": errors["remind_hours"]}
        return _preferences_page(
            request, services, viewer, errors=errors, entered=entered, status_code=422
        )
    done = "defaults" if member_default else "saved"
    return RedirectResponse(f"/notifications?done={done}", status_code=303)


# -- a member's endpoints ---------------------------------------------------------------


def _endpoints_page(
    request: Request,
    services: Any,
    viewer: Viewer,
    *,
    errors: dict[str, str] | None = None,
    entered: dict[str, str] | None = None,
    added: tuple[service.EndpointInfo, str | None] | None = None,
    tested: tuple[int, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "notify/endpoints.html",
        {
            "endpoints": service.endpoints(services.db, _viewer_member(viewer)),
            "errors": errors or {},
            "entered": entered or {},
            "added": added,
            "tested": tested,
            "has_key": services.settings.notify_key_file is not None,
            "notice": _notice(request.query_params.get("done")),
        },
        status_code=status_code,
    )


@router.get("/notifications/endpoints", response_class=HTMLResponse)
def endpoints_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The member's endpoints (every member's, for the secretariat); a head's forms."""
    return _endpoints_page(request, services, viewer)


@router.post("/notifications/endpoints", dependencies=[Depends(writable)])
async def add_endpoint(
    request: Request,
    services: ServicesDep,
    viewer: CsrfViewerDep,
    url: Text = "",
    signing: Optional = "key",
    secret: Optional = "",
) -> Response:
    """Register an endpoint (a head); with ``signing=secret`` also HMAC-signed, with
    the secret given or a new one, shown once."""
    entered = {"url": url, "signing": signing, "secret": secret}
    chosen: str | None = None
    if signing == "secret":
        chosen = secret.strip() or service.new_secret()
    try:
        info = await run_in_threadpool(
            service.add_endpoint,
            services.db,
            viewer.identity,
            url.strip(),
            chosen,
            now_of(services),
            allow_private=services.settings.notify_allow_private_addresses,
        )
    except InputError as exc:
        return _endpoints_page(
            request, services, viewer, errors=_errors(viewer, exc), entered=entered, status_code=422
        )
    shown = chosen if chosen and not secret.strip() else None
    return _endpoints_page(request, services, viewer, added=(info, shown), status_code=201)


@router.post("/notifications/endpoints/{endpoint_id}/test", dependencies=[Depends(writable)])
async def test_endpoint(
    request: Request, endpoint_id: int, services: ServicesDep, viewer: CsrfViewerDep
) -> Response:
    """Send a signed test webhook now and show how it went."""

    def attempt() -> Any:
        channel = service.webhook_channel(services.settings, services.db)
        try:
            return service.test_endpoint(
                services.db, viewer.identity, endpoint_id, channel, now_of(services)
            )
        finally:
            channel.close()

    try:
        outcome = await run_in_threadpool(attempt)
    except InputError as exc:
        return _endpoints_page(
            request, services, viewer, errors=_errors(viewer, exc), status_code=422
        )
    return _endpoints_page(request, services, viewer, tested=(endpoint_id, outcome))


@router.post("/notifications/endpoints/{endpoint_id}/remove", dependencies=[Depends(writable)])
async def remove_endpoint(
    endpoint_id: int, services: ServicesDep, viewer: CsrfViewerDep
) -> Response:
    """Disable an endpoint of the viewer's member."""
    await run_in_threadpool(
        service.remove_endpoint, services.db, viewer.identity, endpoint_id, now_of(services)
    )
    return RedirectResponse("/notifications/endpoints?done=removed", status_code=303)


# -- the record -------------------------------------------------------------------------


@router.get("/notifications/record", response_class=HTMLResponse)
def record_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    status: str | None = None,
) -> HTMLResponse:
    """Who was told what: notifications, their deliveries and every attempt."""
    return _record_page(request, services, viewer, status)


def _record_page(
    request: Request,
    services: Any,
    viewer: Viewer,
    status: str | None,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    shown = status if status in STATUSES else None
    with services.db.read() as connection:
        found = queries.notifications(connection, _viewer_member(viewer), status=shown, limit=200)
    return render(
        request,
        "notify/record.html",
        {
            "records": found,
            "status": shown,
            "statuses": STATUSES,
            "may_send_again": viewer.role in ("secretariat", "head"),
            "notice": _notice(request.query_params.get("done")),
            "error": error,
        },
        status_code=status_code,
    )


@router.post("/notifications/deliveries/{delivery_id}/send-again", dependencies=[Depends(writable)])
async def send_again(
    request: Request, delivery_id: int, services: ServicesDep, viewer: CsrfViewerDep
) -> Response:
    """Put a failed delivery back in the outbox (the secretariat, or the member's head)."""
    try:
        await run_in_threadpool(
            service.send_again, services.db, viewer.identity, delivery_id, now_of(services)
        )
    except InputError:
        with i18n.speaking(viewer.language):
            error = i18n.gettext(
                "This delivery cannot be sent again: it has not failed, or its endpoint is removed."
            )
        return _record_page(request, services, viewer, None, error=error, status_code=422)
    return RedirectResponse("/notifications/record?done=again", status_code=303)
