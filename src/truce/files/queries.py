"""The read side of evidence files: who has been given a stored file.

A file is given to every member that uploaded it (``file_uploads``) and to the audience
of any act that cites it (``file_refs``), by the one audience rule of
:mod:`truce.log.audience`. Only such a member may read the file, and only such a member
may cite it in an act of its own: a SHA-256 alone opens nothing. The files API, the case
pages and the admission of evidence acts all ask here.

To anyone else a file the member was not given is exactly a file that does not exist:
one answer, one message, neither its type nor its size.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, exists, select

from truce.errors import NotFoundError
from truce.log.audience import Reader, visible
from truce.storage.models import Act, FileRef, FileUpload, StoredFile


def not_given(sha256: str) -> str:
    """The one message for a file that is not stored and for one the reader was not given."""
    return (
        f"no file {sha256} has been uploaded by your member or shown to it in an act: "
        "upload it with POST /api/v1/files first"
    )


def given(connection: Connection, reader: Reader, sha256: str) -> Any | None:
    """The stored file's row (bytes and all) if the reader's member has been given it.

    None when no such file is stored and when the member neither uploaded it nor is in
    the audience of an act citing it: the caller cannot tell the two apart.
    """
    uploaded = exists().where(FileUpload.sha256 == sha256, FileUpload.member == reader.member)
    cited = (
        select(Act.member, Act.audience)
        .join(FileRef, FileRef.idx == Act.idx)
        .where(FileRef.sha256 == sha256, visible(reader, Act.audience, Act.member))
    )
    row = connection.execute(
        select(StoredFile, uploaded.label("uploaded")).where(StoredFile.sha256 == sha256)
    ).first()
    if row is None:
        return None
    if row.uploaded or row.uploaded_by == reader.member:
        return row
    if any(reader.sees(act.audience, act.member) for act in connection.execute(cited)):
        return row
    return None


def readable(connection: Connection, reader: Reader, sha256: str) -> Any:
    """The stored file's row if the reader may read it (:func:`given`).

    Raises :class:`NotFoundError`, with the same message, whether no such file is stored
    or the reader's member was not given it.
    """
    row = given(connection, reader, sha256)
    if row is None:
        raise NotFoundError(not_given(sha256))
    return row
