"""Scoring extraction against hand-annotated expectations (``*.expected.json``).

- Incidents match when their type is the same and their dates are within a day of each
  other (both unknown also matches). Matching is one-to-one and greedy, preferring pairs
  whose ``claimed_by`` overlap and whose killed counts agree, so that the two records of
  one event with conflicting figures pair with the right expectations.
- Killed counts: the share of matched pairs whose four killed categories are all equal.
- Claims: per article, the set of (speaker, stance) pairs, compared case-insensitively.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from truce.media.ingest.schema import CandidateIncident, Extraction


@dataclass
class Score:
    """Counts that add up over articles."""

    incidents_expected: int = 0
    incidents_found: int = 0
    incidents_matched: int = 0
    killed_exact: int = 0
    claims_expected: int = 0
    claims_found: int = 0
    claims_matched: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        """Add another score's counts to this one."""
        for name in (
            "incidents_expected", "incidents_found", "incidents_matched", "killed_exact",
            "claims_expected", "claims_found", "claims_matched",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    @staticmethod
    def _f1(matched: int, found: int, expected: int) -> tuple[float, float, float]:
        precision = matched / found if found else (1.0 if not expected else 0.0)
        recall = matched / expected if expected else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    @property
    def incident_prf(self) -> tuple[float, float, float]:
        """Incident precision, recall and F1."""
        return self._f1(self.incidents_matched, self.incidents_found, self.incidents_expected)

    @property
    def claim_prf(self) -> tuple[float, float, float]:
        """Claim precision, recall and F1 over (speaker, stance) pairs."""
        return self._f1(self.claims_matched, self.claims_found, self.claims_expected)

    @property
    def killed_exact_rate(self) -> float:
        """Share of matched incidents whose killed counts are exactly right."""
        return self.killed_exact / self.incidents_matched if self.incidents_matched else 1.0


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def dates_match(a: str | None, b: str | None) -> bool:
    """Both unknown, or within a day of each other."""
    first, second = _date(a), _date(b)
    if first is None or second is None:
        return first is None and second is None
    return abs((first - second).days) <= 1


def incidents_match(found: CandidateIncident, expected: CandidateIncident) -> bool:
    """Same type and date within a day."""
    return found.type == expected.type and dates_match(found.date, expected.date)


def _affinity(found: CandidateIncident, expected: CandidateIncident) -> int:
    claimed = {c.lower() for c in found.claimed_by} & {c.lower() for c in expected.claimed_by}
    return (2 if found.killed == expected.killed else 0) + (1 if claimed else 0)


def score_article(found: Extraction, expected: Extraction, name: str = "") -> Score:
    """Score one article's extraction against its expectation."""
    score = Score(
        incidents_expected=len(expected.incidents),
        incidents_found=len(found.incidents),
    )
    pairs = [
        (_affinity(f, e), i, j)
        for i, f in enumerate(found.incidents)
        for j, e in enumerate(expected.incidents)
        if incidents_match(f, e)
    ]
    used_found: set[int] = set()
    used_expected: set[int] = set()
    for _, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if i in used_found or j in used_expected:
            continue
        used_found.add(i)
        used_expected.add(j)
        score.incidents_matched += 1
        if found.incidents[i].killed == expected.incidents[j].killed:
            score.killed_exact += 1
        else:
            score.misses.append(
                f"{name}: killed {found.incidents[i].killed.model_dump(exclude_none=True)} "
                f"!= {expected.incidents[j].killed.model_dump(exclude_none=True)} "
                f"({expected.incidents[j].type} {expected.incidents[j].date})"
            )
    for j, e in enumerate(expected.incidents):
        if j not in used_expected:
            score.misses.append(f"{name}: missed {e.type} {e.date} {e.place_id}")
    for i, f in enumerate(found.incidents):
        if i not in used_found:
            score.misses.append(f"{name}: spurious {f.type} {f.date} {f.place_id}")
    found_claims = {(c.speaker.lower(), c.stance) for c in found.claims}
    expected_claims = {(c.speaker.lower(), c.stance) for c in expected.claims}
    score.claims_found = len(found_claims)
    score.claims_expected = len(expected_claims)
    score.claims_matched = len(found_claims & expected_claims)
    return score
