"""The secretariat's clock: signs a ``case.lapse`` for every deadline that has passed.

The rules of what is due are :func:`truce.cases.deadlines.due`; this module only reads
the live cases, signs what they owe with the clock's key (role ``clock``, registered by
the secretariat) and hands each act to the same group commit as every other act. It
keeps no state of its own: whatever it missed while the server was down is still owed
at the next tick, so a restart catches up by itself.

``truce serve`` runs it in a background thread when the clock's key file exists
(``TRUCE_CLOCK_KEY_FILE``); ``truce clock tick`` runs one tick from the command line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from truce.cases import deadlines
from truce.cases.queries import live_cases
from truce.errors import TruceError
from truce.ledger.envelope import SignedAct, sign_act
from truce.ledger.keys import KeyFile
from truce.log.admission import Admission
from truce.scenario.rules import Scenario

log = logging.getLogger(__name__)


@dataclass
class Tick:
    """What one tick did: the log indices of the lapses recorded, and those refused."""

    recorded: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class CaseClock:
    """Records passed deadlines as signed acts; see the module docstring."""

    def __init__(
        self,
        admission: Admission,
        scenario: Scenario,
        key_file: KeyFile,
        now: Callable[[], datetime],
        interval: float = 60.0,
    ) -> None:
        if key_file.role != "clock":
            raise TruceError(f"{key_file.delegate}'s key has the role {key_file.role}, not clock")
        self.admission = admission
        self.scenario = scenario
        self.key_file = key_file
        self.now = now
        self.interval = interval

    def owed(self) -> list[SignedAct]:
        """The lapses every live case owes now, signed, in case order."""
        at = self.now()
        with self.admission.db.read() as connection:
            live = live_cases(connection)
        return [
            sign_act(
                kind="case.lapse",
                mechanism=self.scenario.mechanism.id,
                member=self.key_file.member,
                delegate=self.key_file.delegate,
                key=self.key_file.key,
                body=body,
                refs=(item.leaf_hash,),
                audience=item.audience,
                at=at,
            )
            for item in live
            for body in deadlines.due(self.scenario, item.case, at)
        ]

    def tick(self) -> Tick:
        """Sign and submit every lapse owed now, one act at a time.

        A refusal (another clock recorded the same lapse first) is noted, not raised:
        the next tick reads the case again.
        """
        done = Tick()
        for act in self.owed():
            try:
                admitted = self.admission.group_commit().submit_sync(act)
            except TruceError as error:
                done.refused.append(str(error))
                continue
            done.recorded.append(admitted.receipt.index)
        return done

    def run(self, stop: threading.Event) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a background thread must outlive a bad round
                log.exception("the case clock's tick failed")
            stop.wait(self.interval)
