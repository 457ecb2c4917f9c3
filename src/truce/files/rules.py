"""Evidence files: what a file is, by its content, and what its photo metadata says.

A file's type is decided by its first bytes, never by its name or by what the uploader
declares: a declared type that disagrees with the content is refused. For photos, the
time and place the camera recorded (EXIF ``DateTimeOriginal`` and GPS) are read so that
they can be shown beside the claim the photo supports.

A camera's clock names no time zone: ``DateTimeOriginal`` is the wall-clock time the
camera was set to, wherever that was. It is kept as read (``taken_at`` without a zone)
and shown as such, never read as UTC. Only when the photo also records
``OffsetTimeOriginal`` (``+05:00``) is the moment known; that offset is kept beside it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from truce.errors import InputError, PayloadTooLargeError

#: Accepted evidence types, recognised by their leading bytes.
SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("application/pdf", b"%PDF-", 0),
    ("image/webp", b"WEBP", 8),
    ("video/mp4", b"ftyp", 4),
)
TEXT = "text/plain"


#: EXIF tags: DateTimeOriginal, its offset from UTC (EXIF 2.31), and DateTime.
_TAKEN, _TAKEN_OFFSET, _DATE_TIME = 0x9003, 0x9011, 0x0132
_OFFSET = re.compile(r"^[+-](?:0\d|1[0-4]):[0-5]\d$")


@dataclass(frozen=True, slots=True)
class PhotoMetadata:
    """When and where a camera says a photo was taken.

    ``taken_at`` is the camera clock's reading without a zone (``2025-10-28T14:03:00``);
    ``offset`` its offset from UTC (``+05:00``) when the photo records one.
    """

    taken_at: str | None
    lat: float | None
    lon: float | None
    offset: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form, omitting what the photo does not say."""
        given = (("taken_at", self.taken_at), ("offset", self.offset), ("lat", self.lat),
                 ("lon", self.lon))  # fmt: skip
        return {key: value for key, value in given if value is not None}


def camera_moment(photo: dict[str, Any]) -> datetime | None:
    """The moment a photo was taken, when its camera time names its offset; else None
    (a camera clock without a zone is not a moment)."""
    taken, offset = photo.get("taken_at"), photo.get("offset")
    if not isinstance(taken, str) or not isinstance(offset, str) or not _OFFSET.match(offset):
        return None
    try:
        return datetime.fromisoformat(taken + offset)
    except ValueError:
        return None


def sniff(content: bytes) -> str:
    """The media type of ``content`` by its leading bytes; refuse anything else."""
    for media_type, magic, offset in SIGNATURES:
        if content[offset : offset + len(magic)] == magic:
            if media_type == "image/webp" and not content.startswith(b"RIFF"):
                continue
            return media_type
    if b"\x00" not in content[:4096]:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return TEXT
    raise InputError(
        "the file is not an accepted kind of evidence (JPEG, PNG, WebP, PDF, MP4 or UTF-8 "
        "text), judged by its content",
        field="file",
    )


def check_upload(content: bytes, declared: str | None, limit: int) -> str:
    """The media type of an upload, after the size and content checks."""
    if len(content) > limit:
        raise PayloadTooLargeError(
            f"the file has {len(content)} bytes; the limit is {limit}", field="file"
        )
    if not content:
        raise InputError("the file is empty", field="file")
    media_type = sniff(content)
    declared_type = (declared or "").split(";")[0].strip().lower()
    if declared_type not in ("", "application/octet-stream", media_type):
        raise InputError(
            f"the file was sent as {declared_type} but its content is {media_type}",
            field="file",
        )
    return media_type


def _rational(value: Any) -> float:
    return float(value)


def _degrees(parts: Any, ref: Any) -> float | None:
    try:
        degrees, minutes, seconds = (_rational(part) for part in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).upper() in ("S", "W") else value


def photo_metadata(content: bytes, media_type: str) -> PhotoMetadata | None:
    """EXIF time and GPS position of a JPEG, PNG or WebP photo, when it has them."""
    if not media_type.startswith("image/"):
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif()
            details = exif.get_ifd(0x8769)
            gps = exif.get_ifd(0x8825)
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    taken = details.get(_TAKEN) or exif.get(_DATE_TIME)
    taken_at = offset = None
    if isinstance(taken, str):
        try:
            taken_at = datetime.strptime(taken.strip(), "%Y:%m:%d %H:%M:%S").isoformat()
        except ValueError:
            taken_at = None
    given = details.get(_TAKEN_OFFSET) if details.get(_TAKEN) else None
    if taken_at is not None and isinstance(given, str) and _OFFSET.match(given.strip("\x00 ")):
        offset = given.strip("\x00 ")
    lat = _degrees(gps.get(2), gps.get(1)) if gps.get(2) else None
    lon = _degrees(gps.get(4), gps.get(3)) if gps.get(4) else None
    if lat is not None and not -90 <= lat <= 90:
        lat = None
    if lon is not None and not -180 <= lon <= 180:
        lon = None
    if taken_at is None and lat is None and lon is None:
        return None
    return PhotoMetadata(taken_at=taken_at, lat=lat, lon=lon, offset=offset)
