"""The log page: the newest checkpoints, each witness's last cosignature, verification.

The server shows what it knows: which checkpoints it signed and which member witnesses
cosigned them. Whether they verify is checked in the viewer's browser, against the keys
in ``truce-config.log``: the element ``[data-log-verify]`` makes the scripts fetch the
current checkpoint and write the result into it (``docs/web.md``).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import Services, ServicesDep
from truce.ledger.envelope import format_time
from truce.log import checkpoints
from truce.log.published import published_keys
from truce.log.queries import recent_checkpoints
from truce.web.deps import ViewerDep, render
from truce.web.scenario_text import scenario_in

router = APIRouter(include_in_schema=False)
SHOWN = 20


def witnessing(services: Services, language: str) -> dict[str, Any]:
    """The newest checkpoint and which member witnesses (named in ``language``) have
    cosigned it."""
    scenario = scenario_in(services, language)
    with services.db.read() as connection:
        latest = checkpoints.latest(connection)
        counts = checkpoints.cosignature_counts(connection)
    size = latest.size if latest is not None else None
    witnesses = [
        {
            "member": member.code,
            "name": member.name,
            "size": counts.get(member.code, (None, None))[0],
            "at": (
                format_time(datetime.fromtimestamp(counts[member.code][1], UTC))
                if member.code in counts
                else None
            ),
            "current": size is not None and counts.get(member.code, (-1, 0))[0] == size,
        }
        for member in scenario.witnesses
    ]
    return {
        "size": size,
        "signed_at": format_time(latest.signed_at) if latest is not None else None,
        "witnesses": witnesses,
        "all": size is not None and all(w["current"] for w in witnesses),
        "quorum": scenario.witness_threshold,
        "cosigned": sum(1 for w in witnesses if w["current"]),
    }


@router.get("/log", response_class=HTMLResponse)
def log_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The newest checkpoints with their cosigners, and the witnesses' last cosignatures."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        rows = recent_checkpoints(connection, SHOWN)
        keys = published_keys(connection, scenario)
    quorum = scenario.witness_threshold
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
            "keys": keys,
        },
    )
