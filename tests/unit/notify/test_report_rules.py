"""Who is told of a report as an act: its approvers when it awaits them, every member
once it is published, and never the secretariat."""

from __future__ import annotations

from truce.notify.rules import Event, Told, told

MEMBERS = {"PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator", "SEC": "secretariat"}


def test_a_report_put_forward_asks_its_approvers_to_act() -> None:
    event = Event("report.publish", "SEC", "all", None, approvers=("TR", "QA"))
    assert told(event, MEMBERS) == [Told("QA", "action"), Told("TR", "action")]


def test_the_last_approval_tells_every_member_and_an_earlier_one_nobody() -> None:
    last = Event("report.approve", "QA", "all", None, approvers=("TR", "QA"), published=True)
    assert told(last, MEMBERS) == [Told(code, "outcome") for code in ("AF", "PK", "QA", "TR")]
    earlier = Event("report.approve", "TR", "all", None, approvers=("TR", "QA"))
    assert told(earlier, MEMBERS) == []
