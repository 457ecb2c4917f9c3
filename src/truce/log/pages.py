"""The log page: the newest checkpoints, each witness's last cosignature, verification.

The server shows what it knows: which checkpoints it signed and which member witnesses
cosigned them. Whether they verify is checked in the viewer's browser, against the keys
in ``truce-config.log``: the element ``[data-log-verify]`` makes the scripts fetch the
current checkpoint and write the result into it (``docs/web.md``).
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import ServicesDep
from truce.log.queries import recent_checkpoints
from truce.web.dashboard import witnessing
from truce.web.deps import ViewerDep, render

router = APIRouter(include_in_schema=False)
SHOWN = 20


@router.get("/log", response_class=HTMLResponse)
def log_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The newest checkpoints with their cosigners, and the witnesses' last cosignatures."""
    with services.db.read() as connection:
        rows = recent_checkpoints(connection, SHOWN)
    quorum = services.admission.mechanism().scenario.witness_threshold
    checkpoints: list[dict[str, Any]] = [
        {
            "size": row.size,
            "root": base64.b64encode(row.root).decode("ascii"),
            "signed_at": row.signed_at,
            "cosigners": row.cosigners,
            "witnessed": len(row.cosigners) >= quorum,
        }
        for row in rows
    ]
    return render(
        request,
        "log.html",
        {
            "checkpoints": checkpoints,
            "log": witnessing(services, viewer.language),
            "quorum": quorum,
        },
    )
