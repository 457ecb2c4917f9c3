"""Evidence files: checked by content, stored once under their SHA-256.

Both the files API (``POST /api/v1/files``) and the web application's act forms store
uploads here, so a file passes the same size and type checks whichever way it came.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from truce.files.rules import check_upload, photo_metadata
from truce.storage.db import Database
from truce.storage.models import FileUpload, StoredFile


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """An upload that passed the checks: its bytes, digest, type by content and metadata."""

    content: bytes
    sha256: str
    media_type: str
    photo: dict[str, Any] | None

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return len(self.content)


def check_file(content: bytes, declared_type: str | None, limit: int) -> CheckedFile:
    """Check an upload's size and type by content (raises the errors of ``check_upload``)."""
    media_type = check_upload(content, declared_type, limit)
    photo = photo_metadata(content, media_type)
    return CheckedFile(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        media_type=media_type,
        photo=None if photo is None else photo.to_dict(),
    )


def store_file(db: Database, checked: CheckedFile, uploaded_by: str, now: datetime) -> None:
    """Store a checked file unless it is already stored (uploads are idempotent).

    Whoever uploads it is recorded as having been given it (``file_uploads``), the first
    uploader and every later one: a member that sent the bytes may cite them.
    """
    with db.write() as connection:
        known = connection.execute(
            select(StoredFile.sha256).where(StoredFile.sha256 == checked.sha256)
        ).first()
        if known is None:
            connection.execute(
                insert(StoredFile).values(
                    sha256=checked.sha256,
                    media_type=checked.media_type,
                    size=checked.size,
                    content=checked.content,
                    photo=checked.photo,
                    uploaded_by=uploaded_by,
                    uploaded_at=now,
                )
            )
        given = connection.execute(
            select(FileUpload.member).where(
                FileUpload.sha256 == checked.sha256, FileUpload.member == uploaded_by
            )
        ).first()
        if given is None:
            connection.execute(
                insert(FileUpload).values(
                    sha256=checked.sha256, member=uploaded_by, uploaded_at=now
                )
            )
