"""Device registration over the web: ``POST /web/keys/request`` and a head's decline.

The browser generates a non-extractable Ed25519 key with WebCrypto and sends its public
key here; the request waits for the member's head (:mod:`truce.accounts.devices`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from truce.accounts.devices import decline, request_key
from truce.api.deps import ServicesDep
from truce.errors import InputError
from truce.ledger import jcs
from truce.log.api import read_limited, writable
from truce.web.deps import CsrfViewerDep, now_of

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
