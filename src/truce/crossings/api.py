"""Crossings over JSON: each gazetteer crossing's state now, and its history.

A crossing report counts only for members in the audience of its act
(:mod:`truce.crossings.queries`). Durations are computed against the server's clock at
read time. Writes go through ``POST /log/v1/acts``.
"""

from __future__ import annotations

from fastapi import APIRouter

from truce.api.deps import IdentityDep, ServicesDep
from truce.crossings.summary import (
    CrossingHistory,
    CrossingList,
    crossing_history,
    crossing_list,
    crossing_place,
)

router = APIRouter(prefix="/api/v1", tags=["crossings"])


@router.get("/crossings", response_model=CrossingList, summary="Every crossing's state now")
def list_crossings(services: ServicesDep, reader: IdentityDep) -> CrossingList:
    """The state of each gazetteer crossing from the reports the reader may see, and how
    long trade and people have been in it."""
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        return crossing_list(connection, scenario, reader, services.admission.clock())


@router.get("/crossings/{place_id}", response_model=CrossingHistory, summary="A crossing's history")
def get_crossing(place_id: str, services: ServicesDep, reader: IdentityDep) -> CrossingHistory:
    """Every report of the crossing the reader may see, in effect order, and the runs of
    each state with their durations."""
    scenario = services.admission.mechanism().scenario
    place = crossing_place(scenario, place_id)
    with services.db.read() as connection:
        return crossing_history(connection, scenario, place, reader, services.admission.clock())
