"""Who is told of an act (issue 18, point 2): never a member outside the act's audience,
never a role its reason does not tell, never the signer; and exactly the members each
kind concerns. The walk covers every act kind by signing member and role by audience by
the two parties' order."""

from __future__ import annotations

import itertools

import pytest

from truce.ledger.envelope import Audience, audience_includes
from truce.notify import rules
from truce.verify.registry import PERMISSIONS, ROLES

MEMBERS = {"PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator", "SEC": "secretariat"}
AUDIENCES: list[Audience] = [
    "all",
    "mediators",
    ("PK",),
    ("AF",),
    ("TR",),
    ("PK", "AF"),
    ("AF", "TR", "QA"),
    ("PK", "TR", "QA"),
    ("PK", "AF", "TR", "QA"),
]
DELEGATES = [
    rules.Delegate(member, f"{member.lower()}-{role}", role, "en")
    for member in MEMBERS
    for role in ROLES
]


@pytest.mark.parametrize("kind", sorted(PERMISSIONS))
def test_nobody_outside_the_audience_nor_the_roles_is_ever_told(kind: str) -> None:
    counter_claims = [False, True] if kind == "case.respond" else [False]
    for author, role, audience, parties, to, counter in itertools.product(
        MEMBERS, ROLES, AUDIENCES, [("PK", "AF"), ("AF", "PK")], ["PK", "AF", None], counter_claims
    ):
        event = rules.Event(kind, author, audience, parties, to, counter)
        members_told = rules.told(event, MEMBERS)
        signer = (author, f"{author.lower()}-{role}")
        for delegate, reason in rules.recipients(members_told, DELEGATES, signer):
            mediator = MEMBERS[delegate.member] == "mediator"
            assert audience_includes(audience, author, delegate.member, mediator), event
            assert delegate.role in rules.ROLES[reason]
            assert delegate.role not in ("witness", "clock", "secretariat")
            assert (delegate.member, delegate.delegate) != signer
        if kind not in rules.NOTIFYING:
            assert members_told == []


def _members(kind: str, audience: Audience = "all", to: str | None = None) -> dict[str, str]:
    event = rules.Event(kind, "PK", audience, ("PK", "AF"), to)
    return {item.member: item.reason for item in rules.told(event, MEMBERS)}


def test_what_each_kind_tells_whom() -> None:
    assert _members("case.lodge") == {"AF": "action", "TR": "action", "QA": "action"}
    assert _members("case.request_info", to="AF") == {"AF": "action"}
    assert _members("joint.request", to="AF") == {"AF": "action"}
    for kind in (
        "case.rule",
        "case.appeal",
        "case.penalty",
        "case.refer",
        "case.lapse",
        "case.extend",
        "joint.report",
        "joint.extend",
    ):
        assert _members(kind) == {
            "PK": "outcome",
            "AF": "outcome",
            "TR": "outcome",
            "QA": "outcome",
        }, kind
    for kind in ("case.evidence", "case.finding", "media.item"):
        assert _members(kind) == {}
    response = rules.Event("case.respond", "AF", "all", ("PK", "AF"))
    assert {t.member: t.reason for t in rules.told(response, MEMBERS)} == {
        "PK": "outcome",  # the lodging party
        "TR": "outcome",
        "QA": "outcome",
    }
    restricted = rules.Event("case.respond", "AF", ("AF", "TR"), ("PK", "AF"))
    assert {t.member for t in rules.told(restricted, MEMBERS)} == {"TR"}
    counter = rules.Event("case.respond", "AF", "all", ("AF", "PK"), counter_claim=True)
    assert {t.member: t.reason for t in rules.told(counter, MEMBERS)} == {
        "PK": "action",
        "TR": "action",
        "QA": "action",
    }


def test_a_restricted_act_tells_only_its_audience() -> None:
    assert _members("case.lodge", audience=("AF", "TR")) == {"AF": "action", "TR": "action"}
    assert _members("case.rule", audience="mediators") == {
        "PK": "outcome",
        "TR": "outcome",
        "QA": "outcome",  # PK signed it
    }


def test_observers_hear_of_outcomes_but_are_not_asked_to_act() -> None:
    told = rules.told(rules.Event("case.lodge", "PK", "all", ("PK", "AF")), MEMBERS)
    roles = {d.role for d, _ in rules.recipients(told, DELEGATES, ("PK", "pk-officer"))}
    assert roles == {"head", "officer"}
    told = rules.told(rules.Event("case.rule", "TR", "all", ("PK", "AF")), MEMBERS)
    roles = {d.role for d, _ in rules.recipients(told, DELEGATES, ("TR", "tr-head"))}
    assert roles == {"head", "officer", "observer"}


def test_a_notification_id_is_stable_and_differs_by_recipient() -> None:
    leaf = "ab" * 32
    assert rules.notification_id(leaf, "AF", "root") == rules.notification_id(leaf, "AF", "root")
    assert rules.notification_id(leaf, "AF", "root") != rules.notification_id(leaf, "AF", "*")
    assert rules.notification_id(leaf, "AF", "root").startswith("msg_")
