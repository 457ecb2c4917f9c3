"""Notifications over JSON: the record of who was told what, sending a failed delivery
again, a member's webhook endpoints, a delegate's e-mail address, and the mechanism's
notification key (the one route here that needs no token: receivers check ``v1a``
signatures with it).

The secretariat reads every member's record; any other delegate its own member's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from truce.api.deps import IdentityDep, ServicesDep
from truce.errors import NotFoundError
from truce.log import witness_report as witness_reports
from truce.log.api import read_limited, writable
from truce.notify import alarms, queries, service, webhooks

router = APIRouter(prefix="/api/v1", tags=["notifications"])
#: Beside the log's own routes, without a token: a witness signs what it posts there.
log_router = APIRouter(prefix="/log/v1", tags=["log"])
RowId = Annotated[int, Path(ge=1, le=2**31)]


def _viewer(member: str, role: str) -> str | None:
    return None if role == "secretariat" else member


class AttemptOut(BaseModel):
    """One attempt to deliver."""

    at: datetime
    outcome: str
    status_code: int | None
    detail: str


class DeliveryOut(BaseModel):
    """One channel of a notification (an e-mail address, an endpoint's id)."""

    id: int
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    tries: list[AttemptOut]


class NotificationOut(BaseModel):
    """Who was to be told of which act (``delegate`` ``*``: the member's systems)."""

    id: str
    act_idx: int
    leaf_hash: str
    kind: str
    subject: str
    subject_idx: int
    number: int | None
    member: str
    delegate: str
    reason: str
    created_at: datetime
    deliveries: list[DeliveryOut]


@router.get(
    "/notifications",
    response_model=list[NotificationOut],
    summary="Who was told what: notifications, deliveries and attempts",
)
def list_notifications(
    services: ServicesDep,
    reader: IdentityDep,
    member: Annotated[str | None, Query(max_length=8)] = None,
    status: Annotated[str | None, Query(pattern="^(pending|delivered|failed|disabled)$")] = None,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Any]:
    """Newest act first; the secretariat sees every member's, a member only its own."""
    with services.db.read() as connection:
        found = queries.notifications(
            connection,
            _viewer(reader.member, reader.role),
            member=member,
            status=status,
            offset=offset,
            limit=limit,
        )
    return [NotificationOut.model_validate(record, from_attributes=True) for record in found]


@router.post(
    "/notifications/deliveries/{delivery_id}/send-again",
    status_code=204,
    summary="Send a failed delivery again",
)
def send_again(delivery_id: RowId, services: ServicesDep, who: IdentityDep) -> None:
    """The secretariat, or the member's head: the delivery is due again now."""
    service.send_again(services.db, who, delivery_id, services.admission.clock())


class KeyOut(BaseModel):
    """The mechanism's notification key, as Standard Webhooks writes one."""

    algorithm: str = "ed25519"
    public_key: str


@router.get("/notifications/key", response_model=KeyOut, summary="The webhooks' signing key")
def notification_key(services: ServicesDep) -> KeyOut:
    """The public key that signs every webhook (``v1a``); no token needed."""
    path = services.settings.notify_key_file
    if path is None:
        raise NotFoundError("this mechanism sends no webhooks (no notification key)")
    return KeyOut(public_key=webhooks.public_key_text(service.load_key(path)))


class EndpointIn(BaseModel):
    """A webhook endpoint to register, with the member's own ``whsec_`` secret if it
    wants ``v1`` (HMAC-SHA256) signatures beside ``v1a``."""

    url: str = Field(max_length=2000)
    secret: str | None = Field(default=None, max_length=200)


class EndpointOut(BaseModel):
    """A registered endpoint (its secret is never shown again)."""

    id: int
    member: str
    url: str
    signs_v1: bool
    created_by: str
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None


@router.get(
    "/notifications/endpoints", response_model=list[EndpointOut], summary="Webhook endpoints"
)
def list_endpoints(services: ServicesDep, who: IdentityDep) -> list[Any]:
    """The reader's member's endpoints (every member's, for the secretariat)."""
    found = service.endpoints(services.db, _viewer(who.member, who.role))
    return [EndpointOut.model_validate(item, from_attributes=True) for item in found]


@router.post(
    "/notifications/endpoints",
    response_model=EndpointOut,
    status_code=201,
    summary="Register a webhook endpoint",
)
def add_endpoint(body: EndpointIn, services: ServicesDep, who: IdentityDep) -> Any:
    """A member's head registers an endpoint of its member."""
    info = service.add_endpoint(
        services.db,
        who,
        body.url,
        body.secret,
        services.admission.clock(),
        allow_private=services.settings.notify_allow_private_addresses,
    )
    return EndpointOut.model_validate(info, from_attributes=True)


@router.delete(
    "/notifications/endpoints/{endpoint_id}", status_code=204, summary="Remove an endpoint"
)
def remove_endpoint(endpoint_id: RowId, services: ServicesDep, who: IdentityDep) -> None:
    """Nothing more is sent to it; its record stays."""
    service.remove_endpoint(services.db, who, endpoint_id, services.admission.clock())


class TestOut(BaseModel):
    """What a test webhook came to."""

    delivered: bool
    status_code: int | None
    detail: str


@router.post(
    "/notifications/endpoints/{endpoint_id}/test",
    response_model=TestOut,
    summary="Send a signed test webhook",
)
def test_endpoint(endpoint_id: RowId, services: ServicesDep, who: IdentityDep) -> TestOut:
    """Posts a signed ``notify.test`` webhook to the endpoint now and says how it went."""
    channel = service.webhook_channel(services.settings, services.db)
    try:
        outcome = service.test_endpoint(
            services.db, who, endpoint_id, channel, services.admission.clock()
        )
    finally:
        channel.close()
    return TestOut(
        delivered=outcome.delivered, status_code=outcome.status_code, detail=outcome.detail
    )


class AddressIn(BaseModel):
    """A delegate's e-mail address for notifications (null: none)."""

    email: str | None = Field(max_length=320)


@router.put("/notifications/address", status_code=204, summary="Your e-mail address")
def set_address(body: AddressIn, services: ServicesDep, who: IdentityDep) -> None:
    """Set or remove the caller's own address; notifications of later acts use it."""
    service.set_address(services.db, who, body.email, services.admission.clock())


class PreferenceIn(BaseModel):
    """Each notification as it comes, or one e-mail a day; hours of reminder before a
    deadline (null: the mechanism's). ``member_default``: a head sets its member's."""

    timing: Literal["each", "digest"] = "each"
    remind_hours: int | None = Field(default=None, ge=1, le=24 * 14)
    member_default: bool = False


class PreferenceOut(BaseModel):
    """The caller's choices in force, and its member's defaults."""

    timing: str
    remind_hours: int | None
    member_timing: str | None
    member_remind_hours: int | None


@router.get("/notifications/preferences", response_model=PreferenceOut, summary="Your preferences")
def get_preferences(services: ServicesDep, who: IdentityDep) -> Any:
    """What is in force for the caller, and its member's defaults."""
    return PreferenceOut.model_validate(service.preference(services.db, who), from_attributes=True)


@router.put("/notifications/preferences", status_code=204, summary="Set your preferences")
def set_preferences(body: PreferenceIn, services: ServicesDep, who: IdentityDep) -> None:
    """The caller's own choices, or (a head) its member's defaults."""
    service.set_preference(
        services.db,
        who,
        body.timing,
        body.remind_hours,
        services.admission.clock(),
        member_default=body.member_default,
    )


class WitnessReportOut(BaseModel):
    """What a witness's report came to: its member, the reason, and how many
    notifications it wrote (0 when every member was already alarmed of it)."""

    member: str
    reason: str
    alarmed: int


@log_router.post(
    "/witness-reports",
    response_model=WitnessReportOut,
    dependencies=[Depends(writable)],
    summary="A witness reports a split view or an inconsistent log",
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
)
async def witness_report(request: Request, services: ServicesDep) -> WitnessReportOut:
    """A signed note by a registered witness key (``truce.log.witness_report``); no
    token: the witness's signature is its credential. Every party and mediator is
    alarmed, once per witness, reason and size it last cosigned."""
    data = await read_limited(request, witness_reports.MAX_BYTES)
    origin = services.admission.mechanism().scenario.mechanism.origin
    with services.db.read() as connection:
        found = witness_reports.open_report(connection, data, origin)
    written = await run_in_threadpool(
        alarms.report,
        services.db,
        found.member,
        found.reason,
        found.size,
        found.root,
        found.since,
        services.admission.clock(),
    )
    return WitnessReportOut(member=found.member, reason=found.reason, alarmed=written)
