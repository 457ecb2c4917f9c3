"""The searchable words of a case, as the ``cases`` projection stores them.

Kept apart from :mod:`truce.cases.projection` so that migration 0009, which fills
the column in for cases projected before it, uses the very same rule without importing
the projection handlers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def search_text(allegation: Mapping[str, Any]) -> str:
    """The words of an allegation that search looks in, casefolded: its narrative, its
    incident's actors and the accused group, separated by spaces.

    Stored on the case (``cases.search_text``) so that the database's text index
    (:mod:`truce.storage.schema`) can find a word in it without decoding any body; the
    scenario's words of the case's title (type label, place names) are not stored, since
    they belong to the scenario and not to the act. Casefolding both this text and the
    words looked for makes a plain substring test case-insensitive in any script.
    """
    incident = allegation.get("incident", {})
    return " ".join(
        [
            str(allegation.get("narrative", "")),
            " ".join(str(actor) for actor in incident.get("actors", [])),
            str(allegation.get("accused", {}).get("group") or ""),
        ]
    ).casefold()
