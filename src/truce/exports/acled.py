"""An incident as a row of ACLED's 31 columns, then truce's own (``docs/exports.md``).

The mapping is pure: it takes the scenario and what the read side found of each case
(:class:`Incident`) and gives each row as a dict of typed values, in
:data:`ACLED_COLUMNS` order followed by :data:`TRUCE_COLUMNS` and one column per party
for the fatalities it claims. ACLED codes events from published sources; truce's rows
are allegations one party lodged against another, so every value that would read as a
finding (who did it, how many died) is the alleging party's claim, and says so.

The CSV is written by :func:`write_csv` with the standard library's ``csv`` module;
text cells that a spreadsheet would run as a formula are guarded (:func:`guard`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truce.scenario.facts import casualty_lists, zone_for
from truce.scenario.rules import Scenario

#: ACLED's columns, in the order of its exports.
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
#: truce's own columns, after ACLED's.
TRUCE_COLUMNS: tuple[str, ...] = (
    "alleging_member", "accused_member", "harboured_group", "clauses", "case_number",
    "status", "outcome", "log_index", "leaf_hash",
)  # fmt: skip
#: The prefix of the per-party columns: the fatalities each party claims.
CLAIM_PREFIX = "fatalities_claimed_"

#: truce's incident type -> ACLED's (disorder_type, event_type, sub_event_type).
EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    "armed_clash": ("Political violence", "Battles", "Armed clash"),
    "attack_on_post": ("Political violence", "Battles", "Armed clash"),
    "air_or_drone_strike": ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    "shelling": (
        "Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack",
    ),
    "explosion": (
        "Political violence", "Explosions/Remote violence", "Remote explosive/landmine/IED",
    ),
    "infiltration": ("Strategic developments", "Strategic developments", "Other"),
    "airspace_violation": ("Strategic developments", "Strategic developments", "Other"),
    "access_denied_to_monitors": ("Strategic developments", "Strategic developments", "Other"),
    "border_closure": ("Strategic developments", "Strategic developments", "Other"),
    "border_reopening": ("Strategic developments", "Strategic developments", "Other"),
    "other": ("Strategic developments", "Strategic developments", "Other"),
}  # fmt: skip
#: A type the scenario adds beyond these is coded as ACLED codes what fits no other type.
UNMAPPED_TYPE = ("Strategic developments", "Strategic developments", "Other")

#: truce's time precision -> ACLED's: 1 the day is known, 2 the week, 3 the month.
TIME_PRECISION = {"minute": 1, "hour": 1, "day": 1, "week": 2, "month": 3}
#: The case's place precision -> ACLED's: 1 the place itself, 2 near it or in its
#: district, 3 only the province (or nothing) is known.
GEO_PRECISION = {"exact": 1, "approximate": 2, "district": 2, "province": 3, "unknown": 3}

#: ACLED's actor types (inter1, inter2): state forces in their own country, civilians,
#: and external forces (a state's forces acting in another country).
STATE_FORCES, CIVILIANS, EXTERNAL_FORCES = 1, 7, 8

#: Countries by ISO 3166-1 alpha-2 (a scenario's member codes): numeric code, alpha-3,
#: and the name and region ACLED gives them.
COUNTRIES: dict[str, tuple[int, str, str, str]] = {
    "AF": (4, "AFG", "Afghanistan", "South Asia"),
    "PK": (586, "PAK", "Pakistan", "South Asia"),
    "IN": (356, "IND", "India", "South Asia"),
    "IR": (364, "IRN", "Iran", "Middle East"),
    "TR": (792, "TUR", "Turkey", "Europe"),
    "QA": (634, "QAT", "Qatar", "Middle East"),
}


@dataclass(frozen=True, slots=True)
class Incident:
    """What an export says of one case: its row's columns, and its allegation's words."""

    case_id: int
    number: int | None
    leaf_hash: str
    lodged_by: str
    accused: str
    accused_group: str | None
    type: str
    occurred_at: datetime
    time_precision: str
    place_id: str | None
    admin1: str | None
    lat: float | None
    lon: float | None
    precision: str
    clauses: tuple[str, ...]
    killed: Mapping[str, Any]
    injured: Mapping[str, Any]
    missing: Mapping[str, Any] | None
    status: str
    outcome: str | None
    counter_to: int | None
    #: When the case last changed (its latest act): ACLED's ``timestamp``.
    changed_at: datetime
    narrative: str = ""
    actors: tuple[str, ...] = field(default_factory=tuple)


def columns(scenario: Scenario) -> tuple[str, ...]:
    """Every column of an export: ACLED's, truce's, then one per party's claim."""
    return ACLED_COLUMNS + TRUCE_COLUMNS + tuple(CLAIM_PREFIX + code for code in parties(scenario))


def parties(scenario: Scenario) -> tuple[str, ...]:
    """The codes of the scenario's parties, in its order."""
    return tuple(member.code for member in scenario.members if member.kind == "party")


def claimed_dead(killed: Mapping[str, Any]) -> int | None:
    """Everyone a figure says was killed, on both sides (ACLED counts every death);
    None when it states no figure at all."""
    stated = [value for value in killed.values() if isinstance(value, int)]
    return sum(stated) if stated else None


def _name(scenario: Scenario, code: str) -> str:
    member = scenario.member(code)
    return member.name if member is not None else code


def _forces(scenario: Scenario, code: str) -> str:
    return f"Military Forces of {COUNTRIES.get(code, (0, '', _name(scenario, code), ''))[2]}"


def _inter(actor_country: str, event_country: str | None) -> int:
    """State forces in their own country (or where the country is not known), external
    forces elsewhere."""
    return STATE_FORCES if event_country in (None, actor_country) else EXTERNAL_FORCES


def _figures(scenario: Scenario, incident: Incident) -> str:
    """The casualties an allegation states, by harm and category (its own claim)."""
    labels: dict[str, str] = {c.id: c.label.lower() for c in casualty_lists(scenario).categories}
    parts: list[str] = []
    for harm, counts in (
        ("killed", incident.killed),
        ("injured", incident.injured),
        ("missing or abducted", incident.missing or {}),
    ):
        stated = [
            f"{labels.get(category, category)} {value}"
            for category, value in counts.items()
            if isinstance(value, int)
        ]
        if stated:
            parts.append(f"{harm}: {', '.join(stated)}")
    return "; ".join(parts) if parts else "no casualty figures stated"


def _place(scenario: Scenario, incident: Incident) -> tuple[str | None, str, str]:
    """The event's country code, admin2 and location name."""
    place = scenario.place(incident.place_id) if incident.place_id else None
    if place is None:
        location = "" if incident.lat is None else f"{incident.lat:.4f}, {incident.lon:.4f}"
        return None, "", location
    admin2 = ""
    if place.kind == "district":
        admin2 = place.name
    elif place.parent:
        parent = scenario.place(place.parent)
        if parent is not None and parent.kind == "district":
            admin2 = parent.name
    return place.country, admin2, place.name


def claims(incidents: Sequence[Incident]) -> dict[int, dict[str, int | None]]:
    """Per case: the fatalities each party claims of its incident.

    A case holds its alleging party's figures; a counter-claim (a case lodged in answer
    to another, ``counter_to``) is the other party's account of the same events, so each
    of the two cases carries both parties' figures when both are in the export.
    """
    by_id = {incident.case_id: incident for incident in incidents}
    found: dict[int, dict[str, int | None]] = {}
    for incident in incidents:
        own = found.setdefault(incident.case_id, {})
        own[incident.lodged_by] = claimed_dead(incident.killed)
        linked = by_id.get(incident.counter_to) if incident.counter_to is not None else None
        if linked is not None:
            found.setdefault(linked.case_id, {})[incident.lodged_by] = own[incident.lodged_by]
            own.setdefault(linked.lodged_by, claimed_dead(linked.killed))
    return found


def fatalities(claimed: Mapping[str, int | None]) -> int:
    """ACLED's conservative practice: the lowest figure any party claims; 0 when none
    states one (as ACLED codes an event whose reports give no deaths)."""
    stated = [value for value in claimed.values() if value is not None]
    return min(stated) if stated else 0


def row(
    scenario: Scenario, incident: Incident, claimed: Mapping[str, int | None]
) -> dict[str, Any]:
    """One case as a row of :func:`columns`, with typed values (None for an empty cell)."""
    disorder, event_type, sub_event = EVENT_TYPES.get(incident.type, UNMAPPED_TYPE)
    country, admin2, location = _place(scenario, incident)
    iso, alpha3, country_name, region = COUNTRIES.get(
        country or "", (None, "XXX", _name(scenario, country) if country else "", "")
    )
    _zone_name, zone = zone_for(scenario, incident.place_id, incident.lodged_by)
    local = incident.occurred_at.astimezone(zone)
    inter1 = _inter(incident.accused, country)
    actor2, inter2 = "", 0
    if event_type == "Battles":
        actor2, inter2 = _forces(scenario, incident.lodged_by), _inter(incident.lodged_by, country)
    elif event_type == "Explosions/Remote violence" and any(
        isinstance((harm or {}).get("civilians"), int) and (harm or {})["civilians"] > 0
        for harm in (incident.killed, incident.injured, incident.missing)
    ):
        actor2 = f"Civilians ({country_name})" if country_name else "Civilians"
        inter2 = CIVILIANS
    interaction = int(f"{min(inter1, inter2)}{max(inter1, inter2)}") if inter2 else inter1 * 10
    labels = {t.id: t.label for t in scenario.incident_types}
    alleging, accused = _name(scenario, incident.lodged_by), _name(scenario, incident.accused)
    notes = [
        f"{labels.get(incident.type, incident.type)}, alleged by {alleging} against {accused}"
        + (f" (harbouring alleged: {incident.accused_group})" if incident.accused_group else "")
        + ". An allegation to the monitoring mechanism, not a finding.",
        f"As {alleging} claims: {_figures(scenario, incident)}.",
    ]
    for code, value in claimed.items():
        if code != incident.lodged_by:
            stated = "states no figure of the killed" if value is None else f"claims {value} killed"
            notes.append(
                f"In the linked claim and counter-claim, {_name(scenario, code)} {stated}."
            )
    if incident.actors:
        notes.append(f"Actors named: {'; '.join(incident.actors)}.")
    if incident.narrative:
        notes.append(incident.narrative)
    tags = ["allegation to the mechanism", f"truce time precision: {incident.time_precision}"]
    if incident.counter_to is not None:
        tags.append(f"counter-claim to log index {incident.counter_to}")
    values: dict[str, Any] = {
        "event_id_cnty": f"{alpha3}-TRUCE-{incident.number or incident.case_id}",
        "event_date": local.date().isoformat(),
        "year": local.year,
        "time_precision": TIME_PRECISION.get(incident.time_precision, 3),
        "disorder_type": disorder,
        "event_type": event_type,
        "sub_event_type": sub_event,
        "actor1": _forces(scenario, incident.accused),
        "assoc_actor_1": "",
        "inter1": inter1,
        "actor2": actor2,
        "assoc_actor_2": "",
        "inter2": inter2,
        "interaction": interaction,
        "civilian_targeting": "",
        "iso": iso,
        "region": region,
        "country": country_name,
        "admin1": incident.admin1 or "",
        "admin2": admin2,
        "admin3": "",
        "location": location,
        "latitude": incident.lat,
        "longitude": incident.lon,
        "geo_precision": GEO_PRECISION.get(incident.precision, 3),
        "source": f"Government of {alleging} (allegation to the mechanism)",
        "source_scale": "Other",
        "notes": " ".join(notes),
        "fatalities": fatalities(claimed),
        "tags": "; ".join(tags),
        "timestamp": int(incident.changed_at.timestamp()),
        "alleging_member": incident.lodged_by,
        "accused_member": incident.accused,
        "harboured_group": incident.accused_group or "",
        "clauses": ";".join(incident.clauses),
        "case_number": incident.number,
        "status": incident.status,
        "outcome": incident.outcome or "",
        "log_index": incident.case_id,
        "leaf_hash": incident.leaf_hash,
    }
    for code in parties(scenario):
        values[CLAIM_PREFIX + code] = claimed.get(code)
    return values


def rows(scenario: Scenario, incidents: Sequence[Incident]) -> list[dict[str, Any]]:
    """Every incident as a row, in the order given."""
    claimed = claims(incidents)
    return [row(scenario, incident, claimed[incident.case_id]) for incident in incidents]


#: The characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
#: injection"): a text cell starting with one is written after an apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value: str) -> str:
    """``value`` as a spreadsheet shows it as text: after ``'`` when it starts a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def unguard(value: str) -> str:
    """The text :func:`guard` was given."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return guard(value)
    return value


def write_csv(names: Iterable[str], table: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV (RFC 4180: quoted where needed, CRLF line ends), a header first."""
    out = io.StringIO()
    header = list(names)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for values in table:
        writer.writerow([_cell(values.get(name)) for name in header])
    return out.getvalue()
