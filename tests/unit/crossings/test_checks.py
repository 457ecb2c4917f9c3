"""Admission of ``crossing.status`` acts: the time a report takes effect, and who reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import Clock
from tests.mechanism import Mechanism
from truce.errors import RefusedActError
from truce.ledger.envelope import format_time
from truce.log.batching import Admitted, Submission, admit_each


def status(effective_at: Any) -> dict[str, Any]:
    return {
        "crossing": "torkham",
        "trade": "closed",
        "people": "open",
        "reason": "Border fighting; refugees only.",
        "effective_at": format_time(effective_at),
    }


def test_a_report_takes_effect_no_later_than_the_server_s_time_and_skew(
    mechanism: Mechanism, clock: Clock
) -> None:
    skew = timedelta(seconds=mechanism.scenario.procedure.max_clock_skew_seconds)
    acts = [
        mechanism.act("pk-officer", "crossing.status", status(clock.now + skew)),
        mechanism.act("pk-officer", "crossing.status", status(clock.now + skew * 2)),
        mechanism.act("tr-officer", "crossing.status", status(clock.now)),
    ]
    outcomes = admit_each(mechanism.admission, [Submission(act) for act in acts])
    assert isinstance(outcomes[0], Admitted)
    assert isinstance(outcomes[1], RefusedActError)
    assert "is in the future" in str(outcomes[1])
    assert isinstance(outcomes[2], RefusedActError)
    assert "a party or the secretariat" in str(outcomes[2])
