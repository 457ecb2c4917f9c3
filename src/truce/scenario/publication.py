"""The publication policy: what the parties agreed the mechanism makes public.

Nothing leaves the mechanism but what the policy names. It says two things:

- which act kinds a member may address to ``public`` (``addressable``): such an act is
  read by every member, like one addressed to ``all``, and is also shown whole on the
  public page and in its feed; admission refuses ``public`` for any other kind;
- which facts of acts addressed to all members the public record shows (``facts``):
  for example a ruling's case number, date, outcome and violating party, never its
  reasons; a penalty's case number, date, party and step, for the steps named only.

It may also publish the mechanism's published reports (``reports``). A scenario
without a ``[publication]`` table publishes nothing. The catalogues below are what a
policy may name: :data:`ADDRESSABLE` the kinds whose bodies the public page knows how
to show, :data:`FACTS` the facts it can show of each common-record kind. An unknown
kind or fact is refused at its line (:func:`publication_problems`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from truce.scenario.fields import Slug
from truce.scenario.toml_lines import Location
from truce.verify.registry import GENESIS, PERMISSIONS

#: The audience of an act addressed to anyone at all.
PUBLIC: Final = "public"

#: The kinds a policy may let be addressed to the public, and what of their bodies the
#: public page shows.
ADDRESSABLE: Final[dict[str, tuple[str, ...]]] = {
    "statement.publish": ("title", "text", "language"),
}

#: The facts a policy may publish of each kind of act addressed to all members.
FACTS: Final[dict[str, tuple[str, ...]]] = {
    "case.rule": ("case_number", "date", "outcome", "violator", "clauses"),
    "case.penalty": ("case_number", "date", "member", "step"),
}

#: Every act kind the log knows (the genesis aside).
ACT_KINDS: Final = frozenset(PERMISSIONS) - {GENESIS}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PublishedFacts(_Model):
    """The facts of one kind of common-record act that are published."""

    kind: str
    fields: list[str] = Field(min_length=1)
    #: ``case.penalty`` only: the steps of the schedule whose penalties are published.
    steps: list[Slug] | None = Field(default=None, exclude_if=lambda value: value is None)


class Publication(_Model):
    """The publication policy (see the module's docstring)."""

    addressable: list[str] = Field(default_factory=list)
    facts: list[PublishedFacts] = Field(default_factory=list)
    reports: bool = False

    def may_address(self, kind: str) -> bool:
        """Whether an act of ``kind`` may be addressed to the public."""
        return kind in self.addressable and kind in ADDRESSABLE

    def facts_of(self, kind: str) -> PublishedFacts | None:
        """What is published of ``kind``'s acts addressed to all members, if anything."""
        for entry in self.facts:
            if entry.kind == kind:
                return entry
        return None


def _kind_problem(kind: str, allowed: Mapping[str, object], what: str) -> str:
    shown = ", ".join(sorted(allowed))
    if kind not in ACT_KINDS:
        return f"unknown act kind {kind!r} ({what}: {shown})"
    return f"{kind!r} is not one of the kinds {what}: {shown}"


def publication_problems(data: Mapping[str, Any]) -> list[tuple[Location, str]]:
    """Every problem of the ``[publication]`` table of plain scenario data, each at its
    own location: unknown or unpublishable kinds, facts a kind does not have, a kind
    named twice, penalty steps the schedule does not have."""
    policy = data.get("publication")
    if not isinstance(policy, Mapping):
        return []
    found: list[tuple[Location, str]] = []
    addressable = policy.get("addressable")
    for i, kind in enumerate(addressable if isinstance(addressable, list) else []):
        if isinstance(kind, str) and kind not in ADDRESSABLE:
            where: Location = ("publication", "addressable", i)
            found.append((where, _kind_problem(kind, ADDRESSABLE, "that may be public")))
    facts = policy.get("facts")
    steps_known = {
        step.get("id")
        for step in (data.get("penalties") or {}).get("steps") or []
        if isinstance(step, Mapping)
    }
    seen: set[str] = set()
    for i, entry in enumerate(facts if isinstance(facts, list) else []):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("kind"), str):
            continue
        kind = entry["kind"]
        at: Location = ("publication", "facts", i)
        if kind not in FACTS:
            found.append(((*at, "kind"), _kind_problem(kind, FACTS, "with published facts")))
            continue
        if kind in seen:
            found.append(((*at, "kind"), f"{kind!r} is named twice"))
        seen.add(kind)
        fields = entry.get("fields")
        for j, name in enumerate(fields if isinstance(fields, list) else []):
            if isinstance(name, str) and name not in FACTS[kind]:
                known = ", ".join(FACTS[kind])
                found.append(((*at, "fields", j), f"{kind} has no fact {name!r} ({known})"))
        steps = entry.get("steps")
        if steps is not None and kind != "case.penalty":
            found.append(((*at, "steps"), "steps are named for case.penalty only"))
        elif kind == "case.penalty" and steps is None:
            found.append((at, "name the penalty steps that are published (steps = [...])"))
        for j, step in enumerate(steps if isinstance(steps, list) else []):
            if isinstance(step, str) and steps_known and step not in steps_known:
                found.append(((*at, "steps", j), f"unknown penalty step {step!r}"))
    return found
