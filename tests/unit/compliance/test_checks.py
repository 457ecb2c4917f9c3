"""Admission of ``compliance.*`` acts: an attestation and its reviews judged in order in
one batch."""

from __future__ import annotations

from typing import Any

from tests.mechanism import Mechanism
from truce.errors import RefusedActError
from truce.log.batching import Admitted, Submission, admit_each

ATTEST: dict[str, Any] = {
    "clause": "C5",
    "statement": "Shared the threat reports of the week through the mechanism.",
    "taken_at": "2025-11-09T12:00:00Z",
    "evidence": [],
    "language": "en",
}
VERDICT = {"verdict": "acknowledged", "reason": "Matches what our liaison officers saw."}


def test_an_attestation_and_its_reviews_in_one_batch_are_judged_in_order(
    mechanism: Mechanism,
) -> None:
    attested = mechanism.act("af-officer", "compliance.attest", ATTEST)
    ref = (attested.envelope.leaf_hash().hex(),)
    acts = [
        attested,
        mechanism.act("pk-officer", "compliance.review", VERDICT, refs=ref),
        mechanism.act("tr-officer", "compliance.review", VERDICT, refs=ref),
        mechanism.act("tr-root", "compliance.review", VERDICT, refs=ref),
        mechanism.act("qa-officer", "compliance.review", VERDICT, refs=("ab" * 32,)),
        mechanism.act("qa-officer", "compliance.review", VERDICT),
        mechanism.act("pk-officer", "compliance.attest", ATTEST | {"clause": "C9"}),
    ]
    outcomes = admit_each(mechanism.admission, [Submission(act) for act in acts])
    assert isinstance(outcomes[0], Admitted)
    assert isinstance(outcomes[2], Admitted)  # the attestation is read from the batch
    refused = outcomes[1:2] + outcomes[3:]
    assert all(isinstance(outcome, RefusedActError) for outcome in refused)
    refusals = [str(outcome) for outcome in refused]
    assert "only a mediator reviews" in refusals[0]
    assert "TR has already reviewed" in refusals[1]
    assert "is not an attestation" in refusals[2]
    assert "names the attestation's compliance.attest act in refs[0]" in refusals[3]
    assert "no clause C9" in refusals[4]
