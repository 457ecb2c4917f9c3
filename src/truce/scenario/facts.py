"""The facts an allegation states: casualty figures by category and harm, and local time.

A scenario says which categories of person its allegations count (soldiers, police and
levies, civilians, militants, unspecified by default) and which kinds of harm (killed,
injured, missing or abducted). Each category is on one side of an attack: ``victims``
(those it harmed) or ``attackers`` (those who carried it out), and figures of the two
sides are never added together. The act body has one field per known category and harm
(:class:`truce.acts.bodies.Casualties`), so that acts lodged before a scenario declared
its lists still read; the scenario chooses which of them its forms offer and its
admission accepts.

Times are stored in UTC; people enter and read them in the local time of the place
they concern. A gazetteer place may name its IANA time zone, else it takes the zone of
the member whose country it is in; a member names its own (``Asia/Karachi``). A
scenario that names none keeps UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from truce.scenario.rules import Scenario

#: Every category of person an act body can carry, in the order forms list them.
CATEGORY_IDS = ("soldiers", "police_levies", "civilians", "militants", "unspecified")
#: Every kind of harm an act body can carry.
HARM_IDS = ("killed", "injured", "missing")

Side = Literal["victims", "attackers"]


def _zone(value: str) -> str:
    """An IANA time zone name that this system's time zone database knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{value!r} is not an IANA time zone such as 'Asia/Karachi'") from exc
    return value


TimeZoneName = Annotated[str, AfterValidator(_zone)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CasualtyCategory(_Model):
    """A category of person casualty figures count, on one side of an attack."""

    id: Literal["soldiers", "police_levies", "civilians", "militants", "unspecified"]
    label: Annotated[str, Field(min_length=1, pattern=r"\S")]
    side: Side = "victims"


class Harm(_Model):
    """A kind of harm casualty figures count."""

    id: Literal["killed", "injured", "missing"]
    label: Annotated[str, Field(min_length=1, pattern=r"\S")]


class CasualtyLists(_Model):
    """The categories and kinds of harm a scenario's allegations count."""

    categories: list[CasualtyCategory] = Field(min_length=1)
    harms: list[Harm] = Field(min_length=1)


DEFAULT_CASUALTIES = CasualtyLists(
    categories=[
        CasualtyCategory(id="soldiers", label="Soldiers"),
        CasualtyCategory(id="police_levies", label="Police and levies"),
        CasualtyCategory(id="civilians", label="Civilians"),
        CasualtyCategory(id="militants", label="Militants or attackers", side="attackers"),
        CasualtyCategory(id="unspecified", label="Unspecified"),
    ],
    harms=[
        Harm(id="killed", label="Killed"),
        Harm(id="injured", label="Injured"),
        Harm(id="missing", label="Missing or abducted"),
    ],
)
"""The lists of a scenario that declares none (every scenario logged before they were)."""


def casualty_lists(scenario: Scenario) -> CasualtyLists:
    """The scenario's casualty categories and harms, or the defaults."""
    return scenario.casualties or DEFAULT_CASUALTIES


def casualty_problems(scenario: Scenario, incident: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each figure of an incident the scenario does not count, as ``(field, message)``.

    The field is the body's dotted path (``body.incident.killed.police_levies``).
    """
    lists = casualty_lists(scenario)
    categories = {c.id for c in lists.categories}
    harms = {h.id for h in lists.harms}
    found: list[tuple[str, str]] = []
    for harm in HARM_IDS:
        counts = incident.get(harm) or {}
        given = [category for category, value in counts.items() if value is not None]
        if given and harm not in harms:
            found.append((f"body.incident.{harm}", f"this mechanism does not count people {harm}"))
            continue
        for category in given:
            if category not in categories:
                found.append(
                    (
                        f"body.incident.{harm}.{category}",
                        f"{category!r} is not a casualty category of this mechanism",
                    )
                )
    return found


def split_total(scenario: Scenario, counts: Mapping[str, Any] | None) -> tuple[int, int]:
    """The victims and the attackers a figure counts, each summed on its own side.

    A category the scenario does not list counts as a victim unless it is ``militants``.
    """
    sides: dict[str, str] = {c.id: c.side for c in casualty_lists(scenario).categories}
    victims = attackers = 0
    for category, value in (counts or {}).items():
        if not isinstance(value, int):
            continue
        side = sides.get(category, "attackers" if category == "militants" else "victims")
        if side == "attackers":
            attackers += value
        else:
            victims += value
    return victims, attackers


# -- local time ----------------------------------------------------------------------


def member_zone(scenario: Scenario, code: str | None) -> tuple[str, tzinfo]:
    """The time zone a member names (its name and the zone); UTC when it names none."""
    member = scenario.member(code) if code else None
    name = member.time_zone if member is not None else None
    return (name, ZoneInfo(name)) if name else ("UTC", UTC)


def place_zone(scenario: Scenario, place_id: str | None) -> tuple[str, tzinfo] | None:
    """The time zone of a gazetteer place: its own, else its country's member's."""
    place = scenario.place(place_id) if place_id else None
    if place is None:
        return None
    if place.time_zone:
        return place.time_zone, ZoneInfo(place.time_zone)
    member = scenario.member(place.country)
    if member is None or not member.time_zone:
        return None
    return member.time_zone, ZoneInfo(member.time_zone)


def zone_for(scenario: Scenario, place_id: str | None, member: str | None) -> tuple[str, tzinfo]:
    """The zone a time about a place is entered in: the place's where known, else the
    member's (the author's), else UTC."""
    return place_zone(scenario, place_id) or member_zone(scenario, member)


def utc_offset(zone: tzinfo, at: datetime) -> str:
    """``UTC+04:30``: the zone's offset from UTC at a moment."""
    offset = at.astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def local_to_utc(local: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in ``zone`` (naive) as the UTC moment it names."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def utc_to_local(moment: datetime, zone: tzinfo) -> datetime:
    """A UTC moment as the wall-clock time of ``zone`` (naive)."""
    return moment.astimezone(zone).replace(tzinfo=None)
