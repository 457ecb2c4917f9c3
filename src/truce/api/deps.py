"""What route handlers receive: the app's services, and the caller's identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

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


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer``; 401 without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send Authorization: Bearer <token>")
    return token.strip()


def identity(request: Request, services: Annotated[Services, Depends(app_services)]) -> Identity:
    """The delegate named by the ``Authorization: Bearer`` token; 401 without one."""
    return authenticate(services.db, bearer_token(request))


ServicesDep = Annotated[Services, Depends(app_services)]
IdentityDep = Annotated[Identity, Depends(identity)]

#: The largest log index or tree size: what a 64-bit signed integer column can hold.
MAX_INDEX = 2**63 - 1
#: A log index in a path.
LogIndex = Annotated[int, Path(ge=0, le=MAX_INDEX)]
