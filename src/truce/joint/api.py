"""Joint action over JSON: requests for joint action, their status now and their reports.

A request counts and shows only for members in the audience of its act, a report's
contents only for members in the audience of the report (:mod:`truce.joint.queries`).
Overdue requests are computed against the server's clock at read time. Writes go
through ``POST /log/v1/acts``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from truce.api.deps import IdentityDep, LogIndex, ServicesDep
from truce.errors import NotFoundError
from truce.joint import queries
from truce.joint import rules as joint
from truce.joint.summary import JointActionOut, JointActionPage, joint_action_page, joint_out

router = APIRouter(prefix="/api/v1", tags=["joint action"])


@router.get("/joint-actions", response_model=JointActionPage, summary="Requests for joint action")
def list_joint_actions(
    services: ServicesDep,
    reader: IdentityDep,
    status: Annotated[joint.Status | None, Query()] = None,
    member: Annotated[str | None, Query(description="requesting or requested")] = None,
) -> JointActionPage:
    """Only requests the reader's member may see are listed or counted; the status
    (open, answered, overdue) is computed now."""
    with services.db.read() as connection:
        return joint_action_page(
            connection, reader, services.admission.clock(), status=status, member=member
        )


@router.get(
    "/joint-actions/{request_id}",
    response_model=JointActionOut,
    summary="A request for joint action",
)
def get_joint_action(
    request_id: LogIndex, services: ServicesDep, reader: IdentityDep
) -> JointActionOut:
    """The request, its status now, and the report where the reader may see it."""
    now = services.admission.clock()
    with services.db.read() as connection:
        seen = queries.request(connection, reader, request_id)
    if seen is None:
        raise NotFoundError(
            f"no request for joint action {request_id} that {reader.member} may see"
        )
    return joint_out(seen, now)
