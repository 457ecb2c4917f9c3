"""The log API under ``/log/v1/``, modelled on RFC 6962 §4.

Reads of the log itself (checkpoint, entries, proofs) are open: anyone may audit the
log. Bodies are served only to the audience of an act that carries them, and acts are
accepted only from an authenticated delegate who also signed them.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope

from truce.accounts.service import authenticate
from truce.api import problems
from truce.api.deps import (
    MAX_INDEX,
    IdentityDep,
    LogIndex,
    Services,
    ServicesDep,
    app_services,
    bearer_token,
)
from truce.errors import (
    ForbiddenError,
    InputError,
    NotFoundError,
    PayloadTooLargeError,
    ReadOnlyError,
    TruceError,
)
from truce.ledger.envelope import audience_includes, stored_audience
from truce.ledger.note import Note
from truce.log import checkpoints
from truce.log.admission import load_submission_bytes
from truce.log.published import published_keys
from truce.log.store import LogStore
from truce.storage.models import Act, Member

router = APIRouter(prefix="/log/v1", tags=["log"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _text(note: Note) -> Response:
    # tlog-tiles: the checkpoint is mutable and must not be cached beyond a few seconds.
    return Response(
        note.serialize(),
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


async def writable(services: ServicesDep) -> None:
    """Refuse a write on a read-only mirror, before any credential is even looked at."""
    if services.settings.read_only:
        raise ReadOnlyError(
            "this server is a read-only mirror of the log: send writes to the secretariat's server"
        )


def read_only_problem(request: Request, exc: Exception) -> Response:
    """The exception handler of :func:`read_only_response`."""
    error = exc if isinstance(exc, ReadOnlyError) else ReadOnlyError(str(exc))
    return read_only_response(error, request.url.path)


def read_only_response(error: ReadOnlyError, path: str) -> Response:
    """The 405 problem of a write to a mirror, with the empty ``Allow`` of RFC 9110 §10.2.1."""
    response = problems.from_error(error, path)
    response.headers["Allow"] = ""
    return response


class Entry(BaseModel):
    """One log entry: its index and leaf bytes (the RFC 8785 signed envelope)."""

    index: int
    leaf: str = Field(description="base64 of the leaf bytes")


class Entries(BaseModel):
    """A run of consecutive entries (possibly fewer than asked for)."""

    entries: list[Entry]


class InclusionProof(BaseModel):
    """RFC 6962 §2.1.1 audit path, from the leaf upward."""

    index: int
    size: int
    leaf_hash: str = Field(description="base64 RFC 6962 leaf hash")
    audit_path: list[str] = Field(description="base64 node hashes")


class ConsistencyProof(BaseModel):
    """RFC 6962 §2.1.2 consistency proof."""

    first: int
    second: int
    consistency: list[str] = Field(description="base64 node hashes")


class Inclusion(BaseModel):
    """An inclusion proof in the tree of ``size``."""

    size: int
    audit_path: list[str]


class Receipt(BaseModel):
    """Proof that an act is in the log: its leaf, a signed checkpoint, the audit path."""

    v: int
    mechanism: str
    index: int
    leaf: str = Field(description="base64 leaf bytes (the signed envelope)")
    leaf_hash: str = Field(description="base64 RFC 6962 leaf hash (hex in version 1)")
    checkpoint: str = Field(description="the first checkpoint covering the entry (signed note)")
    inclusion: Inclusion


class ActReceipt(BaseModel):
    """Where an accepted act was recorded, with its receipt."""

    index: int
    leaf_hash: str = Field(
        description="hex RFC 6962 leaf hash: the act's reference, as refs carry it"
    )
    receipt: Receipt


@router.get("/", summary="The origin, the log's verifier key and the witnesses' keys")
def published(services: ServicesDep) -> JSONResponse:
    """What anyone needs to check a checkpoint and its cosignatures, with no sign-in.

    ``log.vkey`` and each ``witnesses[].vkey`` are C2SP signed-note verifier keys
    (``name+hash+key``): type 0x01 for the log, 0x04 (cosignature/v1) for witnesses.
    """
    scenario = services.admission.mechanism().scenario
    with services.db.read() as connection:
        return JSONResponse(published_keys(connection, scenario))


@router.get(
    "/checkpoint",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    summary="The newest signed checkpoint, with every cosignature it has",
)
def checkpoint(
    services: ServicesDep, size: Annotated[int | None, Query(ge=0, le=MAX_INDEX)] = None
) -> Response:
    """A C2SP tlog-checkpoint in C2SP signed-note form (``size``: an older one)."""
    with services.db.read() as connection:
        return _text(checkpoints.cosigned_note(connection, size))


@router.get(
    "/checkpoint/witnessed",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    summary="The newest checkpoint cosigned by the scenario's quorum of witnesses",
)
def witnessed_checkpoint(services: ServicesDep) -> Response:
    """404 until enough member witnesses have cosigned a checkpoint."""
    quorum = services.admission.mechanism().scenario.witness_threshold
    with services.db.read() as connection:
        size = checkpoints.witnessed_size(connection, quorum)
        if size is None:
            raise NotFoundError(f"no checkpoint has {quorum} witness cosignatures yet")
        return _text(checkpoints.cosigned_note(connection, size))


class WitnessStatus(BaseModel):
    """A member witness's newest cosignature."""

    member: str
    size: int
    timestamp: int


@router.get("/witnesses", response_model=list[WitnessStatus], summary="Witness status")
def witnesses(services: ServicesDep) -> list[WitnessStatus]:
    """Per member: the newest checkpoint size it cosigned, and when."""
    with services.db.read() as connection:
        counts = checkpoints.cosignature_counts(connection)
    return [
        WitnessStatus(member=member, size=size, timestamp=timestamp)
        for member, (size, timestamp) in sorted(counts.items())
    ]


class CosignatureResult(BaseModel):
    """Which members' cosignatures a post added."""

    size: int
    added: list[str]


@router.post(
    "/cosignatures",
    response_model=CosignatureResult,
    dependencies=[Depends(writable)],
    summary="Post a witness's cosignature (C2SP tlog-cosignature)",
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
)
async def cosignatures(request: Request, services: ServicesDep) -> CosignatureResult:
    """The checkpoint as served, with the witness's cosignature line added."""
    data = await read_limited(request, 64 * 1024)
    scenario = services.admission.mechanism().scenario
    with services.db.write() as connection:
        size, added = checkpoints.add_cosignatures(
            connection,
            data,
            services.admission.clock(),
            timedelta(seconds=scenario.procedure.max_clock_skew_seconds),
        )
    return CosignatureResult(size=size, added=added)


@router.get("/entries", response_model=Entries, summary="Entries start..end inclusive")
def entries(
    services: ServicesDep,
    start: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    end: Annotated[int, Query(ge=0, le=MAX_INDEX)],
) -> Entries:
    """Consecutive entries; at most ``max_entries_per_request`` are returned."""
    if end < start:
        raise InputError(f"end {end} is before start {start}", field="end")
    with services.db.read() as connection:
        store = LogStore(connection)
        size = store.head().size
        if start >= size:
            raise NotFoundError(f"start {start} is beyond the log's size {size}", field="start")
        last = min(end, size - 1, start + services.settings.max_entries_per_request - 1)
        rows = store.entries(start, last)
    return Entries(entries=[Entry(index=index, leaf=_b64(leaf)) for index, leaf in rows])


@router.get("/proof/inclusion", response_model=InclusionProof, summary="Inclusion proof")
def inclusion(
    services: ServicesDep,
    index: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    size: Annotated[int, Query(ge=1, le=MAX_INDEX)],
) -> InclusionProof:
    """The audit path of entry ``index`` in the tree of ``size`` entries."""
    with services.db.read() as connection:
        store = LogStore(connection)
        path = store.inclusion_proof(index, size)
        leaf_hash = store.leaf_hash(index)
    return InclusionProof(
        index=index, size=size, leaf_hash=_b64(leaf_hash), audit_path=[_b64(h) for h in path]
    )


@router.get("/proof/consistency", response_model=ConsistencyProof, summary="Consistency proof")
def consistency(
    services: ServicesDep,
    first: Annotated[int, Query(ge=1, le=MAX_INDEX)],
    second: Annotated[int, Query(ge=1, le=MAX_INDEX)],
) -> ConsistencyProof:
    """Proof that the tree of ``first`` entries is a prefix of the tree of ``second``."""
    if first > second:
        raise InputError(f"first {first} is larger than second {second}", field="first")
    with services.db.read() as connection:
        proof = LogStore(connection).consistency_proof(first, second)
    return ConsistencyProof(first=first, second=second, consistency=[_b64(h) for h in proof])


@router.post(
    "/acts",
    response_model=ActReceipt,
    status_code=201,
    summary="Submit a signed act with its body",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["envelope", "body"],
                        "properties": {"envelope": {"type": "object"}, "body": {}},
                    }
                }
            },
        }
    },
)
async def submit(request: Request) -> Response:
    """Admit the act if every check passes; otherwise nothing is written.

    Served by :func:`answer_submission` ahead of the framework (see :mod:`truce.app`);
    this route documents it in the OpenAPI document and serves it in any app that
    mounts the router without that shortcut.
    """
    return await admit_posted(await app_services(request), request)


async def admit_posted(services: Services, request: Request) -> JSONResponse:
    """The answer to ``POST /log/v1/acts``: 201 with the receipt, or a :class:`TruceError`.

    Concurrent submissions are admitted together (:mod:`truce.log.batching`), each
    accepted or refused on its own; the bearer token is checked there, once per batch
    and token, and the receipt comes from the admitting transaction.
    """
    await writable(services)
    token = bearer_token(request)
    try:
        act = load_submission_bytes(
            await read_limited(request, services.settings.max_request_bytes)
        )
    except (InputError, PayloadTooLargeError):
        authenticate(services.db, token)  # a stranger learns nothing about the input: 401
        raise
    services.admission.precheck_signature(act)
    admitted = await services.admission.group_commit().submit(act, token=token)
    if admitted.document is None:
        raise NotFoundError(f"entry {admitted.receipt.index} is not yet under a signed checkpoint")
    # Built by the admitting transaction in the form of ActReceipt: returned as it is.
    return JSONResponse(
        {
            "index": admitted.receipt.index,
            "leaf_hash": admitted.receipt.leaf_hash.hex(),
            "receipt": admitted.document,
        },
        status_code=201,
    )


async def answer_submission(services: Services, scope: Scope, receive: Receive) -> Response | None:
    """The response to the ASGI request ``POST /log/v1/acts``, without routing,
    middleware or dependencies; None if the client went away before it was sent.

    The most frequent write of a mechanism under load spent more of its time in the
    framework's layers (nine middleware calls, the walk of every route, dependency
    resolution) than in its own checks. The answer is the one the route gives: the
    same receipt and the same problem+json for every error (RFC 9457).
    """
    path = scope["path"]
    try:
        return await admit_posted(services, Request(scope, receive))
    except ClientDisconnect:
        return None
    except ReadOnlyError as exc:
        return read_only_response(exc, path)
    except TruceError as exc:
        return problems.from_error(exc, path)
    except Exception:
        return problems.internal_error("POST", path)


@router.get("/receipts/{index}", response_model=Receipt, summary="The receipt of an entry")
def receipt_of(index: LogIndex, services: ServicesDep) -> Receipt:
    """The leaf, the first checkpoint covering it, and the inclusion proof."""
    mechanism = services.admission.mechanism().id
    with services.db.read() as connection:
        size = LogStore(connection).head().size
        if not 0 <= index < size:
            raise NotFoundError(f"no entry {index} (the log has {size})")
        return Receipt(**checkpoints.receipt(connection, index, mechanism))


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the request has {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLargeError(f"the request exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.get(
    "/bodies/{digest}",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
    summary="A body, to its audience only",
)
def body(digest: str, services: ServicesDep, caller: IdentityDep) -> Response:
    """The RFC 8785 bytes of a body, if the caller is in the audience of an act carrying it."""
    with services.db.read() as connection:
        member = connection.execute(select(Member.kind).where(Member.code == caller.member)).first()
        is_mediator = member is not None and member.kind == "mediator"
        carriers = connection.execute(
            select(Act.member, Act.audience).where(Act.body_digest == digest)
        ).all()
        if not carriers:
            raise NotFoundError(f"no act carries a body with digest {digest}")
        allowed = any(
            audience_includes(
                stored_audience(row.audience),
                row.member,
                caller.member,
                is_mediator,
            )
            for row in carriers
        )
        if not allowed:
            raise ForbiddenError(
                f"{caller.member} is not in the audience of any act carrying {digest}"
            )
        content = LogStore(connection).body(digest)
    if content is None:
        raise NotFoundError(f"the body {digest} is not held by this server")
    return Response(content, media_type="application/json")
