"""A report's data: the figures of one period, language-independent, as canonical JSON.

The data hold ids, codes, numbers and ISO times only (an incident type's id, a member's
code, a place's gazetteer id); labels are applied when the report is rendered, in its
language. So the six renderings of one period are drawn from the same data bytes
(:func:`canonical`), and the act that publishes a report signs one data digest for all
its PDFs. What each section counts is documented in ``docs/reports.md``; in short:

- ``summary``: the headline figures beside the same figures of the period before;
- ``incidents``: allegations lodged in the period, by type by accused member by province
  and by clause, and the casualties each lodging member alleges, kept as its own claims
  (never summed across members, nor across victims and attackers);
- ``cases``: the case acts of the period (answered, ruled by outcome, appealed,
  referred, penalties, deadlines missed by member);
- ``crossings``: each side's state at the end of the period, hours closed within it and
  trucks stranded;
- ``joint``: requests for joint action made, reported and overdue;
- ``press``: press clusters first reported in the period that no case covers;
- ``annex``: one row per act of the period (log index, leaf hash, case number).

Only the common record counts (:mod:`truce.reports.queries`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from truce.crossings import rules as crossings
from truce.ledger import jcs
from truce.reports import queries
from truce.reports.rules import Period
from truce.scenario.facts import HARM_IDS, casualty_lists
from truce.scenario.rules import Scenario

#: The version of the data's layout, written into the data.
VERSION = 1
#: The headline figures, in the order the summary lists them.
HEADLINES = (
    "incidents",
    "answered",
    "ruled",
    "violations_confirmed",
    "appealed",
    "referred",
    "penalties",
    "deadlines_missed",
    "crossing_reports",
    "joint_requested",
    "joint_reported",
    "press_uncovered",
)
#: Which member missed a deadline a ``case.lapse`` records, by the deadline's kind
#: (an appeal's window passing is no missed duty and is not counted).
_MISSED_BY = {"response": "accused", "information": "to", "investigation": "mediators"}


def iso(moment: datetime) -> str:
    """An RFC 3339 UTC time to the second (``2025-11-05T13:00:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _e5(value: float | None) -> int | None:
    """A coordinate in hundred-thousandths of a degree (canonical JSON has no floats)."""
    return None if value is None else round(value * 100_000)


def province_of(scenario: Scenario, place_id: str | None) -> str | None:
    """The gazetteer province a place lies in (itself if it is one), else None."""
    seen: set[str] = set()
    place = scenario.place(place_id) if place_id else None
    while place is not None and place.id not in seen:
        if place.kind == "province":
            return place.id
        seen.add(place.id)
        place = scenario.place(place.parent) if place.parent else None
    return None


def _coordinates(scenario: Scenario, row: Any) -> tuple[int | None, int | None]:
    if row.lat is not None and row.lon is not None:
        return _e5(row.lat), _e5(row.lon)
    place = scenario.place(row.place_id) if row.place_id else None
    if place is None or place.lat is None or place.lon is None:
        return None, None
    return _e5(place.lat), _e5(place.lon)


def _sides(scenario: Scenario) -> dict[str, str]:
    return {category.id: category.side for category in casualty_lists(scenario).categories}


def _casualties(scenario: Scenario, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Each lodging member's alleged figures by harm and category: its own claims."""
    sides = _sides(scenario)
    counted: Counter[tuple[str, str, str, str]] = Counter()
    for row in rows:
        for harm in HARM_IDS:
            for category, value in (getattr(row, harm) or {}).items():
                if isinstance(value, int) and value:
                    side = sides.get(
                        category, "attackers" if category == "militants" else "victims"
                    )
                    counted[(row.lodged_by, harm, side, category)] += value
    return [
        {"claimant": claimant, "harm": harm, "side": side, "category": category, "count": count}
        for (claimant, harm, side, category), count in sorted(counted.items())
    ]


def _claimed_totals(casualties: Iterable[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    totals: Counter[tuple[str, str, str]] = Counter()
    for line in casualties:
        totals[(line["claimant"], line["harm"], line["side"])] += line["count"]
    return totals


def _incidents(scenario: Scenario, rows: Sequence[Any]) -> dict[str, Any]:
    by_type: Counter[tuple[str, str, str]] = Counter()
    by_clause: Counter[str] = Counter()
    listed: list[dict[str, Any]] = []
    for row in rows:
        province = province_of(scenario, row.place_id)
        by_type[(row.type, row.accused, province or "")] += 1
        for clause in row.clauses or []:
            by_clause[clause] += 1
        lat, lon = _coordinates(scenario, row)
        listed.append(
            {
                "case": row.number,
                "type": row.type,
                "lodged_by": row.lodged_by,
                "accused": row.accused,
                "place": row.place_id,
                "province": province,
                "lat_e5": lat,
                "lon_e5": lon,
                "occurred_at": iso(row.occurred_at),
                "log_index": row.id,
                "leaf_hash": row.leaf_hash,
            }
        )
    return {
        "by_type": [
            {"type": kind, "accused": accused, "province": province or None, "count": count}
            for (kind, accused, province), count in sorted(by_type.items())
        ],
        "by_clause": [{"clause": c, "count": n} for c, n in sorted(by_clause.items())],
        "casualties": _casualties(scenario, rows),
        "list": listed,
    }


def _cases(
    scenario: Scenario, acts: Sequence[Any], bodies: dict[str, Any], opened: int
) -> dict[str, Any]:
    kinds = Counter(row.kind for row in acts)
    ruled: Counter[str] = Counter()
    penalties: Counter[tuple[str, str]] = Counter()
    missed: Counter[tuple[str, str]] = Counter()
    for row in acts:
        if row.kind == "case.rule":
            ruled[row.outcome or "pending"] += 1
        elif row.kind == "case.penalty":
            penalties[(row.violator or "", row.penalty or "")] += 1
        elif row.kind == "case.lapse":
            body = bodies.get(row.body_digest, {})
            deadline = body.get("deadline")
            who = _MISSED_BY.get(deadline or "")
            if who == "accused":
                missed[(row.accused or "", deadline)] += 1
            elif who == "to":
                missed[(body.get("to") or row.accused or "", deadline)] += 1
            elif who == "mediators":
                missed[("mediators", deadline)] += 1
    return {
        "opened": opened,
        "answered": kinds["case.respond"],
        "ruled": [{"outcome": o, "count": n} for o, n in sorted(ruled.items())],
        "appealed": kinds["case.appeal"],
        "referred": kinds["case.refer"],
        "penalties": [
            {"member": member, "penalty": penalty, "count": n}
            for (member, penalty), n in sorted(penalties.items())
        ],
        "deadlines_missed": [
            {"member": member, "deadline": deadline, "count": n}
            for (member, deadline), n in sorted(missed.items())
        ],
    }


def _closed_hours(runs: Sequence[crossings.Period], period: Period) -> int:
    total = timedelta(0)
    for run in runs:
        if run.level != "closed":
            continue
        since = max(run.since, period.start)
        until = min(run.until or period.end, period.end)
        if until > since:
            total += until - since
    return int(total.total_seconds() // 3600)


def _crossings(rows: Sequence[Any], period: Period) -> list[dict[str, Any]]:
    reports = [
        crossings.Report(
            row.idx,
            row.crossing,
            row.member,
            row.trade,
            row.people,
            row.stranded_trucks,
            row.reason,
            row.effective_at,
        )
        for row in rows
        if row.effective_at < period.end
    ]
    by_side: dict[tuple[str, str], list[crossings.Report]] = defaultdict(list)
    for report in reports:
        by_side[(report.crossing, report.member)].append(report)
    lines: list[dict[str, Any]] = []
    for (crossing, member), history in sorted(by_side.items()):
        last = crossings.current(history)
        assert last is not None
        in_period = sum(1 for r in history if r.effective_at >= period.start)
        lines.append(
            {
                "crossing": crossing,
                "member": member,
                "trade": last.trade,
                "people": last.people,
                "trade_closed_hours": _closed_hours(crossings.periods(history, "trade"), period),
                "people_closed_hours": _closed_hours(crossings.periods(history, "people"), period),
                "stranded_trucks": last.stranded_trucks,
                "reports": in_period,
            }
        )
    return lines


def _joint(rows: Sequence[Any], acts: Sequence[Any], period: Period) -> dict[str, int]:
    requested = sum(1 for row in rows if row.requested_at >= period.start)
    overdue = sum(
        1
        for row in rows
        if row.deadline < period.end and (row.answered_at is None or row.answered_at >= period.end)
    )
    reported = sum(1 for row in acts if row.kind == "joint.report")
    return {"requested": requested, "reported": reported, "overdue": overdue}


def _days(period: Period) -> tuple[str, str]:
    zone = ZoneInfo(period.zone) if period.zone != "UTC" else UTC
    first = period.start.astimezone(zone).date()
    last = (period.end - timedelta(seconds=1)).astimezone(zone).date()
    return first.isoformat(), last.isoformat()


def _press(found: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "cluster": item["first"].cluster_id,
            "date": item["first"].date,
            "type": item["first"].type,
            "place": item["first"].place_id,
            "country": item["first"].country,
            "items": item["size"],
        }
        for item in found
    ]


def _annex(acts: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "log_index": row.idx,
            "leaf_hash": row.leaf_hash,
            "kind": row.kind,
            "member": row.member,
            "at": iso(row.at),
            "case": row.case_number,
        }
        for row in acts
    ]


def _figures(
    connection: Connection, scenario: Scenario, period: Period, common: Any
) -> dict[str, Any]:
    found = queries.incidents(connection, common, period.start, period.end)
    acts = queries.acts(connection, common, period.start, period.end)
    lapses = [row.body_digest for row in acts if row.kind == "case.lapse"]
    bodies = queries.bodies(connection, lapses)
    first, last = _days(period)
    return {
        "incidents": _incidents(scenario, found),
        "cases": _cases(scenario, acts, bodies, len(found)),
        "crossings": _crossings(queries.crossing_reports(connection, common, period.end), period),
        "joint": _joint(queries.joint_requests(connection, common, period.end), acts, period),
        "press": _press(queries.uncovered_press(connection, common, first, last)),
        "annex": _annex(acts),
    }


def _headlines(figures: dict[str, Any]) -> dict[str, int]:
    cases = figures["cases"]
    ruled = {line["outcome"]: line["count"] for line in cases["ruled"]}
    return {
        "incidents": cases["opened"],
        "answered": cases["answered"],
        "ruled": sum(ruled.values()),
        "violations_confirmed": ruled.get("violation_confirmed", 0),
        "appealed": cases["appealed"],
        "referred": cases["referred"],
        "penalties": sum(line["count"] for line in cases["penalties"]),
        "deadlines_missed": sum(line["count"] for line in cases["deadlines_missed"]),
        "crossing_reports": sum(line["reports"] for line in figures["crossings"]),
        "joint_requested": figures["joint"]["requested"],
        "joint_reported": figures["joint"]["reported"],
        "press_uncovered": len(figures["press"]),
    }


def report_data(connection: Connection, scenario: Scenario, period: Period) -> dict[str, Any]:
    """The data of the report of ``period``: the figures of the common record, each
    headline beside the period before (see the module's docstring)."""
    common = queries.common_record(connection)
    now = _figures(connection, scenario, period, common)
    before = _figures(connection, scenario, period.previous, common)
    headlines, previous = _headlines(now), _headlines(before)
    claimed = _claimed_totals(now["incidents"]["casualties"])
    claimed_before = _claimed_totals(before["incidents"]["casualties"])
    return {
        "version": VERSION,
        "mechanism": scenario.mechanism.id,
        "period": {
            "kind": period.kind,
            "from": iso(period.start),
            "to": iso(period.end),
            "time_zone": period.zone,
            "previous_from": iso(period.previous.start),
        },
        "log_size": queries.log_size_at(connection, period.end),
        "summary": [
            {"id": name, "value": headlines[name], "previous": previous[name]} for name in HEADLINES
        ],
        "casualty_claims": [
            {
                "claimant": claimant,
                "harm": harm,
                "side": side,
                "value": claimed.get((claimant, harm, side), 0),
                "previous": claimed_before.get((claimant, harm, side), 0),
            }
            for claimant, harm, side in sorted(set(claimed) | set(claimed_before))
        ],
        **now,
    }


def canonical(data: dict[str, Any]) -> bytes:
    """The report data as RFC 8785 canonical JSON: the bytes a PDF embeds and a
    publishing act signs the digest of."""
    return jcs.canonicalize(data)
