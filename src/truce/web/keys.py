"""Device registration over the web: ``POST /web/keys/request``, a head's decline, and
enrolment (:mod:`truce.accounts.enrolment`).

The browser generates a non-extractable Ed25519 key with WebCrypto and sends its public
key here; the request waits for the member's head (:mod:`truce.accounts.devices`). A
head's own first browser is approved on ``/keys/enrol`` with the member's root key file,
read and used in the browser only (``static/app/enrol.js``): ``POST
/web/keys/enrol/prepare`` answers the unsigned ``member.key`` act, ``POST
/web/keys/enrol/submit`` admits it once signed. The secretariat issues one-time
enrolment codes on ``/keys/enrol-code``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from truce.accounts.devices import approve_registered, decline, own_requests, request_key
from truce.accounts.enrolment import (
    APPROVERS,
    CODE_LIFETIME,
    IssuedCode,
    check_enrolment,
    enrolment_act,
    issue_code,
)
from truce.api.deps import Services, ServicesDep
from truce.errors import ForbiddenError, InputError, NotFoundError
from truce.ledger import jcs
from truce.log.admission import load_submission_bytes
from truce.log.api import read_limited, writable
from truce.web import i18n
from truce.web.deps import CsrfViewerDep, Viewer, ViewerDep, now_of, render
from truce.web.i18n import gettext as _
from truce.web.scenario_text import scenario_in

router = APIRouter(prefix="/web/keys", include_in_schema=False, dependencies=[Depends(writable)])


@router.post("/request")
async def request_key_route(
    request: Request, services: ServicesDep, viewer: CsrfViewerDep
) -> JSONResponse:
    """Record this browser's public key for approval: ``{"public_key": "<base64url>"}``."""
    payload = jcs.loads(await read_limited(request, 4096))
    if not isinstance(payload, dict) or not isinstance(payload.get("public_key"), str):
        raise InputError("send a JSON object with public_key", field="public_key")
    result = await run_in_threadpool(
        request_key, services.db, viewer, payload["public_key"], now_of(services)
    )
    return JSONResponse(result, status_code=202)


@router.post("/{request_id}/decline")
async def decline_route(
    request_id: int, request: Request, services: ServicesDep, viewer: CsrfViewerDep
) -> Response:
    """Decline a pending key request of the viewer's member (a head's decision).

    The dashboard's form is sent back to the dashboard; a script gets JSON.
    """
    await run_in_threadpool(decline, services.db, viewer, request_id, now_of(services))
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return RedirectResponse("/", status_code=303)
    return JSONResponse({"id": request_id, "status": "declined"})


#: The enrolment page and the secretariat's page of enrolment codes.
pages = APIRouter(include_in_schema=False)


def _field_errors(exc: InputError, language: str) -> JSONResponse:
    """A refusal of the enrolment, in the reader's language, next to the key file field."""
    with i18n.speaking(language):
        if exc.field == "key_file":
            message = _(
                "This key file cannot approve keys of your member: choose your member's"
                " root key file."
            )
        elif exc.field == "public_key":
            message = _("This browser's key could not be read. Reload the page.")
        else:
            message = _("Only a head or the secretariat approves a browser with a key file.")
    return JSONResponse({"errors": {"key_file": message}}, status_code=422)


@router.post("/enrol/prepare")
async def enrol_prepare(
    request: Request, services: ServicesDep, viewer: CsrfViewerDep
) -> JSONResponse:
    """The ``member.key`` act that registers this browser's key for the viewer (a head or
    the secretariat), to be signed in the browser by its member's root key:
    ``{"public_key": this browser's key, "key_id": the root key's id}``.

    Only public values are sent: the root key file is read, and its key used, in the
    browser alone.
    """
    payload = jcs.loads(await read_limited(request, 4096))
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(name), str) for name in ("public_key", "key_id")
    ):
        raise InputError("send a JSON object with public_key and key_id", field="public_key")
    mechanism = services.admission.mechanism().id
    try:
        prepared = await run_in_threadpool(
            enrolment_act,
            services.db,
            viewer,
            payload["public_key"],
            payload["key_id"][:64],
            mechanism,
            now_of(services),
        )
    except InputError as exc:
        return _field_errors(exc, viewer.language)
    return JSONResponse(prepared)


@router.post("/enrol/submit")
async def enrol_submit(
    request: Request, services: ServicesDep, viewer: CsrfViewerDep
) -> JSONResponse:
    """Admit the signed registration of this browser's key for the viewer.

    The act is signed by the member's root key, not by the viewer's (the browser has
    none yet), so it is admitted as an act from the command line is; only the
    registration of a key for the viewer itself is taken here.
    """
    data = await read_limited(request, services.settings.max_request_bytes)
    act = load_submission_bytes(data)
    try:
        check_enrolment(viewer, act)
    except InputError as exc:
        return _field_errors(exc, viewer.language)
    services.admission.precheck_signature(act)
    admitted = await services.admission.group_commit().submit(act, None)
    await run_in_threadpool(_settle, services, viewer.member)
    return JSONResponse(
        {
            "index": admitted.receipt.index,
            "leaf_hash": admitted.receipt.leaf_hash.hex(),
            "redirect": "/keys/enrol?enrolled=1",
        }
    )


def _settle(services: Services, member: str) -> None:
    with services.db.write() as connection:
        approve_registered(connection, member, now_of(services))


@pages.get("/keys/enrol", response_class=HTMLResponse)
def enrol_page(
    request: Request, services: ServicesDep, viewer: ViewerDep, enrolled: int = 0
) -> HTMLResponse:
    """This browser's signing key: its public key and fingerprint, and how it is approved
    (by the head; for a head, with the member's root key file or a ready command)."""
    return render(
        request,
        "enrol.html",
        {
            "approver": viewer.role in APPROVERS,
            "enrolled": bool(enrolled),
            "server": str(request.base_url).rstrip("/"),
            "key_file": f"{viewer.member.lower()}-root.key",
            "requests": [
                {"id": pending.id, "key_id": pending.key_id}
                for pending in own_requests(services.db, viewer)
            ],
        },
    )


def _code_page(
    request: Request,
    services: ServicesDep,
    viewer: Viewer,
    *,
    issued: IssuedCode | None = None,
    error: str | None = None,
    member: str = "",
    delegate: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    if viewer.role != "secretariat":
        raise ForbiddenError("only the secretariat issues enrolment codes")
    scenario = scenario_in(services, viewer.language)
    return render(
        request,
        "enrol_code.html",
        {
            "members": scenario.members,
            "issued": issued,
            "error": error,
            "member": member,
            "delegate": delegate,
            "hours": int(CODE_LIFETIME.total_seconds() // 3600),
        },
        status_code=status_code,
    )


@pages.get("/keys/enrol-code", response_class=HTMLResponse)
def enrol_code_form(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The secretariat's form to issue a delegate a one-time enrolment code."""
    return _code_page(request, services, viewer)


@pages.post("/keys/enrol-code", response_class=HTMLResponse)
def enrol_code_issue(
    request: Request,
    services: ServicesDep,
    viewer: CsrfViewerDep,
    member: Annotated[str, Form()] = "",
    delegate: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Issue the code and show it, once."""
    member, delegate = member.strip().upper()[:8], delegate.strip()[:64]
    try:
        issued = issue_code(
            services.db,
            member,
            delegate,
            f"{viewer.member}/{viewer.delegate}",
            now_of(services),
        )
    except (NotFoundError, InputError):
        return _code_page(
            request,
            services,
            viewer,
            error=_("There is no active account for this delegate."),
            member=member,
            delegate=delegate,
            status_code=422,
        )
    return _code_page(request, services, viewer, issued=issued)
