"""Where a person signs each act kind: the web form and the ``truce`` command.

Every act kind of the permission table (:data:`truce.verify.registry.PERMISSIONS`) that
a person may sign has an entry in :data:`SURFACES`: the page whose form signs it in the
browser, the template that holds that form, and the command that signs it from a key
file. A role no person holds (:data:`MACHINE_ROLES`: keys a process keeps, such as the
secretariat's clock) needs neither, so a kind only such roles sign has no entry.
:func:`missing` lists each kind and role left without a form or a command; a test holds
it empty, so a new act kind cannot be added without both.

Each form is shown only to a role that may sign its kind; the others read who takes the
step. :data:`IRREVERSIBLE` names the acts a form asks the signer to confirm, with a
checkbox the page shows and :mod:`truce.web.acts` checks, because they cannot be taken
back: a second report, review or revocation is refused, and the first stays on the
record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from truce.verify.registry import PERMISSIONS, Role

__all__ = [
    "CONFIRM_FIELD",
    "IRREVERSIBLE",
    "MACHINE_ROLES",
    "SURFACES",
    "Surface",
    "irreversible",
    "missing",
    "person_roles",
]

#: Roles held by processes, never by a person at a form: the clock signs ``case.lapse``
#: (``truce clock``), a witness only cosigns checkpoints (``truce witness``).
MACHINE_ROLES: frozenset[Role] = frozenset({"clock", "witness"})


@dataclass(frozen=True, slots=True)
class Surface:
    """The web form and the command that sign one act kind.

    ``page``: the path of the page holding the form (a pattern, as its route declares
    it); ``template``: the template file holding the form, named as pages render it
    (``crossings/crossing.html``); ``command``: the words after ``truce``.
    """

    page: str
    template: str
    command: tuple[str, ...]


def _case(command: str) -> Surface:
    """A case step: offered on the case page by :func:`truce.cases.rules.next_steps`."""
    return Surface("/cases/{case_id}", "cases/case.html", tuple(command.split()))


SURFACES: Mapping[str, Surface] = {
    "member.key": Surface("/keys", "accounts/keys.html", ("key", "register")),
    "statement.publish": Surface(
        "/statements", "accounts/statements.html", ("statement", "publish")
    ),
    "case.lodge": Surface("/cases/new", "cases/case_new.html", ("lodge",)),
    "case.respond": _case("respond"),
    "case.evidence": _case("evidence add"),
    "case.investigate": _case("investigate"),
    "case.request_info": _case("request-info"),
    "case.provide_info": _case("provide-info"),
    "case.finding": _case("finding"),
    "case.rule": _case("rule"),
    "case.new_round": _case("new-round"),
    "case.refer": _case("refer"),
    "case.extend": _case("extend"),
    "case.appeal": _case("appeal"),
    "case.waive_appeal": _case("waive-appeal"),
    "case.penalty": _case("penalty"),
    "case.withdraw": _case("withdraw"),
    "case.close": _case("close"),
    "compliance.attest": Surface(
        "/compliance", "compliance/compliance.html", ("compliance", "attest")
    ),
    "compliance.review": Surface(
        "/compliance", "compliance/compliance.html", ("compliance", "review")
    ),
    "crossing.status": Surface(
        "/crossings/{place_id}", "crossings/crossing.html", ("crossing", "report")
    ),
    "joint.request": Surface("/joint-actions", "joint/joint_actions.html", ("joint", "request")),
    "joint.report": Surface("/joint-actions", "joint/joint_actions.html", ("joint", "report")),
    "joint.extend": Surface("/joint-actions", "joint/joint_actions.html", ("joint", "extend")),
    "media.item": Surface("/media", "media/media.html", ("ingest",)),
    "media.corroborate": Surface(
        "/media/clusters/{cluster_id}", "media/media_cluster.html", ("media", "corroborate")
    ),
    "report.publish": Surface(
        "/reports/published", "reports/published.html", ("report", "publish")
    ),
    "report.approve": Surface(
        "/reports/published", "reports/published.html", ("report", "approve")
    ),
    "report.withdraw": Surface(
        "/reports/published", "reports/published.html", ("report", "withdraw")
    ),
}

#: The field of an irreversible act's form: the box "I understand this cannot be undone".
CONFIRM_FIELD: Final = "understood"
#: Act kinds, and for ``member.key`` the action, whose form asks for :data:`CONFIRM_FIELD`.
IRREVERSIBLE: Final[frozenset[str]] = frozenset(
    {
        "member.key:revoke",
        "joint.report",
        "compliance.review",
        "case.respond",
        "case.withdraw",
        "case.appeal",
        "case.waive_appeal",
        "case.rule",
        "case.refer",
        "case.penalty",
        "case.close",
        "report.approve",
        "report.withdraw",
    }
)


def irreversible(kind: str, action: str | None = None) -> bool:
    """Whether a form for ``kind`` (with the body's ``action``, for ``member.key``) must
    carry the confirmation that the act cannot be undone."""
    return kind in IRREVERSIBLE or f"{kind}:{action}" in IRREVERSIBLE


def person_roles(kind: str) -> frozenset[Role]:
    """The roles held by people that may sign ``kind``."""
    return PERMISSIONS[kind] - MACHINE_ROLES


def missing(surfaces: Mapping[str, Surface] = SURFACES) -> list[tuple[str, Role]]:
    """Each act kind and person's role that may sign it but has no form and command."""
    return [
        (kind, role)
        for kind in PERMISSIONS
        if kind != "mechanism.genesis"
        for role in sorted(person_roles(kind))
        if kind not in surfaces
    ]
