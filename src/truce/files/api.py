"""Evidence files: upload once by content, read only within the audience of citing acts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from truce.accounts.service import Identity
from truce.api.deps import IdentityDep, ServicesDep
from truce.files.queries import readable
from truce.files.store import check_file, store_file
from truce.log.api import read_limited, writable
from truce.log.audience import reader_of

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
async def upload(request: Request, services: ServicesDep, caller: IdentityDep) -> FileInfo:
    """Store the file under its SHA-256 (idempotent); its type is judged by its content."""
    content = await read_limited(request, services.settings.max_file_bytes)
    checked = check_file(
        content, request.headers.get("content-type"), services.settings.max_file_bytes
    )
    store_file(services.db, checked, caller.member, datetime.now(UTC))
    info = FileInfo(
        sha256=checked.sha256, media_type=checked.media_type, size=checked.size, photo=checked.photo
    )
    return info


def _readable(found: Any, sha256: str, identity: Identity) -> Any:
    with found.db.read() as connection:
        return readable(connection, reader_of(connection, identity), sha256)


@router.get(
    "/{sha256}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
    summary="A file's bytes, to the audience of an act citing it",
)
def download(sha256: str, services: ServicesDep, caller: IdentityDep) -> Response:
    """The bytes, as uploaded, with the type judged at upload."""
    row = _readable(services, sha256, caller)
    return Response(
        bytes(row.content),
        media_type=row.media_type,
        headers={"X-Content-Type-Options": "nosniff", "Content-Disposition": "attachment"},
    )


@router.get("/{sha256}/info", response_model=FileInfo, summary="A file's type, size, metadata")
def file_info(sha256: str, services: ServicesDep, caller: IdentityDep) -> FileInfo:
    """What is known of the file, without its bytes."""
    row = _readable(services, sha256, caller)
    return FileInfo(sha256=row.sha256, media_type=row.media_type, size=row.size, photo=row.photo)
