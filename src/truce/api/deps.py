"""What route handlers receive: the app's services, and the caller's identity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from truce.accounts.service import Identity, authenticate
from truce.config import Settings
from truce.errors import AuthenticationError
from truce.log.admission import Admission
from truce.storage.db import Database


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the entry points call, built once by :func:`truce.app.create_app`."""

    settings: Settings
    db: Database
    admission: Admission


async def app_services(request: Request) -> Services:
    """The app's services.

    ``async`` although it awaits nothing: FastAPI runs a plain ``def`` dependency on a
    worker thread, and two thread hops cost a write more than all of its SQL.
    """
    services: Services = request.app.state.services
    return services


def token_of(authorization: str) -> str:
    """The token of an ``Authorization: Bearer`` header's value; 401 without one."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send Authorization: Bearer <token>")
    return token.strip()


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer``; 401 without one."""
    return token_of(request.headers.get("authorization", ""))


def header_authenticator(db: Database) -> Callable[[Headers], Awaitable[Identity]]:
    """What :class:`truce.api.limits.BodyLimit` asks before an API body is read: the
    delegate named by the request's bearer token (looked up on a worker thread)."""

    async def authenticated(headers: Headers) -> Identity:
        token = token_of(headers.get("authorization", ""))
        return await run_in_threadpool(authenticate, db, token)

    return authenticated


def identity(request: Request, services: Annotated[Services, Depends(app_services)]) -> Identity:
    """The delegate named by the ``Authorization: Bearer`` token; 401 without one.

    A request with a body was authenticated before it was read
    (:mod:`truce.api.limits`); its identity is not looked up again.
    """
    found = request.scope.get("state", {}).get("identity")
    if isinstance(found, Identity):
        return found
    return authenticate(services.db, bearer_token(request))


ServicesDep = Annotated[Services, Depends(app_services)]
IdentityDep = Annotated[Identity, Depends(identity)]

#: The largest log index or tree size: what a 64-bit signed integer column can hold.
MAX_INDEX = 2**63 - 1
#: A log index in a path.
LogIndex = Annotated[int, Path(ge=0, le=MAX_INDEX)]
