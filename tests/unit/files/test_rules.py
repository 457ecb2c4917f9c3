"""Evidence files: types by content, limits, and the metadata a photo carries."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from truce.errors import InputError, PayloadTooLargeError
from truce.files.rules import check_upload, photo_metadata, sniff


def photo(with_exif: bool = True) -> bytes:
    image = Image.new("RGB", (8, 8), (200, 30, 30))
    exif = Image.Exif()
    if with_exif:
        exif.get_ifd(0x8769)[0x9003] = "2025:11:06 14:05:09"
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = "N", (31.0, 0.0, 29.16)
        gps[3], gps[4] = "E", (66.0, 23.0, 53.16)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_types_are_judged_by_content() -> None:
    assert sniff(photo()) == "image/jpeg"
    assert sniff(png()) == "image/png"
    assert sniff(b"%PDF-1.7\n...") == "application/pdf"
    assert sniff(b"Witness statement: shelling at 14:00.") == "text/plain"
    with pytest.raises(InputError, match="not an accepted kind"):
        sniff(b"MZ\x90\x00\x03\x00\x00\x00executable")


def test_a_declared_type_that_disagrees_with_the_content_is_refused() -> None:
    assert check_upload(png(), "image/png", 1000) == "image/png"
    assert check_upload(png(), "application/octet-stream", 1000) == "image/png"
    with pytest.raises(InputError, match="sent as image/jpeg but its content is image/png"):
        check_upload(png(), "image/jpeg", 1000)


def test_limits() -> None:
    with pytest.raises(PayloadTooLargeError, match="limit is 10"):
        check_upload(png(), None, 10)
    with pytest.raises(InputError, match="empty"):
        check_upload(b"", None, 10)


def test_photo_time_and_position_are_read() -> None:
    found = photo_metadata(photo(), "image/jpeg")
    assert found is not None
    assert found.taken_at == "2025-11-06T14:05:09"
    assert found.lat == pytest.approx(31.0081, abs=1e-4)
    assert found.lon == pytest.approx(66.3981, abs=1e-4)
    assert photo_metadata(photo(with_exif=False), "image/jpeg") is None
    assert photo_metadata(b"%PDF-1.7", "application/pdf") is None
    assert photo_metadata(b"\xff\xd8\xffbroken", "image/jpeg") is None
