"""What awaits a delegate besides case steps: keys to approve, checkpoints to witness.

Each item is given only to a role that may act on it: a key request to whoever decides
it (:func:`truce.accounts.devices.may_decide`: the member's head, or the secretariat's
staff for its own delegates); the checkpoints the member's witness has not cosigned to
the member's head and its witness operators, who run the witness. Neither has a
deadline; each says since when it waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from truce.accounts.devices import Delegate, pending_requests
from truce.accounts.enrolment import fingerprint
from truce.log.checkpoints import WitnessLag, witness_lag
from truce.storage.db import Database

#: The roles told that their member's witness is behind.
WITNESS_ROLES = ("head", "witness")


@dataclass(frozen=True, slots=True)
class KeyAwaiting:
    """A browser's key awaiting the viewer's approval."""

    id: int
    delegate: str
    role: str
    key_id: str
    public_key: str
    fingerprint: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class Upkeep:
    """Keys awaiting the viewer, and its member's witness's lag (None: up to date)."""

    keys: list[KeyAwaiting]
    witness: WitnessLag | None


def upkeep(db: Database, viewer: Delegate, witnesses: frozenset[str], now: datetime) -> Upkeep:
    """The keys the viewer may approve and, for a role that runs its member's witness
    (``witnesses``: the members that have one), the checkpoints it has not cosigned."""
    keys = [
        KeyAwaiting(
            pending.id,
            pending.delegate,
            pending.role,
            pending.key_id,
            pending.public_key,
            fingerprint(pending.public_key),
            pending.requested_at,
        )
        for pending in pending_requests(db, viewer, now)
    ]
    lag = None
    if viewer.role in WITNESS_ROLES and viewer.member in witnesses:
        with db.read() as connection:
            lag = witness_lag(connection, viewer.member)
    return Upkeep(keys, lag)
