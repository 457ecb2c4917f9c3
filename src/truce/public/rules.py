"""What of one act the public record shows: the publication policy applied, purely.

:func:`published` is the one gate. It is asked of every act the public page and feed
read, and answers with the published fields only, or None:

- an act addressed to ``public`` of a kind the policy lets be addressed to the public
  (``publication.addressable``): the parts of its body :data:`ADDRESSABLE` names;
- an act addressed to all members (or the public) of a kind the policy publishes facts
  of (``publication.facts``): those facts only (for a penalty, of the steps named);
- anything else: None. An act addressed to the mediators or to a list of members never
  leaves the mechanism, whatever its kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from truce.ledger.envelope import Audience
from truce.scenario.publication import ADDRESSABLE, PUBLIC, Publication


@dataclass(frozen=True, slots=True)
class PublicEntry:
    """One entry of the public record: which act, by whom, when, and what is shown."""

    kind: str
    index: int
    leaf_hash: str
    at: datetime
    member: str
    #: The published fields, exactly those the policy names.
    shown: Mapping[str, Any]


def published(
    policy: Publication | None,
    kind: str,
    audience: Audience,
    body: Mapping[str, Any],
    at: datetime,
    case_number: int | None = None,
) -> dict[str, Any] | None:
    """The fields of an act the public record shows, or None (see the module)."""
    if policy is None:
        return None
    if audience == PUBLIC and policy.may_address(kind):
        return {name: body[name] for name in ADDRESSABLE[kind] if name in body}
    facts = policy.facts_of(kind)
    if facts is None or audience not in ("all", PUBLIC):
        return None
    if kind == "case.penalty" and body.get("step") not in (facts.steps or ()):
        return None
    known: dict[str, Any] = {
        "case_number": case_number,
        "date": at.date().isoformat(),
        **{name: body.get(name) for name in ("outcome", "violator", "clauses", "member", "step")},
    }
    return {name: known[name] for name in facts.fields}
