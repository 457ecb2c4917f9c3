"""Alarms about the log's witnesses, to every party and mediator.

Two things alarm every member (each party's and mediator's heads, officers and
observers, and their systems), because each means nobody can trust that everyone sees
the same log:

- ``witness.lapse``: a checkpoint has stayed uncosigned by a member's witness longer than
  the scenario allows (``procedure.witness_lapse_minutes``). :class:`WitnessAlarms`
  looks every ``interval`` seconds. The alarm's id is derived from the witness's member
  and the first checkpoint it left uncosigned, so a witness that stays silent is alarmed
  of once, not at every look; once it cosigns again and later falls silent again, the
  first checkpoint it misses is another and the members are alarmed again.
- ``witness.report``: a witness refused a checkpoint because it does not extend what the
  witness cosigned (an inconsistent log, a rollback) or because another view of the log
  was shown elsewhere (a split view). :func:`report` records it; it is called by the
  checkpoint pusher when a witness answers ``422`` or says it cosigned more than the log
  holds (:mod:`truce.log.witness_push`), and by the witnesses' signed report route
  (:mod:`truce.notify.api`). Its id is derived from the member, the reason and the size
  the witness last cosigned, so the same complaint about later checkpoints is not
  repeated while the witness stays where it is.

An alarm's notification names no act: ``subject`` is the code of the member whose
witness it is, ``subject_idx`` the checkpoint's size, ``act_idx`` its last index and
``leaf_hash`` its root hash (hex). It is never held for a digest. The worker keeps no
state: a restarted one catches up by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from truce.notify import outbox, rules
from truce.storage.db import Database
from truce.storage.models import Checkpoint, Cosignature, Member

log = logging.getLogger(__name__)

LAPSE = "witness.lapse"
REPORT = "witness.report"
#: What a witness may report.
REASONS = ("inconsistent", "rollback", "fork", "split-view")


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm: its kind, the member whose witness it is, the checkpoint concerned
    (size and root), and what keys its id (the same key: the same alarm)."""

    kind: str
    witness: str
    size: int
    root: bytes
    key: str


def lapsed(
    cosigned: Mapping[str, int],
    checkpoints: Sequence[tuple[int, datetime]],
    witnesses: Sequence[str],
    now: datetime,
    allowed: timedelta,
) -> list[tuple[str, int]]:
    """The witnesses (member code) that left a checkpoint uncosigned longer than
    ``allowed``, each with the size of the first checkpoint it left uncosigned;
    ``cosigned`` maps a member to the largest size its witness cosigned,
    ``checkpoints`` lists every checkpoint's size and signing time."""
    found: list[tuple[str, int]] = []
    ordered = sorted(checkpoints)
    for code in witnesses:
        newest = cosigned.get(code, 0)
        missed = next(((size, at) for size, at in ordered if size > newest), None)
        if missed is not None and now - missed[1] > allowed:
            found.append((code, missed[0]))
    return found


def write(connection: Connection, alarms: Sequence[Alarm], at: datetime) -> int:
    """Queue each alarm to every party and mediator not yet told of it; return how
    many notifications were written."""
    if not alarms:
        return 0
    members = {row.code: row.kind for row in connection.execute(select(Member.code, Member.kind))}
    delegates, addresses, endpoints = outbox.channels(connection)
    rows: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    for alarm in alarms:
        told = [
            rules.Told(code, "action" if code == alarm.witness else "outcome")
            for code, kind in sorted(members.items())
            if kind in ("party", "mediator")
        ]
        recipients = [
            (
                d.member,
                d.delegate,
                d.language,
                [("email", addresses[(d.member, d.delegate)])]
                if (d.member, d.delegate) in addresses
                else [],
            )
            for d, _ in rules.recipients(told, delegates, ("", ""))
        ]
        recipients += [
            (t.member, rules.SYSTEMS, "en", [("webhook", str(e)) for e in endpoints[t.member]])
            for t in told
            if endpoints.get(t.member)
        ]
        reasons = {t.member: t.reason for t in told}
        for member, delegate, language, channels in recipients:
            identifier = rules.notification_id(alarm.key, member, delegate)
            rows.append(
                {
                    "id": identifier,
                    "act_idx": max(alarm.size - 1, 0),
                    "leaf_hash": alarm.root.hex(),
                    "kind": alarm.kind,
                    "subject": alarm.witness,
                    "subject_idx": alarm.size,
                    "number": None,
                    "member": member,
                    "delegate": delegate,
                    "reason": reasons[member],
                    "language": language,
                    "created_at": at,
                    "due_at": None,
                }
            )
            deliveries += [
                {
                    "notification_id": identifier,
                    "channel": channel,
                    "target": target,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": at,
                }
                for channel, target in channels
            ]
    return outbox.insert_new(connection, rows, deliveries)


def report(
    db: Database, witness: str, reason: str, size: int, root: bytes, since: int, at: datetime
) -> int:
    """Alarm every member that ``witness``'s witness refused the checkpoint of ``size``
    and ``root`` for ``reason`` (one of :data:`REASONS`), having last cosigned
    ``since`` entries; return how many notifications were written."""
    if reason not in REASONS:
        raise ValueError(f"unknown witness report reason {reason!r}")
    alarm = Alarm(REPORT, witness, size, root, f"{REPORT}/{witness}/{reason}/{since}")
    with db.write() as connection:
        written = write(connection, [alarm], at)
    if written:
        log.warning("witness %s reports %s at size %d: every member alarmed", witness, reason, size)
    return written


class WitnessAlarms:
    """Alarms every member when a member's witness lapses; see the module docstring."""

    def __init__(
        self,
        db: Database,
        witnesses: Sequence[str],
        allowed: timedelta,
        now: Callable[[], datetime],
        *,
        interval: float = 60.0,
    ) -> None:
        self.db = db
        self.witnesses = list(witnesses)
        self.allowed = allowed
        self.now = now
        self.interval = interval

    def tick(self) -> int:
        """Write every lapse alarm owed now; return how many notifications were written."""
        at = self.now()
        with self.db.write() as connection:
            cosigned = {
                row[0]: int(row[1])
                for row in connection.execute(
                    select(Cosignature.member, func.max(Cosignature.size)).group_by(
                        Cosignature.member
                    )
                )
            }
            floor = min((cosigned.get(code, 0) for code in self.witnesses), default=0)
            checkpoints = [
                (int(row.size), row.signed_at)
                for row in connection.execute(
                    select(Checkpoint.size, Checkpoint.signed_at).where(Checkpoint.size > floor)
                )
            ]
            found = lapsed(cosigned, checkpoints, self.witnesses, at, self.allowed)
            if not found:
                return 0
            roots = {
                int(row.size): row.root
                for row in connection.execute(
                    select(Checkpoint.size, Checkpoint.root).where(
                        Checkpoint.size.in_([size for _, size in found])
                    )
                )
            }
            alarms = [
                Alarm(LAPSE, code, size, roots[size], f"{LAPSE}/{code}/{size}")
                for code, size in found
            ]
            return write(connection, alarms, at)

    def run(self, stop: threading.Event) -> None:
        """Look every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a background thread must outlive a bad round
                log.exception("the witness alarms' tick failed")
            stop.wait(self.interval)
