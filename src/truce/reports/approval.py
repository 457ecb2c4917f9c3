"""A report as an act: published by the secretariat, counting once approved.

::

    report.publish ─> awaiting ─(report.approve by each approver)─> published
                        └──(report.withdraw by the publishing member)──> withdrawn

The scenario says who publishes and who must approve (``[reports]``,
:func:`policy`); the approvers are fixed when the report is put forward, so a later
change of the scenario cannot change what an earlier report needed. A report counts as
published only once every required approval is in the log; an approval from anyone
else, a second approval by the same member, an approval of a withdrawn or already
published report, and a withdrawal once it counts are refused. An approval cannot be
undone.

Pure: the offline check (:mod:`truce.reports.check`) replays the same steps over an
audit bundle as admission runs over the database, so the two cannot disagree on
whether a report counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from truce.acts.actor import Actor
from truce.acts.refusal import require as _require
from truce.errors import RefusedActError

if TYPE_CHECKING:  # the offline check loads no scenario model
    from truce.scenario.rules import Scenario

Status = Literal["awaiting", "published", "withdrawn"]
STATUSES: tuple[Status, ...] = ("awaiting", "published", "withdrawn")
REPORT_KINDS = ("report.publish", "report.approve", "report.withdraw")


@dataclass(frozen=True, slots=True)
class Policy:
    """Who publishes reports and who must approve each one."""

    publishers: tuple[str, ...]
    approvers: tuple[str, ...]


def policy(scenario: Mapping[str, Any]) -> Policy:
    """The report policy of a scenario, from its plain data (a genesis body or a model
    dump): ``[reports]`` where it is given, else the secretariat publishes and every
    mediator approves. The offline check reads it from the bundle's genesis body."""
    table = scenario.get("reports")
    members = [m for m in scenario.get("members", ()) if isinstance(m, Mapping)]
    if isinstance(table, Mapping):
        return Policy(tuple(table["publishers"]), tuple(table["approvers"]))
    return Policy(
        tuple(m["code"] for m in members if m.get("kind") == "secretariat"),
        tuple(m["code"] for m in members if m.get("kind") == "mediator"),
    )


def policy_of(scenario: Scenario) -> Policy:
    """The report policy of a validated scenario (:attr:`Scenario.report_publishers`,
    :attr:`Scenario.report_approvers`)."""
    return Policy(scenario.report_publishers, scenario.report_approvers)


@dataclass(frozen=True, slots=True)
class Report:
    """A report put forward, who must approve it, who has, and whether it was withdrawn.

    ``approvals`` holds ``(member, leaf hash of its report.approve)`` in log order;
    ``completed_by`` is the leaf hash of the approval that made it count, and
    ``withdrawn_by`` that of its withdrawal.
    """

    id: str
    by: str
    put_at: datetime
    approvers: tuple[str, ...]
    approvals: tuple[tuple[str, str], ...] = ()
    completed_by: str | None = None
    withdrawn_by: str | None = None

    @property
    def approved_by(self) -> tuple[str, ...]:
        """The members that approved it, in log order."""
        return tuple(member for member, _ in self.approvals)

    @property
    def missing(self) -> tuple[str, ...]:
        """The approvers that have not approved it yet."""
        return tuple(code for code in self.approvers if code not in self.approved_by)

    @property
    def status(self) -> Status:
        """``withdrawn``, ``published`` once every approver approved, else ``awaiting``."""
        if self.withdrawn_by is not None:
            return "withdrawn"
        return "published" if self.completed_by is not None else "awaiting"


def publish(rules: Policy, report_id: str, actor: Actor) -> Report:
    """A new report from a ``report.publish`` act (its body is checked by its model)."""
    _require(
        actor.member in rules.publishers,
        f"only {', '.join(rules.publishers)} publishes reports (the scenario's [reports] "
        "publishers)",
    )
    return Report(id=report_id, by=actor.member, put_at=actor.at, approvers=rules.approvers)


def approve(found: Report, actor: Actor, leaf: str) -> Report:
    """The report after a ``report.approve`` act whose leaf hash is ``leaf``."""
    _require(
        found.withdrawn_by is None, f"this report was withdrawn by {found.by}: it takes no approval"
    )
    _require(
        actor.member in found.approvers,
        f"only {', '.join(found.approvers)} approve this report (the scenario's [reports] "
        f"approvers); {actor.member} does not",
    )
    _require(
        actor.member not in found.approved_by,
        f"{actor.member} has already approved this report: an approval is given once",
    )
    _require(actor.at >= found.put_at, "the approval predates the report", "at")
    after = replace(found, approvals=(*found.approvals, (actor.member, leaf)))
    if not after.missing:
        after = replace(after, completed_by=leaf)
    return after


def withdraw(found: Report, actor: Actor, leaf: str) -> Report:
    """The report after a ``report.withdraw`` act: its publisher takes back a draft that
    does not count yet (one that counts stays on the record)."""
    _require(
        actor.member == found.by, f"only {found.by}, which put the report forward, withdraws it"
    )
    _require(found.withdrawn_by is None, "this report was already withdrawn")
    _require(
        found.completed_by is None,
        "this report is published (every approver approved it): it can no longer be withdrawn",
    )
    return replace(found, withdrawn_by=leaf)


def replay(
    rules: Policy, acts: Iterable[tuple[str, str, str, datetime, str | None]]
) -> dict[str, Report]:
    """The reports the acts leave, by the leaf hash of each ``report.publish``: each act
    is ``(leaf hash, kind, member, time, refs[0])``, in log order. An act the rules
    refuse changes nothing, as admission would not have recorded it."""
    found: dict[str, Report] = {}
    for leaf_hash, kind, member, at, ref in acts:
        actor = Actor(member=member, kind="", at=at)
        try:
            if kind == "report.publish":
                found[leaf_hash] = publish(rules, leaf_hash, actor)
            elif ref is not None and ref in found and kind == "report.approve":
                found[ref] = approve(found[ref], actor, leaf_hash)
            elif ref is not None and ref in found and kind == "report.withdraw":
                found[ref] = withdraw(found[ref], actor, leaf_hash)
        except RefusedActError:
            continue
    return found


def to_json(found: Report) -> dict[str, Any]:
    """The report's state as JSON, for the projection row."""
    return {
        "id": found.id,
        "by": found.by,
        "put_at": found.put_at.isoformat(),
        "approvers": list(found.approvers),
        "approvals": [[member, leaf] for member, leaf in found.approvals],
        "completed_by": found.completed_by,
        "withdrawn_by": found.withdrawn_by,
    }


def from_json(data: Mapping[str, Any]) -> Report:
    """The inverse of :func:`to_json`."""
    return Report(
        id=data["id"],
        by=data["by"],
        put_at=datetime.fromisoformat(data["put_at"]),
        approvers=tuple(data["approvers"]),
        approvals=tuple((str(member), str(leaf)) for member, leaf in data["approvals"]),
        completed_by=data["completed_by"],
        withdrawn_by=data["withdrawn_by"],
    )
