"""What this server is (``GET /api/v1/mechanism``), and liveness.

The site root ``/`` is the web application's dashboard (:mod:`truce.web`).
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter

from truce import __version__
from truce.api.deps import ServicesDep
from truce.log.queries import members
from truce.log.store import LogStore

router = APIRouter(tags=["meta"])


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


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """Answers while the process runs (``async``: no worker thread for a constant)."""
    return {"status": "ok"}
