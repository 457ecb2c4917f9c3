"""The pages over cases and monitoring: list, case thread, map, timeline, compliance,
crossings, joint action, search and the press.

:data:`ROUTERS` lists this package's routers; :data:`router` includes them all, for a
single ``include_router``.
"""

from __future__ import annotations

from fastapi import APIRouter

from truce.web.pages import cases, maps, media, monitoring

ROUTERS: list[APIRouter] = [cases.router, maps.router, monitoring.router, media.router]

router = APIRouter(include_in_schema=False)
for _found in ROUTERS:
    router.include_router(_found)
