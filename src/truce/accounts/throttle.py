"""Sign-in throttling: guessing is slowed down, and no one can lock a delegate out.

A lock on the account itself would let anyone keep a delegate, a head included, from
signing in (and so from answering within a deadline) by sending wrong passwords. So the
account is never locked; failures are counted in ``sign_in_attempts`` under subjects
that only the guesser shares:

- ``pair:`` one client address and one delegate. The first :data:`FREE_FAILURES`
  failures cost nothing; each further one makes the next attempt from that address for
  that delegate wait twice as long as the last (:data:`FIRST_DELAY`, doubling, at most
  :data:`MAX_DELAY`) after the latest failure. A success clears the count.
- ``address:`` one client address, whatever the delegate: at most
  :data:`ADDRESS_BUDGET` failures within :data:`WINDOW`, then none until the oldest
  leaves the window (so one address cannot spread its guesses over every delegate).
- ``device:`` a browser in which the delegate signed in before (a ``truce_device``
  cookie, kept as its SHA-256 in ``known_devices``). From a known device, the address
  and pair limits do not apply, so a delegate behind the same address as a guesser still
  gets in; the device has its own growing delay, as a pair has.
- ``delegate:`` every failure for one delegate, from anywhere. It never refuses anyone
  (that would be the lock-out again); when it reaches :data:`TARGETED_ALERT` within
  :data:`WINDOW` the secretariat's record says so.

The right password from another address, or from a known device, therefore always gets
in. While a limit holds, no password is checked, and the answer says when to try again.
Each throttle that begins, and each delegate guessed at, is written to
``sign_in_events`` (at most once per subject per window), which the secretariat reads
through :func:`events` (``GET /api/v1/accounts/sign-in-events`` and its dashboard).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, desc, func, insert, select, update

from truce.accounts.service import Identity
from truce.storage.db import Database
from truce.storage.models import Account, KnownDevice, SignInAttempt, SignInEvent

DEVICE_COOKIE = "truce_device"
#: How long a browser stays a known device without signing in again.
DEVICE_LIFETIME = timedelta(days=180)
WINDOW = timedelta(minutes=15)
#: Failures from one address for one delegate (or from one device) that cost nothing.
FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
#: Failures one address may make within :data:`WINDOW`, whatever the delegates.
ADDRESS_BUDGET = 20
#: Failures for one delegate within :data:`WINDOW`, from anywhere, that the record notes.
TARGETED_ALERT = 10
#: Attempts are kept this long: the longest any rule looks back.
KEEP_ATTEMPTS = timedelta(days=1)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in attempt: who it is for, where from, and the subjects it counts under."""

    member: str
    delegate: str
    address: str
    device: str | None
    """The SHA-256 of the browser's device cookie, if it is a known device of this
    delegate's account; then the address and pair limits do not apply."""

    @property
    def account_subject(self) -> str:
        """The subject counting every failure for the delegate (never refusing)."""
        return f"delegate:{self.member}/{self.delegate}"[:200]

    @property
    def limited(self) -> tuple[str, ...]:
        """The subjects whose limits this attempt is held to, growing delay first."""
        if self.device is not None:
            return (f"device:{self.device}",)
        pair = f"pair:{self.address}|{self.member}/{self.delegate}"[:200]
        return pair, f"address:{self.address}"[:200]

    @property
    def subjects(self) -> tuple[str, ...]:
        """Every subject the attempt is recorded under."""
        return (*self.limited, self.account_subject)


def attempt(db: Database, member: str, delegate: str, address: str, cookie: str | None) -> Attempt:
    """The attempt of a sign-in from ``address`` with the browser's device ``cookie``."""
    device = None
    if cookie and 20 <= len(cookie) <= 100:
        digest = _hash(cookie)
        with db.read() as connection:
            known = connection.execute(
                select(KnownDevice.id_hash)
                .join(Account, Account.id == KnownDevice.account_id)
                .where(
                    KnownDevice.id_hash == digest,
                    Account.member == member,
                    Account.delegate == delegate,
                )
            ).first()
        device = digest if known is not None else None
    return Attempt(member, delegate, address[:150], device)


def _failures_since_success(
    connection: Connection, subject: str, since: datetime
) -> list[datetime]:
    """The subject's failures after ``since`` and after its latest success, newest first."""
    last_success = connection.execute(
        select(func.max(SignInAttempt.at)).where(
            SignInAttempt.subject == subject, SignInAttempt.succeeded.is_(True)
        )
    ).scalar()
    start = max(since, last_success) if last_success is not None else since
    return list(
        connection.execute(
            select(SignInAttempt.at)
            .where(
                SignInAttempt.subject == subject,
                SignInAttempt.succeeded.is_(False),
                SignInAttempt.at > start,
            )
            .order_by(SignInAttempt.at.desc())
        ).scalars()
    )


def delay_after(failures: int) -> timedelta:
    """How long after the latest failure the next attempt must wait, by the count."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, 32)
    return min(FIRST_DELAY * (1 << doublings), MAX_DELAY)


def _until(connection: Connection, subject: str, now: datetime) -> tuple[datetime | None, int]:
    """When the subject may try again (None: now), and its count of failures."""
    if subject.startswith("address:"):
        failures = _failures_since_success(connection, subject, now - WINDOW)
        if len(failures) >= ADDRESS_BUDGET:
            return failures[ADDRESS_BUDGET - 1] + WINDOW, len(failures)
        return None, len(failures)
    failures = _failures_since_success(connection, subject, now - KEEP_ATTEMPTS)
    wait = delay_after(len(failures))
    if failures and wait and failures[0] + wait > now:
        return failures[0] + wait, len(failures)
    return None, len(failures)


def retry_at(db: Database, attempt: Attempt, now: datetime) -> datetime | None:
    """When this attempt may be made, if one of its limits holds now; else None."""
    latest: datetime | None = None
    with db.read() as connection:
        for subject in attempt.limited:
            until, _ = _until(connection, subject, now)
            if until is not None:
                latest = until if latest is None else max(latest, until)
    return latest


def _note(
    connection: Connection,
    now: datetime,
    kind: str,
    failures: int,
    *,
    member: str | None = None,
    delegate: str | None = None,
    address: str | None = None,
    until: datetime | None = None,
) -> None:
    """Write an event unless the same one was written within the window."""
    recent = connection.execute(
        select(SignInEvent.id).where(
            SignInEvent.kind == kind,
            SignInEvent.member.is_(None) if member is None else SignInEvent.member == member,
            SignInEvent.delegate.is_(None)
            if delegate is None
            else SignInEvent.delegate == delegate,
            SignInEvent.address.is_(None) if address is None else SignInEvent.address == address,
            SignInEvent.at > now - WINDOW,
        )
    ).first()
    if recent is None:
        connection.execute(
            insert(SignInEvent).values(
                at=now,
                kind=kind,
                member=member,
                delegate=delegate,
                address=address,
                failures=failures,
                until=until,
            )
        )


def failed(db: Database, attempt: Attempt, now: datetime) -> None:
    """Record a failed attempt, and in the secretariat's record any throttle it begins."""
    with db.write() as connection:
        _record(connection, attempt, now, succeeded=False)
        member, delegate = attempt.member, attempt.delegate
        for subject in attempt.limited:
            until, count = _until(connection, subject, now)
            if until is None:
                continue
            if subject.startswith("address:"):
                _note(
                    connection,
                    now,
                    "address-throttled",
                    count,
                    address=attempt.address,
                    until=until,
                )
            else:
                address = None if attempt.device else attempt.address
                kind = "device-throttled" if attempt.device else "delegate-throttled"
                _note(
                    connection,
                    now,
                    kind,
                    count,
                    member=member,
                    delegate=delegate,
                    address=address,
                    until=until,
                )
        targeted = _failures_since_success(connection, attempt.account_subject, now - WINDOW)
        if len(targeted) >= TARGETED_ALERT:
            _note(
                connection,
                now,
                "delegate-targeted",
                len(targeted),
                member=member,
                delegate=delegate,
            )


def succeeded(
    db: Database, attempt: Attempt, identity: Identity, cookie: str | None, now: datetime
) -> str:
    """Record a success (which clears its subjects' counts) and make the browser a known
    device of the account; return the device cookie to set (the same one, if known)."""
    value = cookie if attempt.device is not None and cookie else secrets.token_urlsafe(32)
    digest = _hash(value)
    with db.write() as connection:
        _record(connection, attempt, now, succeeded=True)
        connection.execute(
            delete(KnownDevice).where(KnownDevice.last_seen_at < now - DEVICE_LIFETIME)
        )
        known = connection.execute(
            update(KnownDevice)
            .where(KnownDevice.id_hash == digest, KnownDevice.account_id == identity.account_id)
            .values(last_seen_at=now)
        ).rowcount
        if not known and identity.account_id is not None:
            connection.execute(
                insert(KnownDevice).values(
                    id_hash=digest,
                    account_id=identity.account_id,
                    created_at=now,
                    last_seen_at=now,
                )
            )
    return value


def _record(connection: Connection, attempt: Attempt, now: datetime, *, succeeded: bool) -> None:
    """One row per subject; attempts older than the longest look back are forgotten."""
    connection.execute(delete(SignInAttempt).where(SignInAttempt.at < now - KEEP_ATTEMPTS))
    connection.execute(
        insert(SignInAttempt),
        [{"subject": s, "at": now, "succeeded": succeeded} for s in attempt.subjects],
    )


@dataclass(frozen=True, slots=True)
class ThrottleEvent:
    """One entry of the secretariat's record of sign-in throttles."""

    at: datetime
    kind: str
    member: str | None
    delegate: str | None
    address: str | None
    failures: int
    until: datetime | None


def events(db: Database, member: str | None = None, limit: int = 100) -> list[ThrottleEvent]:
    """The latest throttle events, newest first; only one member's delegates' if given."""
    query = select(SignInEvent).order_by(desc(SignInEvent.at), desc(SignInEvent.id)).limit(limit)
    if member is not None:
        query = query.where(SignInEvent.member == member)
    with db.read() as connection:
        return [
            ThrottleEvent(
                at=row.at,
                kind=row.kind,
                member=row.member,
                delegate=row.delegate,
                address=row.address,
                failures=row.failures,
                until=row.until,
            )
            for row in connection.execute(query).all()
        ]
