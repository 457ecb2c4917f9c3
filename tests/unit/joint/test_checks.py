"""Admission of ``joint.*`` acts: a request and its reports judged in order in one batch."""

from __future__ import annotations

from typing import Any

from tests.mechanism import Mechanism
from truce.errors import RefusedActError
from truce.log.batching import Admitted, Submission, admit_each

REQUEST: dict[str, Any] = {
    "to": "AF",
    "place": {"place_id": "khost", "precision": "district"},
    "group": "TTP",
    "description": "A TTP camp stages attacks across the border.",
    "requested_action": "Dismantle the camp and report.",
    "language": "en",
}
REPORT = {"action_taken": "The camp was raided.", "outcome": "completed", "language": "en"}


def test_a_request_and_its_reports_in_one_batch_are_judged_in_order(
    mechanism: Mechanism,
) -> None:
    asked = mechanism.act("pk-officer", "joint.request", REQUEST, audience=["AF", "TR", "QA"])
    ref = (asked.envelope.leaf_hash().hex(),)
    acts = [
        asked,
        mechanism.act("pk-officer", "joint.report", REPORT, refs=ref),
        mechanism.act("af-root", "joint.report", REPORT, refs=ref),
        mechanism.act("af-officer", "joint.report", REPORT, refs=ref),
        mechanism.act("af-officer", "joint.report", REPORT, refs=("ab" * 32,)),
        mechanism.act("af-officer", "joint.report", REPORT),
        mechanism.act("pk-officer", "joint.request", REQUEST | {"to": "PK"}),
    ]
    outcomes = admit_each(mechanism.admission, [Submission(act) for act in acts])
    assert isinstance(outcomes[0], Admitted)
    assert isinstance(outcomes[2], Admitted)  # the request is read from the batch
    refusals = [str(outcome) for outcome in outcomes[1:2] + outcomes[3:]]
    assert all(isinstance(outcome, RefusedActError) for outcome in outcomes[1:2] + outcomes[3:])
    assert "only AF, the requested party" in refusals[0]
    assert "already reported" in refusals[1]
    assert "is not a request for joint action" in refusals[2]
    assert "names the joint.request act in refs[0]" in refusals[3]
    assert "does not ask itself" in refusals[4]
