"""Admission: the only way an act enters the log.

:meth:`Admission.submit_many` checks each act, then appends the accepted acts and
updates the projections in one write transaction. An act is refused, with the reason
and nothing written, when:

- its envelope or body is malformed, or its kind is unknown (:class:`MalformedActError`);
- its body does not match ``body_digest`` (:class:`DigestMismatchError`);
- its time is impossible, in the future beyond the allowed clock skew, older than the
  scenario allows, or before the mechanism began (:class:`ImplausibleTimeError`);
- its key is not registered to its author, or was revoked (:class:`UnknownKeyError`);
- its signature does not verify (:class:`SignatureError`);
- its author's role may not sign this kind (:class:`RoleError`);
- it is addressed to ``public`` but the scenario's publication policy does not let its
  kind be (:class:`RefusedActError`);
- it is a ``member.key`` act that breaks a rule of the key registry (:class:`RoleError`,
  :class:`RefusedActError`);
- it was already logged (:class:`ReplayError`);
- it was submitted under another delegate's credentials (:class:`ForbiddenError`).

:meth:`Admission.submit_many` is all or nothing: the first refused act aborts it.
:meth:`Admission.admit` is the shared core; :mod:`truce.log.batching` uses it to
admit concurrent submissions together, each accepted or refused on its own.

The signer and ``member.key`` rules are those of :class:`truce.verify.registry.KeyRegistry`,
the registry the mirror and the offline verifier replay too. Admission fills it, per
batch, from the rows the projections keep (``delegate_keys``, one query for the keys a
run of acts names) instead of replaying the log; it checks each act's signer
(registered to the author, not revoked, role permitted) and each ``member.key`` act
(addressed to ``all``, a key never registered, the secretariat's rule, only the author's
own unrevoked keys revoked), and leaves recording the change to the projections.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from truce.accounts.service import Identity
from truce.acts.bodies import parse_body
from truce.errors import (
    ConfigurationError,
    ForbiddenError,
    ImplausibleTimeError,
    MalformedActError,
    PayloadTooLargeError,
    ReadOnlyError,
    RefusedActError,
    ReplayError,
    SignatureError,
    TruceError,
    UnknownKeyError,
)
from truce.ledger import jcs
from truce.ledger.envelope import Envelope, SignedAct, format_time, sign_act
from truce.ledger.keys import SigningKey
from truce.ledger.note import Note
from truce.log import checkpoints, projections
from truce.log.books import Books, is_checked
from truce.log.checkpoints import LogSigner
from truce.log.registry import NOTHING_DECIDED, Decided, load_concepts, projected_before
from truce.log.signatures import BatchKeys, Signatures
from truce.log.store import LogStore
from truce.scenario.publication import PUBLIC
from truce.scenario.rules import Scenario
from truce.storage.db import Database
from truce.storage.models import Mechanism
from truce.verify.registry import parse_member_key

if TYPE_CHECKING:
    from truce.log.batching import GroupCommit

Clock = Callable[[], datetime]
GENESIS = "mechanism.genesis"
#: Kinds that bind the parties and feed what every member reads (a case's outcome, its
#: referral to the principals, its penalty, the compliance matrix): addressed to
#: anything less than ``all``, their bodies would show through those views to members
#: outside the audience.
ADDRESSED_TO_ALL = frozenset({"case.rule", "case.refer", "case.penalty"})


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Receipt:
    """Where an accepted act sits in the log."""

    index: int
    leaf_hash: bytes

    def to_dict(self) -> dict[str, Any]:
        """JSON form returned by the API and printed by the CLI."""
        return {"index": self.index, "leaf_hash": self.leaf_hash.hex()}


@dataclass(frozen=True, slots=True)
class _Mechanism:
    id: str
    genesis_at: datetime
    scenario: Scenario


def _segments(acts: Sequence[SignedAct]) -> Iterator[tuple[int, int]]:
    """``[start, end)`` runs of acts, each checked as a whole before it is projected.

    A run ends after a ``member.key`` act, which changes which keys are valid for the
    acts after it, so those are checked against the registry as it stands once it is
    recorded; and before an act whose check reads what an earlier act of the run
    projects (:func:`truce.log.registry.reads_projection`).
    """
    start = 0
    kinds: set[str] = set()
    for position, act in enumerate(acts):
        kind = act.envelope.kind
        if position > start and not projected_before(kind).isdisjoint(kinds):
            yield start, position
            start, kinds = position, set()
        kinds.add(kind)
        if kind == "member.key":
            yield start, position + 1
            start, kinds = position + 1, set()
    if start < len(acts):
        yield start, len(acts)


def parse_submission(payload: object) -> SignedAct:
    """Read ``{"envelope": {...}, "body": ...}`` as posted to ``/log/v1/acts``."""
    if not isinstance(payload, dict) or set(payload) != {"envelope", "body"}:
        raise MalformedActError(
            "a submission is a JSON object with exactly envelope and body", field="envelope"
        )
    return SignedAct(envelope=Envelope.from_dict(payload["envelope"]), body=payload["body"])


class Admission:
    """Checks signed acts and records them in the log with their projections."""

    def __init__(
        self,
        db: Database,
        *,
        signer: LogSigner | None = None,
        clock: Clock = utc_now,
        max_body_bytes: int = 1024 * 1024,
    ) -> None:
        self.db = db
        self.signer = signer
        self.clock = clock
        self.max_body_bytes = max_body_bytes
        self._mechanism: _Mechanism | None = None
        self._group: GroupCommit | None = None
        self._group_lock = threading.Lock()
        #: The signatures of each batch, and the keys this process found registered.
        self.signatures = Signatures()
        # Every concept's checks and projections, now rather than at the first act: a
        # served app then freezes them out of the garbage collector with the rest.
        load_concepts()

    # -- the mechanism ------------------------------------------------------------------

    def mechanism(self, connection: Connection | None = None) -> _Mechanism:
        """The mechanism this database records (read once: it never changes)."""
        if self._mechanism is None:
            if connection is None:
                with self.db.read() as reader:
                    return self.mechanism(reader)
            row = connection.execute(
                select(Mechanism.id, Mechanism.genesis_at, Mechanism.scenario)
            ).first()
            if row is None:
                raise ConfigurationError("the database holds no mechanism: run truce init")
            self._mechanism = _Mechanism(
                id=row.id,
                genesis_at=row.genesis_at,
                scenario=Scenario.model_validate(row.scenario),
            )
        return self._mechanism

    def genesis(self, scenario: Scenario, key: SigningKey, at: datetime | None = None) -> Receipt:
        """Record the scenario as entry 0, signed by the secretariat's root key."""
        secretariat = scenario.secretariat
        if key.public_key.text != secretariat.root_key:
            raise UnknownKeyError(
                "the genesis act must be signed by the secretariat's root key of the scenario"
            )
        act = sign_act(
            kind=GENESIS,
            mechanism=scenario.mechanism.id,
            member=secretariat.code,
            delegate="root",
            key=key,
            body=scenario.model_dump(mode="json"),
            at=at or self.clock(),
        )
        with self.db.write() as connection:
            store = LogStore(connection)
            store.initialise()
            if store.head(lock=True).size != 0:
                raise RefusedActError("the log already has a genesis entry")
            canonical = act.envelope.check_body(act.body)
            receipt = self._record(store, [(act, canonical, NOTHING_DECIDED)])[0]
            self._sign(store)
            return receipt

    # -- submission ---------------------------------------------------------------------

    def group_commit(self) -> GroupCommit:
        """The queue that admits concurrent submissions together (created on first use)."""
        from truce.log.batching import GroupCommit  # it builds on this module

        with self._group_lock:
            if self._group is None:
                self._group = GroupCommit(self)
            return self._group

    def submit(self, act: SignedAct, *, submitter: Identity | None = None) -> Receipt:
        """Admit one act; see :meth:`submit_many`."""
        return self.submit_many([act], submitter=submitter)[0]

    def submit_many(
        self, acts: Sequence[SignedAct], *, submitter: Identity | None = None
    ) -> list[Receipt]:
        """Check every act and record them all, in order, in one transaction.

        ``submitter`` is the authenticated caller; when given, every act must be signed
        by that same delegate. The first refused act aborts the whole batch: this is the
        form for imports and set-up, where the acts belong together. Independent
        submissions are grouped by :mod:`truce.log.batching` instead, where each
        act is accepted or refused on its own.
        """
        with self.db.write() as connection:
            store = LogStore(connection)
            store.head(lock=True)
            admitted = self.admit(store, acts, [submitter] * len(acts))
            self._sign(store)
            return [receipt for _, receipt in admitted]

    def admit(
        self,
        store: LogStore,
        acts: Sequence[SignedAct],
        submitters: Sequence[Identity | None],
        refuse: Callable[[int, TruceError], None] | None = None,
    ) -> list[tuple[int, Receipt]]:
        """Check and record ``acts`` in the caller's write transaction (head row locked).

        Each act is checked against the log and projections as the acts before it in
        this call leave them, so replays, key changes and workflow steps inside one call
        are judged exactly as if the acts had come one by one. Without ``refuse`` the
        first refusal is raised. With it, a refused act is reported as
        ``refuse(position, error)`` and skipped: nothing of it is recorded, and the
        workflow states it touched are put back, so the acts after it are judged as if
        it had never been sent. Returns ``(position, receipt)`` of each recorded act.
        """
        mechanism = self.mechanism(store.connection)
        connection = store.connection
        now = self.clock()
        keys = BatchKeys.empty(mechanism.scenario.secretariat.code)
        logged = store.logged({act.envelope.leaf_hash() for act in acts})
        admitted: list[tuple[int, Receipt]] = []
        books = Books.open(connection, mechanism.scenario)
        for start, end in _segments(acts):
            segment = acts[start:end]
            signatures = self.signatures.verify(connection, segment, keys)
            checked: list[tuple[SignedAct, bytes, Decided]] = []
            positions: list[int] = []
            for position, act, signature_ok in zip(
                range(start, end), segment, signatures, strict=True
            ):
                saved = books.save() if refuse is not None else None
                try:
                    leaf_hash = act.envelope.leaf_hash()
                    if leaf_hash in logged:
                        raise ReplayError(
                            f"this act is already in the log (leaf hash {leaf_hash.hex()})"
                        )
                    canonical, states = self._check(
                        connection,
                        mechanism,
                        act,
                        now,
                        keys,
                        submitters[position],
                        signature_ok,
                        books,
                    )
                except TruceError as exc:
                    if refuse is None or saved is None:
                        raise
                    books.restore(saved)
                    refuse(position, exc)
                    continue
                logged.add(leaf_hash)
                checked.append((act, canonical, states))
                positions.append(position)
            admitted.extend(
                zip(positions, self._record(store, checked, mechanism.scenario), strict=True)
            )
            keys = BatchKeys.empty(keys.registry.secretariat)
        return admitted

    def _sign(self, store: LogStore, *, fresh: bool = False) -> Note | None:
        """Sign the checkpoint of the new head in the appending transaction."""
        if self.signer is None:
            return None
        return checkpoints.sign_head(store, self.signer, self.clock(), fresh=fresh)

    def sign(self, store: LogStore, *, fresh: bool = False) -> Note | None:
        """Sign (once) the checkpoint of the head the caller's transaction appended
        (``fresh``: it appended at least one entry, see :func:`checkpoints.sign_head`)."""
        return self._sign(store, fresh=fresh)

    def precheck_signature(self, act: SignedAct) -> None:
        """:meth:`Signatures.precheck`: verify an act as it arrives, if its key is known."""
        self.signatures.precheck(act)

    @staticmethod
    def _record(
        store: LogStore,
        acts: list[tuple[SignedAct, bytes, Decided]],
        scenario: Scenario | None = None,
    ) -> list[Receipt]:
        """Project and append checked acts (the caller holds the write lock), each with
        the states its check decided, and run what follows their admission
        (:func:`truce.log.projections.on_admission`: the notifications they cause)."""
        head = store.head()
        context = projections.ProjectionContext(store.connection, known_scenario=scenario)
        logged = [
            projections.LoggedAct(
                index=head.size + offset,
                leaf_hash=act.envelope.leaf_hash(),
                envelope=act.envelope,
                body=json.loads(canonical),
                decided=states,
            )
            for offset, (act, canonical, states) in enumerate(acts)
        ]
        for act in logged:
            projections.apply(context, act)
        context.flush()
        projections.follow(context, logged)
        leaves = [(act.envelope.leaf_bytes(), act.envelope.leaf_hash()) for act, _, _ in acts]
        indices = store.append(
            leaves, [(act.envelope.body_digest, canonical) for act, canonical, _ in acts]
        )
        return [Receipt(index, leaf[1]) for index, leaf in zip(indices, leaves, strict=True)]

    # -- the checks ---------------------------------------------------------------------

    def _check(
        self,
        connection: Connection,
        mechanism: _Mechanism,
        act: SignedAct,
        now: datetime,
        keys: BatchKeys,
        submitter: Identity | None,
        signature_ok: bool | None = None,
        books: Books | None = None,
    ) -> tuple[bytes, Decided]:
        envelope = act.envelope
        if submitter is not None and (submitter.member, submitter.delegate) != (
            envelope.member,
            envelope.delegate,
        ):
            raise ForbiddenError(
                f"the act names {envelope.member}/{envelope.delegate} as its author but was "
                f"submitted by {submitter.member}/{submitter.delegate}",
                field="author",
            )
        if envelope.mechanism != mechanism.id:
            raise MalformedActError(
                f"the act is for mechanism {envelope.mechanism!r}, this log is {mechanism.id!r}",
                field="mechanism",
            )
        registry = keys.registry
        registry.permitted(envelope.kind)
        if envelope.kind == GENESIS:
            raise RefusedActError("the genesis act is recorded once, by truce init", field="kind")
        canonical = envelope.check_body(act.body)
        if len(canonical) > self.max_body_bytes:
            raise PayloadTooLargeError(
                f"the body has {len(canonical)} bytes; the limit is {self.max_body_bytes}",
                field="body",
            )
        parse_body(envelope.kind, act.body)
        self._check_time(mechanism, envelope, now)
        self._check_audience(mechanism, envelope)
        if envelope.key_id not in keys.looked_up:
            self.signatures.load(connection, {envelope.key_id}, keys)
        key = registry.signer(envelope.key_id, envelope.member, envelope.delegate)
        if signature_ok is None:
            signature_ok = envelope.verify_signature(key.public_key)
        if not signature_ok:
            raise SignatureError(
                "the signature does not verify over the act's canonical envelope", field="sig"
            )
        registry.check_role(key, envelope.kind)
        if envelope.kind in ADDRESSED_TO_ALL and envelope.audience != "all":
            raise RefusedActError(
                f"a {envelope.kind} act binds the parties: address it to all", field="audience"
            )
        if envelope.kind == "member.key":
            to_all = envelope.audience == "all"
            if to_all:
                self.signatures.load(
                    connection, {parse_member_key(act.body).public_key.key_id}, keys
                )
            registry.check_member_key(envelope.member, to_all, act.body)
        if is_checked(envelope.kind):
            if books is None:
                raise RefusedActError(f"{envelope.kind} is checked within a batch", field="kind")
            return canonical, books.check(mechanism.scenario, act, now)
        return canonical, NOTHING_DECIDED

    def _check_time(self, mechanism: _Mechanism, envelope: Envelope, now: datetime) -> None:
        procedure = mechanism.scenario.procedure
        moment = envelope.time
        skew = timedelta(seconds=procedure.max_clock_skew_seconds)
        if moment > now + skew:
            raise ImplausibleTimeError(
                f"the act is dated {envelope.at}, later than the server's time "
                f"{format_time(now)} by more than {procedure.max_clock_skew_seconds} s",
                field="at",
            )
        if moment < now - timedelta(hours=procedure.max_act_age_hours):
            raise ImplausibleTimeError(
                f"the act is dated {envelope.at}, more than {procedure.max_act_age_hours} h "
                f"before the server's time {format_time(now)}",
                field="at",
            )
        if moment < mechanism.genesis_at - skew:
            raise ImplausibleTimeError(
                f"the act is dated {envelope.at}, before the mechanism began "
                f"({format_time(mechanism.genesis_at)})",
                field="at",
            )

    @staticmethod
    def _check_audience(mechanism: _Mechanism, envelope: Envelope) -> None:
        if envelope.audience == PUBLIC:
            policy = mechanism.scenario.publication
            if policy is None or not policy.may_address(envelope.kind):
                allowed = ", ".join(policy.addressable) if policy else ""
                raise RefusedActError(
                    f"the scenario's publication policy does not let a {envelope.kind} act "
                    "be addressed to the public (publication.addressable: "
                    f"{allowed or 'no kind'})",
                    field="audience",
                )
            return
        if isinstance(envelope.audience, str):
            return
        codes = {member.code for member in mechanism.scenario.members}
        unknown = [code for code in envelope.audience if code not in codes]
        if unknown:
            raise MalformedActError(
                f"the audience names unknown members {', '.join(unknown)}", field="audience"
            )


def load_submission_bytes(data: bytes) -> SignedAct:
    """Parse posted bytes strictly (see :func:`truce.ledger.jcs.loads`)."""
    return parse_submission(jcs.loads(data))


class ReadOnlyAdmission(Admission):
    """Admission for a mirror served read-only: every write is refused."""

    def genesis(self, *_args: Any, **_kwargs: Any) -> Receipt:
        raise ReadOnlyError("this server is a read-only mirror: it records nothing")

    def admit(self, *_args: Any, **_kwargs: Any) -> list[tuple[int, Receipt]]:
        raise ReadOnlyError(
            "this server is a read-only mirror: submit acts to the secretariat's server"
        )

    def submit_many(self, *_args: Any, **_kwargs: Any) -> list[Receipt]:
        raise ReadOnlyError(
            "this server is a read-only mirror: submit acts to the secretariat's server"
        )
