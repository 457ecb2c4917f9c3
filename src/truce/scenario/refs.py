"""Cross-references of a scenario: the rules that span entries.

They run on plain data (parsed TOML or a model dump), not on models, so that they are
found even when other parts of the file fail schema validation, and a person editing
the file sees both kinds of problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from truce.scenario.publication import publication_problems
from truce.scenario.toml_lines import Location


def dotted(location: Iterable[str | int]) -> str:
    """``members.2.root_key``: a location as people read it."""
    return ".".join(str(part) for part in location) or "scenario"


def entries(data: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    """The tables of an array of tables, with their positions; others skipped."""
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A sub-table, or an empty one when it is absent or not a table."""
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _unique(
    found: list[tuple[Location, str]],
    section: str,
    entries: Iterable[tuple[int, Mapping[str, Any]]],
    key: str,
    what: str,
    prefix: Location = (),
) -> dict[str, Mapping[str, Any]]:
    """Index entries by a string key, reporting each repeat at its own line."""
    seen: dict[str, int] = {}
    index: dict[str, Mapping[str, Any]] = {}
    for i, entry in entries:
        value = entry.get(key)
        if not isinstance(value, str):
            continue
        if value in seen:
            first = dotted((*prefix, section, seen[value]))
            found.append(((*prefix, section, i, key), f"duplicate {what} {value!r} (see {first})"))
        else:
            seen[value] = i
            index[value] = entry
    return index


def cross_reference_problems(data: Mapping[str, Any]) -> list[tuple[Location, str]]:
    """Every broken reference or rule that spans entries, as ``(location, message)``.

    Works on plain data (parsed TOML or a model dump) and skips values of the wrong
    type, which schema validation reports, so that both kinds of problem are listed
    together.
    """
    found: list[tuple[Location, str]] = []
    members = entries(data, "members")
    codes = _unique(found, "members", members, "code", "member code")
    _unique(found, "members", members, "root_key", "root key")
    kinds = {code: m.get("kind") for code, m in codes.items()}
    parties = sorted(c for c, k in kinds.items() if k == "party")
    mediators = [c for c, k in kinds.items() if k == "mediator"]
    secretariats = [i for i, m in members if m.get("kind") == "secretariat"]
    if members:
        if not secretariats:
            found.append((("members",), "one member must be of kind 'secretariat'"))
        for i in secretariats[1:]:
            found.append((("members", i, "kind"), "only one member may be the secretariat"))
        if len(parties) < 2:
            found.append((("members",), "at least two members must be of kind 'party'"))
        if not mediators:
            found.append((("members",), "at least one member must be of kind 'mediator'"))
    found.extend(_witness_problems(data, members))

    texts = _unique(found, "texts", entries(data, "texts"), "id", "text id")
    clauses = entries(data, "clauses")
    _unique(found, "clauses", clauses, "id", "clause id")
    for i, clause in clauses:
        binds = clause.get("binds")
        for j, code in enumerate(binds if isinstance(binds, list) else []):
            if not isinstance(code, str) or not codes:
                continue
            if code not in codes:
                found.append((("clauses", i, "binds", j), f"unknown member {code!r}"))
            elif kinds[code] != "party":
                found.append(
                    (("clauses", i, "binds", j), f"{code!r} is a {kinds[code]}, not a party")
                )
        for j, reading in entries(clause, "readings"):
            by = reading.get("by")
            if isinstance(by, str) and codes and by != "mediators" and by not in codes:
                where: Location = ("clauses", i, "readings", j, "by")
                found.append((where, f"unknown member {by!r} (a member code or 'mediators')"))
        source = clause.get("source")
        if isinstance(source, str) and texts and source not in texts:
            known = ", ".join(sorted(texts))
            found.append((("clauses", i, "source"), f"unknown text {source!r} (known: {known})"))

    procedure = table(data, "procedure")
    for key, limit, who in (
        ("ruling_quorum", len(mediators), "mediators"),
        ("witness_quorum", len(parties) + len(mediators), "parties and mediators"),
    ):
        value = procedure.get(key)
        if members and type(value) is int and value > limit:
            found.append((("procedure", key), f"is {value} but there are only {limit} {who}"))

    found.extend(_report_problems(table(data, "reports"), codes, kinds))

    steps = entries(table(data, "penalties"), "steps")
    _unique(found, "steps", steps, "id", "penalty step id", prefix=("penalties",))
    previous: int | None = None
    for i, step in steps:
        count = step.get("count")
        if type(count) is not int:
            continue
        loc: Location = ("penalties", "steps", i, "count")
        if previous is None and count != 1:
            found.append((loc, "the first step must have count 1"))
        elif previous is not None and count <= previous:
            found.append((loc, f"counts must increase strictly: {count} follows {previous}"))
        previous = count

    types = entries(data, "incident_types")
    type_ids = _unique(found, "incident_types", types, "id", "incident type id")
    if types and "other" not in type_ids:
        found.append((("incident_types",), "the taxonomy must include the type 'other'"))

    found.extend(_place_problems(entries(data, "places"), parties))
    found.extend(_side_problems(entries(data, "places"), parties))
    found.extend(publication_problems(data))
    return found


def _report_problems(
    reports: Mapping[str, Any], codes: Mapping[str, Any], kinds: Mapping[str, Any]
) -> list[tuple[Location, str]]:
    """``[reports]``: publishers and approvers are known members, each named once; an
    approver is a party or a mediator (the secretariat publishes, it does not approve its
    own work), and nobody both publishes and approves."""
    found: list[tuple[Location, str]] = []
    named: dict[str, set[str]] = {}
    for key in ("publishers", "approvers"):
        values = reports.get(key)
        seen: set[str] = set()
        for j, code in enumerate(values if isinstance(values, list) else []):
            if not isinstance(code, str) or not codes:
                continue
            loc: Location = ("reports", key, j)
            if code not in codes:
                found.append((loc, f"unknown member {code!r}"))
            elif code in seen:
                found.append((loc, f"{code!r} is named twice"))
            elif key == "approvers" and kinds[code] not in ("party", "mediator"):
                found.append(
                    (loc, f"{code!r} is the {kinds[code]}: approvers are parties or mediators")
                )
            seen.add(code)
        named[key] = seen
    for code in sorted(named.get("publishers", set()) & named.get("approvers", set())):
        found.append(
            (
                ("reports", "approvers"),
                f"{code!r} both publishes and approves: a report is approved by others",
            )
        )
    return found


def _witness_problems(
    data: Mapping[str, Any], members: list[tuple[int, Mapping[str, Any]]]
) -> list[tuple[Location, str]]:
    """Witness key names: only a party's or a mediator's, each its own, none the log's.

    Two witnesses under one name could not be told apart by their cosignatures, and the
    origin is the log's own key name. A member without ``witness`` cosigns as
    ``<origin>/witness/<CODE>``, which counts as its name here.
    """
    found: list[tuple[Location, str]] = []
    origin = table(data, "mechanism").get("origin")
    seen: dict[str, int] = {}
    for i, member in members:
        witness = member.get("witness")
        name: object = witness.get("name") if isinstance(witness, Mapping) else None
        if witness is not None and member.get("kind") == "secretariat":
            found.append((("members", i, "witness"), "the secretariat runs no witness"))
            continue
        if name is None and member.get("kind") in ("party", "mediator"):
            name = f"{origin}/witness/{member.get('code')}"
        if not isinstance(name, str):
            continue
        loc: Location = ("members", i, "witness", "name")
        if name == origin:
            found.append((loc, "is the log's origin, the name the log itself signs under"))
        elif name in seen:
            found.append((loc, f"duplicate witness name {name!r} (see members.{seen[name]})"))
        else:
            seen[name] = i
    return found


def _side_problems(
    places: list[tuple[int, Mapping[str, Any]]], parties: list[str]
) -> list[tuple[Location, str]]:
    """A crossing's sides: only a crossing has them, each a party's, one per party."""
    found: list[tuple[Location, str]] = []
    for i, place in places:
        sides = entries(place, "sides")
        if sides and place.get("kind") != "crossing":
            found.append((("places", i, "sides"), "only a crossing has sides"))
        seen: set[str] = set()
        for j, side in sides:
            member = side.get("member")
            if not isinstance(member, str):
                continue
            if parties and member not in parties:
                found.append((("places", i, "sides", j, "member"), f"{member!r} is not a party"))
            elif member in seen:
                found.append((("places", i, "sides", j, "member"), f"{member!r} named twice"))
            seen.add(member)
    return found


def _place_problems(
    entries: list[tuple[int, Mapping[str, Any]]], parties: list[str]
) -> list[tuple[Location, str]]:
    """Duplicate ids, countries that are no party, and broken ``parent``/``opposite``."""
    found: list[tuple[Location, str]] = []
    places = _unique(found, "places", entries, "id", "place id")
    for i, place in entries:
        country = place.get("country")
        if isinstance(country, str) and parties and country not in parties:
            listed = ", ".join(parties)
            found.append((("places", i, "country"), f"{country!r} is not a party ({listed})"))
        for key in ("parent", "opposite"):
            ref = place.get(key)
            if not isinstance(ref, str):
                continue
            target = places.get(ref)
            if ref == place.get("id"):
                found.append((("places", i, key), f"a place cannot be its own {key}"))
            elif target is None:
                found.append((("places", i, key), f"unknown place {ref!r}"))
            elif (target.get("country") == country) != (key == "parent"):
                side = "the same country" if key == "parent" else "the other side of the border"
                found.append((("places", i, key), f"{ref!r} must be in {side}"))
        chain, current = [place.get("id")], place.get("parent")
        while isinstance(current, str) and current in places and current not in chain:
            chain.append(current)
            current = places[current].get("parent")
        if current == place.get("id") and len(chain) > 1:
            loop = " -> ".join(str(p) for p in [*chain, current])
            found.append((("places", i, "parent"), f"parents form a loop: {loop}"))
    return found
