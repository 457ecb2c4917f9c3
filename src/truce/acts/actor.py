"""Who signs an act, as the rules of every concept see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Actor:
    """Who signs an act: a member (and its kind), a delegate, and when."""

    member: str
    kind: str
    at: datetime
