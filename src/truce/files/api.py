"""Evidence files: upload once by content, read only within the audience of citing acts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from truce.api.deps import IdentityDep, ServicesDep
from truce.errors import ForbiddenError, NotFoundError
from truce.files.store import check_file, store_file
from truce.ledger.envelope import audience_includes, stored_audience
from truce.log.api import read_limited, writable
from truce.storage.models import Act, FileRef, Member, StoredFile

router = APIRouter(prefix="/api/v1/files", tags=["files"])


class FileInfo(BaseModel):
    """A stored file: its digest, type by content, size, and what a photo's EXIF says."""

    sha256: str
    media_type: str
    size: int
    photo: dict[str, Any] | None


@router.post(
    "",
    response_model=FileInfo,
    status_code=201,
    summary="Upload an evidence file (its bytes as the request body)",
    dependencies=[Depends(writable)],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def upload(request: Request, found: ServicesDep, caller: IdentityDep) -> FileInfo:
    """Store the file under its SHA-256 (idempotent); its type is judged by its content."""
    content = await read_limited(request, found.settings.max_file_bytes)
    checked = check_file(
        content, request.headers.get("content-type"), found.settings.max_file_bytes
    )
    store_file(found.db, checked, caller.member, datetime.now(UTC))
    info = FileInfo(
        sha256=checked.sha256, media_type=checked.media_type, size=checked.size, photo=checked.photo
    )
    return info


def _readable(found: Any, sha256: str, member: str) -> Any:
    with found.db.read() as connection:
        row = connection.execute(select(StoredFile).where(StoredFile.sha256 == sha256)).first()
        if row is None:
            raise NotFoundError(f"no file {sha256}")
        kind = connection.execute(select(Member.kind).where(Member.code == member)).scalar()
        citing = connection.execute(
            select(Act.member, Act.audience)
            .join(FileRef, FileRef.idx == Act.idx)
            .where(FileRef.sha256 == sha256)
        ).all()
    allowed = row.uploaded_by == member or any(
        audience_includes(stored_audience(act.audience), act.member, member, kind == "mediator")
        for act in citing
    )
    if not allowed:
        raise ForbiddenError(f"{member} is not in the audience of any act citing this file")
    return row


@router.get(
    "/{sha256}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
    summary="A file's bytes, to the audience of an act citing it",
)
def download(sha256: str, found: ServicesDep, caller: IdentityDep) -> Response:
    """The bytes, as uploaded, with the type judged at upload."""
    row = _readable(found, sha256, caller.member)
    return Response(
        bytes(row.content),
        media_type=row.media_type,
        headers={"X-Content-Type-Options": "nosniff", "Content-Disposition": "attachment"},
    )


@router.get("/{sha256}/info", response_model=FileInfo, summary="A file's type, size, metadata")
def file_info(sha256: str, found: ServicesDep, caller: IdentityDep) -> FileInfo:
    """What is known of the file, without its bytes."""
    row = _readable(found, sha256, caller.member)
    return FileInfo(sha256=row.sha256, media_type=row.media_type, size=row.size, photo=row.photo)
