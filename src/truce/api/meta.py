"""What this server is (``GET /api/v1/mechanism``), and liveness.

The site root ``/`` is the web application's dashboard (:mod:`truce.web`).
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from truce import __version__
from truce.api.deps import ServicesDep
from truce.api.problems import RETRY_AFTER_SECONDS, problem
from truce.errors import UnavailableError
from truce.log.queries import members
from truce.log.store import LogStore
from truce.storage.db import UNAVAILABLE

router = APIRouter(tags=["meta"])
log = logging.getLogger(__name__)


@router.get("/api/v1/mechanism", summary="The mechanism this server records")
def mechanism(services: ServicesDep) -> dict[str, Any]:
    """The mechanism, its members, the log's size and root, and where to go next."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        head = LogStore(connection).head()
        listed = members(connection)
    return {
        "truce": __version__,
        "mechanism": {"id": scenario.mechanism.id, "name": scenario.mechanism.name},
        "members": [{"code": code, "name": name, "kind": kind} for code, name, kind in listed],
        "log": {"size": head.size, "root": base64.b64encode(head.root).decode("ascii")},
        "links": {
            "api": "/docs",
            "openapi": "/openapi.json",
            "checkpoint": "/log/v1/checkpoint",
            "web": "/",
        },
    }


@router.get("/healthz", summary="Health: the process answers and its database can be read")
def healthz(services: ServicesDep) -> JSONResponse:
    """``{"status": "ok", "database": "ok"}`` when the log's head can be read; otherwise
    the 503 ``unavailable`` problem with ``Retry-After``, whose ``database`` member says
    what is wrong (the server log has the driver's own words).

    A balancer that took a process answering while its database is gone for healthy
    would send it every request, to be answered 503.
    """
    try:
        with services.db.read() as connection:
            LogStore(connection).head()
    except UNAVAILABLE as exc:
        log.warning("health check: the database cannot be read: %s", exc)
        wrong = (
            f"cannot be read ({type(exc).__name__}): the database server is down or "
            "unreachable, or the database file is locked or missing"
        )
        response = problem(
            503,
            UnavailableError.title,
            f"the database {wrong}",
            slug=UnavailableError.slug,
            instance="/healthz",
            database=wrong,
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JSONResponse({"status": "ok", "database": "ok"})
