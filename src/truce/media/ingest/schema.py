"""The JSON that extraction produces, as strict Pydantic models.

One :class:`Extraction` per article::

    {"article": {...}, "incidents": [...], "claims": [...]}

Conflicting figures of one event stay apart: an article that reports the same event
with figures from two sources (ISPR's count and Mujahid's) yields one
:class:`CandidateIncident` per claimant, each naming its source in ``claimed_by``. An
event reported without conflicting figures yields exactly one record however often the
article mentions it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DatePrecision = Literal["day", "week", "month", "unknown"]
PartyCode = Literal["PK", "AF"]
MemberCode = Literal["PK", "AF", "TR", "QA"]
Stance = Literal["accusation", "denial", "warning", "demand", "commitment", "assessment", "offer"]
STANCES: tuple[Stance, ...] = (
    "accusation",
    "denial",
    "warning",
    "demand",
    "commitment",
    "assessment",
    "offer",
)
CATEGORIES = ("soldiers", "civilians", "militants", "unspecified")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleMeta(_Model):
    """What the article says about itself."""

    title: str | None
    outlet: str | None
    published: str | None = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class Casualties(_Model):
    """A count per category; ``None`` when the article gives no figure for it."""

    soldiers: int | None = Field(default=None, ge=0)
    civilians: int | None = Field(default=None, ge=0)
    militants: int | None = Field(default=None, ge=0)
    unspecified: int | None = Field(default=None, ge=0)

    def is_empty(self) -> bool:
        """True when no category has a figure."""
        return all(getattr(self, name) is None for name in CATEGORIES)


class CandidateIncident(_Model):
    """One event as one source in one article tells it."""

    date: str | None = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_precision: DatePrecision
    place: str | None
    place_id: str | None
    admin1: str | None
    country: PartyCode | None
    lat: float | None
    lon: float | None
    type: str
    actors: list[str]
    killed: Casualties
    injured: Casualties
    claimed_by: list[str]
    disputed_by: list[str]
    evidence: str


class Claim(_Model):
    """A statement attributed to a speaker."""

    speaker: str
    member: MemberCode | None
    stance: Stance
    quote: str


class Extraction(_Model):
    """Everything extracted from one article."""

    article: ArticleMeta
    incidents: list[CandidateIncident]
    claims: list[Claim]
