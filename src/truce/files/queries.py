"""The read side of evidence files: who may read a stored file.

A file is released to the member that uploaded it and to the audience of any act that
cites it (``file_refs``), by the one audience rule of
:mod:`truce.log.audience`; the files API and the case pages both ask here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from truce.errors import ForbiddenError, NotFoundError
from truce.log.audience import Reader, visible
from truce.storage.models import Act, FileRef, StoredFile


def readable(connection: Connection, reader: Reader, sha256: str) -> Any:
    """The stored file's row (bytes and all) if the reader may read it.

    Raises :class:`NotFoundError` if no such file is stored, :class:`ForbiddenError` if
    the reader's member neither uploaded it nor is in the audience of an act citing it.
    """
    row = connection.execute(select(StoredFile).where(StoredFile.sha256 == sha256)).first()
    if row is None:
        raise NotFoundError(f"no file {sha256}")
    citing = connection.execute(
        select(Act.member, Act.audience)
        .join(FileRef, FileRef.idx == Act.idx)
        .where(FileRef.sha256 == sha256, visible(reader, Act.audience, Act.member))
    ).all()
    allowed = row.uploaded_by == reader.member or any(
        reader.sees(act.audience, act.member) for act in citing
    )
    if not allowed:
        raise ForbiddenError(f"{reader.member} is not in the audience of any act citing this file")
    return row
