"""The outbox is written in the act's own transaction (issue 18, point 1): no act without
its notifications, no notification of an act that was not recorded, and a rebuild
neither tells anyone again nor loses the record."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import func, select

from tests.functional.test_access_matrix import lodge
from tests.mechanism import Mechanism, assert_rebuild_reproduces
from truce.log import projections
from truce.log.projections import LoggedAct, ProjectionContext
from truce.log.registry import load_concepts
from truce.notify import rules
from truce.storage.models import LogEntry
from truce.storage.models_notify import Notification, NotifyDelivery


def told(mechanism: Mechanism) -> list[tuple[str, str, str, str]]:
    with mechanism.db.read() as connection:
        rows = connection.execute(
            select(
                Notification.kind, Notification.member, Notification.delegate, Notification.reason
            ).order_by(Notification.member, Notification.delegate)
        ).all()
    return [tuple(row) for row in rows]


def test_an_allegation_notifies_the_accused_head_and_officers_and_the_mediators(
    mechanism: Mechanism,
) -> None:
    receipt = mechanism.admission.submit(
        mechanism.act("pk-officer", "case.lodge", lodge("AF", "outbox"))
    )
    assert told(mechanism) == [
        ("case.lodge", "AF", "af-officer", "action"),
        ("case.lodge", "AF", "root", "action"),
        ("case.lodge", "QA", "qa-officer", "action"),
        ("case.lodge", "QA", "root", "action"),
        ("case.lodge", "TR", "root", "action"),
        ("case.lodge", "TR", "tr-officer", "action"),
    ]
    with mechanism.db.read() as connection:
        ids = set(connection.execute(select(Notification.id)).scalars())
        indices = set(connection.execute(select(Notification.act_idx)).scalars())
    assert indices == {receipt.index}
    leaf = receipt.leaf_hash.hex()
    assert rules.notification_id(leaf, "AF", "root") in ids


@pytest.fixture
def failing_after_outbox(mechanism: Mechanism) -> Iterator[None]:
    """A follower after the outbox's that fails: the whole admission must roll back."""
    load_concepts()

    def fail(context: ProjectionContext, acts: Sequence[LoggedAct]) -> None:
        context.flush()  # the outbox's rows are written to the transaction first
        written = select(func.count()).select_from(Notification)
        assert context.connection.execute(written).scalar()
        raise RuntimeError("the database went away")

    projections.FOLLOWERS.append(fail)
    try:
        yield
    finally:
        projections.FOLLOWERS.remove(fail)


@pytest.mark.usefixtures("failing_after_outbox")
def test_an_admission_that_fails_after_the_outbox_leaves_neither_act_nor_notification(
    mechanism: Mechanism,
) -> None:
    with mechanism.db.read() as connection:
        before = connection.execute(select(func.count()).select_from(LogEntry)).scalar()
    with pytest.raises(RuntimeError, match="went away"):
        mechanism.admission.submit(mechanism.act("pk-officer", "case.lodge", lodge("AF", "x")))
    with mechanism.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(LogEntry)).scalar() == before
        assert connection.execute(select(func.count()).select_from(Notification)).scalar() == 0
        assert connection.execute(select(func.count()).select_from(NotifyDelivery)).scalar() == 0


def test_a_rebuild_neither_notifies_again_nor_loses_the_record(mechanism: Mechanism) -> None:
    mechanism.admission.submit(mechanism.act("af-officer", "case.lodge", lodge("PK", "rebuild")))
    before = told(mechanism)
    assert before
    assert_rebuild_reproduces(mechanism.db)
    assert told(mechanism) == before


def test_acts_that_concern_nobody_write_no_notification(mechanism: Mechanism) -> None:
    mechanism.admission.submit(mechanism.act("pk-officer"))  # a public statement
    assert told(mechanism) == []


def test_a_restricted_request_for_information_tells_only_the_member_asked(
    mechanism: Mechanism,
) -> None:
    lodged = mechanism.admission.submit(
        mechanism.act("pk-officer", "case.lodge", lodge("AF", "rfi"), audience=["AF", "TR", "QA"])
    )
    leaf = lodged.leaf_hash.hex()
    mechanism.admission.submit(
        mechanism.act(
            "af-root",
            "case.respond",
            {"position": "deny", "statement": "No.", "language": "en"},
            refs=(leaf,),
            audience=["PK", "TR", "QA"],
        )
    )
    mechanism.admission.submit(
        mechanism.act(
            "tr-officer",
            "case.investigate",
            {"note": "Opened."},
            refs=(leaf,),
            audience="mediators",
        )
    )
    with mechanism.db.write() as connection:
        connection.execute(NotifyDelivery.__table__.delete())
        connection.execute(Notification.__table__.delete())
    mechanism.admission.submit(
        mechanism.act(
            "tr-officer",
            "case.request_info",
            {"to": "AF", "questions": "Which unit fired?", "language": "en"},
            refs=(leaf,),
            audience=["AF", "TR", "QA"],
        )
    )
    assert told(mechanism) == [
        ("case.request_info", "AF", "af-officer", "action"),
        ("case.request_info", "AF", "root", "action"),
    ]


def test_a_counter_claim_notifies_as_the_allegation_it_lodges(mechanism: Mechanism) -> None:
    lodged = mechanism.admission.submit(
        mechanism.act("pk-officer", "case.lodge", lodge("AF", "first"))
    )
    respond = {
        "position": "counter_claim",
        "statement": "They fired first.",
        "language": "en",
        "counter_case": lodge("PK", "counter"),
    }
    with mechanism.db.write() as connection:
        connection.execute(NotifyDelivery.__table__.delete())
        connection.execute(Notification.__table__.delete())
    counter = mechanism.admission.submit(
        mechanism.act("af-root", "case.respond", respond, refs=(lodged.leaf_hash.hex(),))
    )
    assert {(member, delegate) for _, member, delegate, _ in told(mechanism)} == {
        ("PK", "root"),
        ("PK", "pk-officer"),
        ("TR", "root"),
        ("TR", "tr-officer"),
        ("QA", "root"),
        ("QA", "qa-officer"),
    }
    with mechanism.db.read() as connection:
        subjects = set(
            connection.execute(select(Notification.subject_idx, Notification.number)).all()
        )
    assert subjects == {(counter.index, 2)}  # the counter-claim's own case


def test_a_plain_response_tells_the_lodging_party_and_the_mediators_in_its_audience(
    mechanism: Mechanism,
) -> None:
    lodged = mechanism.admission.submit(
        mechanism.act("pk-officer", "case.lodge", lodge("AF", "to answer"))
    )
    with mechanism.db.write() as connection:
        connection.execute(NotifyDelivery.__table__.delete())
        connection.execute(Notification.__table__.delete())
    respond = {"position": "deny", "statement": "Not us.", "language": "en"}
    mechanism.admission.submit(
        mechanism.act(
            "af-root", "case.respond", respond, refs=(lodged.leaf_hash.hex(),), audience=["TR"]
        )
    )
    # Restricted to TR (and its author AF): PK, the lodger, is not in its audience.
    assert {(kind, member, reason) for kind, member, _, reason in told(mechanism)} == {
        ("case.respond", "TR", "outcome")
    }
    with mechanism.db.write() as connection:
        connection.execute(NotifyDelivery.__table__.delete())
        connection.execute(Notification.__table__.delete())
    second = mechanism.admission.submit(
        mechanism.act("pk-officer", "case.lodge", lodge("AF", "to answer openly"))
    )
    with mechanism.db.write() as connection:
        connection.execute(NotifyDelivery.__table__.delete())
        connection.execute(Notification.__table__.delete())
    mechanism.admission.submit(
        mechanism.act("af-root", "case.respond", respond, refs=(second.leaf_hash.hex(),))
    )
    assert {member for _, member, _, _ in told(mechanism)} == {"PK", "TR", "QA"}
    assert ("PK", "pk-observer") in {
        (member, delegate) for _, member, delegate, _ in told(mechanism)
    }
    with mechanism.db.read() as connection:
        subjects = set(connection.execute(select(Notification.subject_idx)).scalars())
    assert subjects == {second.index}  # the case it answers


def test_a_report_on_joint_action_tells_both_parties_and_the_mediators_in_its_audience(
    mechanism: Mechanism,
) -> None:
    request = {
        "to": "AF",
        "place": {"place_id": "khost", "precision": "district"},
        "description": "A camp.",
        "requested_action": "Act.",
        "language": "en",
    }
    asked = mechanism.admission.submit(
        mechanism.act("pk-officer", "joint.request", request, audience=["AF", "TR", "QA"])
    )
    with mechanism.db.write() as connection:
        connection.execute(NotifyDelivery.__table__.delete())
        connection.execute(Notification.__table__.delete())
    report = {"action_taken": "The camp was raided.", "outcome": "completed", "language": "en"}
    mechanism.admission.submit(
        mechanism.act(
            "af-root", "joint.report", report, refs=(asked.leaf_hash.hex(),), audience=["PK"]
        )
    )
    # Restricted to PK (and its author AF): the mediators are not told.
    assert {member for _, member, _, _ in told(mechanism)} == {"PK", "AF"}
    assert ("AF", "root") not in {(member, delegate) for _, member, delegate, _ in told(mechanism)}
    assert {kind for kind, *_ in told(mechanism)} == {"joint.report"}
