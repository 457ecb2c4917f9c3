"""The text of a media item, normalised, and the SHA-256 that names it.

Admission (the ``media.item`` body's ``content_hash``), the reader of articles and
feeds, and the projection all name an item by the same hash of the same text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata


def normalise_text(text: str) -> str:
    """NFC, every run of whitespace one space, trimmed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def content_hash(text: str) -> str:
    """The SHA-256 hex digest of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()
