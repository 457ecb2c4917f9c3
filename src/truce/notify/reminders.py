"""Reminders: a deadline of a case is near (``TRUCE_NOTIFY_REMIND_HOURS``, 24 by default).

Every ``interval`` seconds it reads the live cases (:func:`truce.cases.queries.live_cases`)
and the deadlines each runs (:func:`truce.cases.deadlines.moments`, the same rule the
secretariat's clock lapses them by), and for every deadline due within the window writes
a ``deadline.reminder`` notification to those who must act before it, each within its
own window if the delegate (or its member's head, for the member) chose one
(:func:`truce.notify.rules.reminded`), with the same channels as an act's. A delegate
who chose the daily digest finds its reminder in the digest, unless the next digest
(:func:`truce.notify.digest.next_run`) would be sent at or after the deadline: then
the reminder is e-mailed at once, since a reminder that arrives after its deadline is
none. Webhooks are never held. A reminder's
id is derived from the case, the deadline, its moment and the recipient, so however
often it looks, each deadline is reminded of once per recipient (again if an extension
moves it). It keeps no state: a restarted worker catches up by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from truce.cases import deadlines
from truce.cases.queries import live_cases
from truce.ledger.envelope import stored_audience
from truce.notify import outbox, rules
from truce.notify.digest import next_run
from truce.scenario.rules import Scenario
from truce.storage.db import Database
from truce.storage.models import CaseRecord, Member

log = logging.getLogger(__name__)


class Reminders:
    """Writes reminders of near deadlines; see the module docstring."""

    def __init__(
        self,
        db: Database,
        scenario: Scenario,
        now: Callable[[], datetime],
        *,
        ahead: timedelta = timedelta(hours=24),
        interval: float = 60.0,
        digest_hour: int = 6,
    ) -> None:
        self.db = db
        self.scenario = scenario
        self.now = now
        self.ahead = ahead
        self.interval = interval
        self.digest_hour = digest_hour

    def tick(self) -> int:
        """Write every reminder owed now; return how many notifications were written."""
        at = self.now()
        rows: list[dict[str, Any]] = []
        deliveries: list[dict[str, Any]] = []
        with self.db.write() as connection:
            live = live_cases(connection)
            choices = outbox.preferences(connection)
            widest = max([self.ahead, *(timedelta(hours=h) for _, h in choices.values() if h)])
            soon = [
                (item, name, to, moment)
                for item in live
                for name, to, moment in rules.due_soon(
                    deadlines.moments(self.scenario, item.case), at, widest
                )
            ]
            if not soon:
                return 0
            members = {
                row.code: row.kind for row in connection.execute(select(Member.code, Member.kind))
            }
            numbers = {
                row.id: row.number
                for row in connection.execute(
                    select(CaseRecord.id, CaseRecord.number).where(
                        CaseRecord.id.in_({item.id for item, *_ in soon})
                    )
                )
            }
            delegates, addresses, endpoints = outbox.channels(connection)
            digest = outbox.digesters(connection)
            # Held for the digest only if that digest still comes before the deadline.
            in_time = next_run(at, self.digest_hour)
            for item, name, to, moment in soon:
                case = item.case
                told = rules.reminded(
                    name,
                    to,
                    (case.lodged_by, case.accused),
                    stored_audience(item.audience),
                    members,
                )
                recipients: list[tuple[str, str, str, list[tuple[str, str]], bool]] = [
                    (
                        d.member,
                        d.delegate,
                        d.language,
                        [("email", addresses[(d.member, d.delegate)])]
                        if (d.member, d.delegate) in addresses
                        else [],
                        (d.member, d.delegate) in digest and in_time < moment,
                    )
                    for d, _ in rules.recipients(told, delegates, ("", ""))
                    if moment - at <= self._window(choices, d.member, d.delegate)
                ]
                recipients += [
                    (
                        t.member,
                        rules.SYSTEMS,
                        "en",
                        [("webhook", str(e)) for e in endpoints[t.member]],
                        False,
                    )
                    for t in told
                    if endpoints.get(t.member) and moment - at <= self.ahead
                ]
                for member, delegate, language, channels, held in recipients:
                    identifier = rules.reminder_id(
                        item.leaf_hash, name, to, moment, member, delegate
                    )
                    rows.append(
                        {
                            "id": identifier,
                            "act_idx": item.id,
                            "leaf_hash": item.leaf_hash,
                            "kind": rules.REMINDER,
                            "subject": "case",
                            "subject_idx": item.id,
                            "number": numbers.get(item.id),
                            "member": member,
                            "delegate": delegate,
                            "reason": "action",
                            "language": language,
                            "created_at": at,
                            "due_at": moment,
                        }
                    )
                    deliveries += [
                        {
                            "notification_id": identifier,
                            "channel": channel,
                            "target": target,
                            "status": "held" if held else "pending",
                            "attempts": 0,
                            "next_attempt_at": None if held else at,
                        }
                        for channel, target in channels
                    ]
            written = outbox.insert_new(connection, rows, deliveries)
        return written

    def _window(
        self, choices: dict[tuple[str, str], tuple[str, int | None]], member: str, delegate: str
    ) -> timedelta:
        """How long before a deadline this delegate is reminded: its choice, its
        member's default, or the mechanism's."""
        hours = outbox.chosen(choices, member, delegate)[1]
        return timedelta(hours=hours) if hours else self.ahead

    def run(self, stop: threading.Event) -> None:
        """Look every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a background thread must outlive a bad round
                log.exception("the reminders' tick failed")
            stop.wait(self.interval)
