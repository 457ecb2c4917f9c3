"""Admission's case checks, from both parties' side: nobody is accused, asked for
information or answered with a counter-claim it was not shown."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.test_cases_api import lodge_body
from tests.mechanism import Mechanism
from truce.errors import RefusedActError

SIDES = [("pk", "AF"), ("af", "PK")]


def refused(mechanism: Mechanism, name: str, kind: str, body: Any, **kwargs: Any) -> str:
    with pytest.raises(RefusedActError) as caught:
        mechanism.admission.submit(mechanism.act(name, kind, body, **kwargs))
    assert caught.value.field == "audience"
    return str(caught.value)


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_an_allegation_reaches_the_accused(mechanism: Mechanism, lodger: str, accused: str) -> None:
    for hidden in ("mediators", [lodger.upper(), "TR", "QA"], [lodger.upper()]):
        message = refused(mechanism, f"{lodger}-officer", "case.lodge", lodge_body(accused),
                          audience=hidden)  # fmt: skip
        assert f"concerns {accused} and must be addressed to it" in message
    shown = mechanism.admission.submit(
        mechanism.act(
            f"{lodger}-officer", "case.lodge", lodge_body(accused), audience=[accused, "TR"]
        )
    )
    assert shown.index > 0


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_a_request_for_information_and_a_counter_claim_reach_whom_they_concern(
    mechanism: Mechanism, lodger: str, accused: str
) -> None:
    case = mechanism.admission.submit(
        mechanism.act(f"{lodger}-officer", "case.lodge", lodge_body(accused))
    )
    ref = (case.leaf_hash.hex(),)
    counter = {
        "position": "counter_claim",
        "statement": "They fired first.",
        "language": "en",
        "counter_case": lodge_body(lodger.upper()),
    }
    message = refused(mechanism, f"{accused.lower()}-root", "case.respond", counter, refs=ref,
                      audience="mediators")  # fmt: skip
    assert f"a counter-claim concerns {lodger.upper()}" in message
    mechanism.admission.submit(
        mechanism.act(f"{accused.lower()}-root", "case.respond", counter, refs=ref)
    )
    mechanism.admission.submit(mechanism.act("tr-officer", "case.investigate", {}, refs=ref))
    ask = {"to": accused, "questions": "Which units were there?", "language": "en"}
    message = refused(mechanism, "qa-officer", "case.request_info", ask, refs=ref,
                      audience=[lodger.upper(), "TR", "QA"])  # fmt: skip
    assert f"a request for information concerns {accused}" in message
    mechanism.admission.submit(
        mechanism.act("qa-officer", "case.request_info", ask, refs=ref, audience=[accused, "QA"])
    )


@pytest.mark.parametrize(("lodger", "accused"), SIDES)
def test_a_finding_rests_on_acts_of_its_batch_as_if_they_came_one_by_one(
    mechanism: Mechanism, lodger: str, accused: str
) -> None:
    """An act admitted earlier in the same batch counts as what it is: material the
    violator was not shown, an act of this case, or one of another case."""
    submit = mechanism.admission.submit
    case = submit(mechanism.act(f"{lodger}-officer", "case.lodge", lodge_body(accused)))
    ref = case.leaf_hash.hex()
    deny = {"position": "deny", "statement": "No.", "language": "en"}
    submit(mechanism.act(f"{accused.lower()}-root", "case.respond", deny, refs=(ref,)))
    submit(mechanism.act("tr-officer", "case.investigate", {}, refs=(ref,)))
    violation = {
        "outcome": "violation_confirmed",
        "violator": accused,
        "clauses": ["C4"],
        "reasons": "The answers agree with the craters.",
        "language": "en",
    }
    # A request to the lodger, addressed to the lodger and the mediators only.
    ask = {"to": lodger.upper(), "questions": "Where were the guns?", "language": "en"}

    def finding_after(first: Any) -> list[Any]:
        basis = (ref, first.envelope.leaf_hash().hex())
        return [first, mechanism.act("tr-root", "case.finding", violation, refs=basis)]

    hidden = mechanism.act(
        "qa-officer", "case.request_info", ask, refs=(ref,), audience=[lodger.upper(), "TR", "QA"]
    )
    with pytest.raises(RefusedActError) as caught:
        mechanism.admission.submit_many(finding_after(hidden))
    name = mechanism.scenario.member(accused).name  # type: ignore[union-attr]
    assert f"a finding against {name} may not rest on an annex {name} was not shown" in str(
        caught.value
    )
    other = mechanism.act("pk-officer", "case.lodge", lodge_body("AF") | {"narrative": "Another."})
    with pytest.raises(RefusedActError, match="not an act of this case"):
        mechanism.admission.submit_many(finding_after(other))
    shown = mechanism.act("qa-officer", "case.request_info", ask, refs=(ref,))
    receipts = mechanism.admission.submit_many(finding_after(shown))
    assert len(receipts) == 2
