"""A report as an act: who publishes, who approves, when it counts (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from truce.acts.actor import Actor
from truce.acts.bodies import parse_body
from truce.errors import MalformedActError, RefusedActError
from truce.reports import approval as reports

T0 = datetime(2025, 11, 10, 9, 0, tzinfo=UTC)
POLICY = reports.Policy(publishers=("SEC",), approvers=("TR", "QA"))


def by(member: str, minutes: int = 1) -> Actor:
    return Actor(member=member, kind="", at=T0 + timedelta(minutes=minutes))


def put() -> reports.Report:
    return reports.publish(POLICY, "p" * 64, by("SEC", 0))


def test_a_report_counts_once_every_approver_approved_it() -> None:
    found = put()
    assert (found.status, found.missing) == ("awaiting", ("TR", "QA"))
    found = reports.approve(found, by("QA"), "a" * 64)
    assert (found.status, found.missing) == ("awaiting", ("TR",))
    found = reports.approve(found, by("TR"), "b" * 64)
    assert (found.status, found.completed_by, found.approved_by) == (
        "published",
        "b" * 64,
        ("QA", "TR"),
    )
    assert reports.from_json(reports.to_json(found)) == found


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (lambda r: reports.approve(r, by("PK"), "c" * 64), "only TR, QA approve this report"),
        (lambda r: reports.approve(reports.approve(r, by("TR"), "c" * 64), by("TR", 2), "d" * 64),
         "TR has already approved this report"),
        (lambda r: reports.approve(reports.withdraw(r, by("SEC"), "c" * 64), by("TR", 2), "d" * 64),
         "was withdrawn"),
        (lambda r: reports.withdraw(r, by("TR"), "c" * 64),
         "only SEC, which put the report forward"),
        (lambda r: reports.withdraw(
            reports.approve(reports.approve(r, by("TR"), "c" * 64), by("QA"), "d" * 64),
            by("SEC", 3), "e" * 64), "can no longer be withdrawn"),
        (lambda r: reports.approve(r, Actor("TR", "", T0 - timedelta(hours=1)), "c" * 64),
         "predates the report"),
    ],
)  # fmt: skip
def test_what_the_rules_refuse(step: Any, message: str) -> None:
    with pytest.raises(RefusedActError, match=message):
        step(put())


def test_only_a_publisher_puts_a_report_forward() -> None:
    with pytest.raises(RefusedActError, match=r"only SEC publishes reports"):
        reports.publish(POLICY, "p" * 64, by("PK"))


def test_the_policy_defaults_to_the_secretariat_and_every_mediator() -> None:
    members = [
        {"code": "PK", "kind": "party"},
        {"code": "TR", "kind": "mediator"},
        {"code": "QA", "kind": "mediator"},
        {"code": "SEC", "kind": "secretariat"},
    ]
    assert reports.policy({"members": members}) == POLICY
    given = {"members": members, "reports": {"publishers": ["SEC"], "approvers": ["QA"]}}
    assert reports.policy(given) == reports.Policy(("SEC",), ("QA",))


def test_replay_skips_what_admission_would_have_refused() -> None:
    leaf = "p" * 64
    acts = [
        (leaf, "report.publish", "SEC", T0, None),
        ("a" * 64, "report.approve", "PK", T0, leaf),
        ("b" * 64, "report.approve", "TR", T0, leaf),
        ("c" * 64, "report.approve", "TR", T0, leaf),
        ("d" * 64, "report.approve", "QA", T0, "f" * 64),
    ]
    found = reports.replay(POLICY, acts)[leaf]
    assert (found.status, found.approved_by) == ("awaiting", ("TR",))


BODY = {
    "period": {"kind": "weekly", "from": "2025-11-03", "to": "2025-11-09"},
    "title": "Weekly report",
    "data_sha256": "a" * 64,
    "pdfs": [{"language": "en", "sha256": "b" * 64, "size": 100}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"data_sha256": "A" * 64}, "data_sha256: should be a SHA-256 digest"),
        ({"data_sha256": "a" * 63}, "data_sha256: should be a SHA-256 digest"),
        ({"pdfs": [{"language": "en", "sha256": "xyz", "size": 1}]}, "pdfs.0.sha256"),
        ({"pdfs": []}, "pdfs"),
        ({"pdfs": [BODY["pdfs"][0], BODY["pdfs"][0]]}, "each language has one PDF"),
        ({"period": {"kind": "weekly", "from": "2025-11-09", "to": "2025-11-03"}}, "ends before"),
        ({"period": {"kind": "weekly", "from": "2025-02-30", "to": "2025-03-03"}}, "not a day"),
        ({"period": {"kind": "monthly", "from": "2025-11-03", "to": "2025-11-09"}}, "period.kind"),
    ],
)
def test_a_publish_body_with_malformed_digests_or_period_is_refused(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(MalformedActError, match=message):
        parse_body("report.publish", BODY | change)
    assert parse_body("report.publish", BODY) is not None
