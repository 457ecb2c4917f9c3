"""A case's state as the ``cases`` projection stores it: JSON, and back.

The workflow (:mod:`truce.cases.rules`) reads and writes :class:`~truce.cases.rules.Case`
values; the projection keeps each case's state as JSON in ``cases.state``, so that the
next act about the case is checked against what the last one left.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from truce.cases.rules import Case, Finding, InfoRequest


def to_json(case: Case) -> dict[str, Any]:
    """The case as JSON, for the projection row (datetimes as ISO 8601)."""

    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": case.id,
        "lodged_by": case.lodged_by,
        "accused": case.accused,
        "lodged_at": moment(case.lodged_at),
        "response_deadline": moment(case.response_deadline),
        "status": case.status,
        "response": case.response,
        "information_requested": case.information_requested,
        "findings": {
            member: {
                "outcome": f.outcome,
                "violator": f.violator,
                "clauses": list(f.clauses),
                "reasons": f.reasons,
            }
            for member, f in case.findings.items()
        },
        "requests": [
            {
                "to": r.to,
                "deadline": moment(r.deadline),
                "answered": r.answered,
                "by": r.by,
                "asked_at": moment(r.asked_at),
                "lapsed": r.lapsed,
            }
            for r in case.requests
        ],
        "outcome": case.outcome,
        "violator": case.violator,
        "ruled_at": moment(case.ruled_at),
        "appealed": case.appealed,
        "waived": list(case.waived),
        "round": case.round,
        "split_rounds": case.split_rounds,
        "investigating_since": moment(case.investigating_since),
        "penalty": case.penalty,
        "lapsed": list(case.lapsed),
    }


def from_json(data: Mapping[str, Any]) -> Case:
    """The inverse of :func:`to_json`."""

    def moment(value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)

    lodged_at = moment(data["lodged_at"])
    deadline = moment(data["response_deadline"])
    if lodged_at is None or deadline is None:
        raise ValueError("a case has a lodging time and a response deadline")
    return Case(
        id=data["id"],
        lodged_by=data["lodged_by"],
        accused=data["accused"],
        lodged_at=lodged_at,
        response_deadline=deadline,
        status=data["status"],
        response=data["response"],
        information_requested=data["information_requested"],
        findings={
            member: Finding(
                member=member,
                outcome=f["outcome"],
                violator=f["violator"],
                clauses=tuple(f["clauses"]),
                reasons=f["reasons"],
            )
            for member, f in data["findings"].items()
        },
        requests=tuple(
            InfoRequest(
                to=r["to"],
                deadline=datetime.fromisoformat(r["deadline"]),
                answered=r["answered"],
                by=r.get("by"),
                asked_at=moment(r.get("asked_at")),
                lapsed=r.get("lapsed", False),
            )
            for r in data["requests"]
        ),
        outcome=data["outcome"],
        violator=data["violator"],
        ruled_at=moment(data["ruled_at"]),
        appealed=data["appealed"],
        waived=tuple(data.get("waived", ())),
        round=data["round"],
        split_rounds=data.get("split_rounds", 0),
        investigating_since=moment(data.get("investigating_since")),
        penalty=data["penalty"],
        lapsed=tuple(data.get("lapsed", ())),
    )
