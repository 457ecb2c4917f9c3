"""The log API under ``/log/v1/``, modelled on RFC 6962 §4.

Reads of the log itself (checkpoint, entries, proofs) are open: anyone may audit the
log. Bodies are served only to the audience of an act that carries them, and acts are
accepted only from an authenticated delegate who also signed them.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from truce.api.deps import IdentityDep, ServicesDep
from truce.errors import ForbiddenError, InputError, NotFoundError, PayloadTooLargeError
from truce.ledger.envelope import audience_includes, stored_audience
from truce.services.admission import load_submission_bytes
from truce.storage.log import LogStore
from truce.storage.models import Act, Member

router = APIRouter(prefix="/log/v1", tags=["log"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


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


class ActReceipt(BaseModel):
    """Where an accepted act was recorded."""

    index: int
    leaf_hash: str = Field(description="hex RFC 6962 leaf hash")


@router.get(
    "/checkpoint",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    summary="The current tree head (C2SP tlog-checkpoint body)",
)
def checkpoint(found: ServicesDep) -> Response:
    """Origin line, tree size and base64 root, one per line."""
    origin = found.admission.mechanism().scenario.mechanism.origin
    with found.db.read() as connection:
        head = LogStore(connection).head()
    text = f"{origin}\n{head.size}\n{_b64(head.root)}\n"
    return Response(text, media_type="text/plain; charset=utf-8")


@router.get("/entries", response_model=Entries, summary="Entries start..end inclusive")
def entries(
    found: ServicesDep,
    start: Annotated[int, Query(ge=0)],
    end: Annotated[int, Query(ge=0)],
) -> Entries:
    """Consecutive entries; at most ``max_entries_per_request`` are returned."""
    if end < start:
        raise InputError(f"end {end} is before start {start}", field="end")
    with found.db.read() as connection:
        store = LogStore(connection)
        size = store.head().size
        if start >= size:
            raise NotFoundError(f"start {start} is beyond the log's size {size}", field="start")
        last = min(end, size - 1, start + found.settings.max_entries_per_request - 1)
        rows = store.entries(start, last)
    return Entries(entries=[Entry(index=index, leaf=_b64(leaf)) for index, leaf in rows])


@router.get("/proof/inclusion", response_model=InclusionProof, summary="Inclusion proof")
def inclusion(
    found: ServicesDep,
    index: Annotated[int, Query(ge=0)],
    size: Annotated[int, Query(ge=1)],
) -> InclusionProof:
    """The audit path of entry ``index`` in the tree of ``size`` entries."""
    with found.db.read() as connection:
        store = LogStore(connection)
        path = store.inclusion_proof(index, size)
        leaf_hash = store.leaf_hash(index)
    return InclusionProof(
        index=index, size=size, leaf_hash=_b64(leaf_hash), audit_path=[_b64(h) for h in path]
    )


@router.get("/proof/consistency", response_model=ConsistencyProof, summary="Consistency proof")
def consistency(
    found: ServicesDep,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> ConsistencyProof:
    """Proof that the tree of ``first`` entries is a prefix of the tree of ``second``."""
    if first > second:
        raise InputError(f"first {first} is larger than second {second}", field="first")
    with found.db.read() as connection:
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
async def submit(request: Request, found: ServicesDep, caller: IdentityDep) -> ActReceipt:
    """Admit the act if every check passes; otherwise nothing is written."""
    limit = found.settings.max_request_bytes
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
    act = load_submission_bytes(b"".join(chunks))
    receipt = found.admission.submit(act, submitter=caller)
    return ActReceipt(index=receipt.index, leaf_hash=receipt.leaf_hash.hex())


@router.get(
    "/bodies/{digest}",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
    summary="A body, to its audience only",
)
def body(digest: str, found: ServicesDep, caller: IdentityDep) -> Response:
    """The RFC 8785 bytes of a body, if the caller is in the audience of an act carrying it."""
    with found.db.read() as connection:
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
