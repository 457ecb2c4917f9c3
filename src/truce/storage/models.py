"""Tables.

Three groups:

- the **log** (``log_entries``, ``log_nodes``, ``log_head``), the **bodies** beside it,
  and the signed **checkpoints** with their witnesses' **cosignatures**: the source of
  truth, only ever appended to;
- **projections** (every table in :data:`PROJECTION_TABLES`): derived from the log alone,
  dropped and recreated by ``truce rebuild``;
- **accounts** with their API tokens, web sessions, sign-in attempts and pending key
  requests (secrets and preferences never enter the log) and **files** (evidence
  uploads, which enter the record only when an act cites them): neither log nor
  projection.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from truce.storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for Alembic."""

    metadata = MetaData(naming_convention=NAMING)


class LogEntry(Base):
    """One leaf: the RFC 8785 bytes of a signed envelope."""

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class LogNode(Base):
    """The hash of a complete aligned subtree: leaves ``[idx << level, (idx + 1) << level)``.

    Storing every complete subtree (about two rows per leaf) lets any root or proof be
    assembled from O(log n) rows instead of rehashing the log.
    """

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogHead(Base):
    """The single row holding the current tree size and root; writers lock it."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))


class Body(Base):
    """An act body, stored as its RFC 8785 bytes under its ``sha256:`` digest."""

    __tablename__ = "bodies"

    digest: Mapped[str] = mapped_column(String(71), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Checkpoint(Base):
    """A checkpoint the secretariat signed: C2SP signed note with the log's signature only."""

    __tablename__ = "checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Cosignature(Base):
    """A member witness's C2SP tlog-cosignature of a checkpoint."""

    __tablename__ = "cosignatures"

    size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("checkpoints.size"), primary_key=True, autoincrement=False
    )
    member: Mapped[str] = mapped_column(String(8), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[str] = mapped_column(Text)


class StoredFile(Base):
    """An evidence file, stored once under its SHA-256 and never modified.

    Uploads are not acts: a file enters the record when a ``case.evidence`` act cites it,
    and it is released only to the audience of such an act (``file_refs``).
    """

    __tablename__ = "files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    photo: Mapped[Any] = mapped_column(JSON, nullable=True)
    uploaded_by: Mapped[str] = mapped_column(String(8))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FileUpload(Base):
    """Which members uploaded a stored file: each has been given it, and may cite it.

    A file is stored once, but every member that sends its bytes is recorded, so that a
    member holding the same photo as another may cite it too. Neither log nor projection.
    """

    __tablename__ = "file_uploads"

    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("files.sha256"), primary_key=True)
    member: Mapped[str] = mapped_column(String(8), primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Account(Base):
    """A delegate's account: who may use the API and the web application, and how.

    Neither log nor projection: it holds secrets (an argon2 password hash) and
    preferences. What a delegate may sign is decided by its registered key's role in the
    log, never by this row; ``role`` here chooses what the web application offers.
    """

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("member", "delegate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member: Mapped[str] = mapped_column(String(8))
    delegate: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApiToken(Base):
    """An API bearer token of an account, stored as its SHA-256 (tokens are 256-bit random)."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebSession(Base):
    """A signed-in browser: the SHA-256 of its session cookie and its CSRF token."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInAttempt(Base):
    """One password sign-in attempt, kept to rate-limit guessing per delegate and address."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_subject_at", "subject", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class KnownDevice(Base):
    """A browser in which a delegate has signed in: its cookie's SHA-256, never the cookie.

    Sign-in from a known device is not held back by what others do from the same
    address; failures there are limited by the device itself.
    """

    __tablename__ = "known_devices"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("accounts.id"), primary_key=True, autoincrement=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInEvent(Base):
    """A sign-in throttle that began, or a delegate guessed at: the secretariat's record.

    ``kind`` is ``address-throttled`` (an address used up its failures),
    ``delegate-throttled`` (one address's failures for one delegate are now slowed down)
    or ``delegate-targeted`` (failures for one delegate from any address passed the
    alert level). The account itself is never locked.
    """

    __tablename__ = "sign_in_events"
    __table_args__ = (Index("ix_sign_in_events_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    member: Mapped[str | None] = mapped_column(String(8), nullable=True)
    delegate: Mapped[str | None] = mapped_column(String(64), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    failures: Mapped[int] = mapped_column(Integer)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EnrolCode(Base):
    """A one-time enrolment code the secretariat issued for an account: its SHA-256,
    never the code, valid until ``expires_at`` and for one use (``used_at``)."""

    __tablename__ = "enrol_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("accounts.id"), index=True)
    issued_by: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class KeyRequest(Base):
    """A browser's request to register its new key for a delegate, awaiting the head.

    Approval is a ``member.key`` act in the log; this row only tells the head what to
    approve. ``status`` is ``pending``, ``approved`` or ``withdrawn``.
    """

    __tablename__ = "key_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member: Mapped[str] = mapped_column(String(8), index=True)
    delegate: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Act(Base):
    """Projection: every logged act's envelope fields, for queries and audience checks."""

    __tablename__ = "acts"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    member: Mapped[str] = mapped_column(String(8), index=True)
    delegate: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    audience: Mapped[Any] = mapped_column(JSON)
    body_digest: Mapped[str] = mapped_column(String(71), index=True)


class Mechanism(Base):
    """Projection: the mechanism and its scenario, from the genesis act."""

    __tablename__ = "mechanism"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[Any] = mapped_column(JSON)
    genesis_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Member(Base):
    """Projection: the members of the mechanism (parties, mediators, the secretariat)."""

    __tablename__ = "members"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))


class DelegateKey(Base):
    """Projection: which key signs for which delegate, from when to when (log indices)."""

    __tablename__ = "delegate_keys"
    __table_args__ = (Index("ix_delegate_keys_member_delegate", "member", "delegate"),)

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[str] = mapped_column(String(8))
    delegate: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(64))
    registered_idx: Mapped[int] = mapped_column(BigInteger)
    revoked_idx: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class CaseRecord(Base):
    """Projection: one case, its incident, and its workflow state."""

    __tablename__ = "cases"
    #: The dashboard's reads: open cases by status (and accused), oldest first; confirmed
    #: violations; the latest rulings.
    __table_args__ = (
        Index("ix_cases_status_lodged_at_id", "status", "lodged_at", "id"),
        Index("ix_cases_status_accused_lodged_at", "status", "accused", "lodged_at"),
        Index("ix_cases_outcome", "outcome"),
        Index("ix_cases_ruled_at", "ruled_at"),
        Index("ix_cases_number", "number", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: The case's number in the mechanism's own sequence (1, 2, 3 …), in log order.
    number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    lodged_by: Mapped[str] = mapped_column(String(8), index=True)
    accused: Mapped[str] = mapped_column(String(8), index=True)
    accused_group: Mapped[str | None] = mapped_column(String(200), nullable=True)
    audience: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(24), index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    time_precision: Mapped[str] = mapped_column(String(8))
    place_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    admin1: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    precision: Mapped[str] = mapped_column(String(16))
    clauses: Mapped[Any] = mapped_column(JSON)
    killed: Mapped[Any] = mapped_column(JSON)
    injured: Mapped[Any] = mapped_column(JSON)
    #: Missing or abducted, by category (NULL for allegations that give none).
    missing: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    counter_to: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    violator: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    ruled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    penalty: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[Any] = mapped_column(JSON)
    updated_idx: Mapped[int] = mapped_column(BigInteger)
    #: The allegation's own words, casefolded, for search (``truce.cases.search.search_text``);
    #: indexed by full text (``schema.SEARCH_INDEXES``, migration 0009).
    search_text: Mapped[str] = mapped_column(Text)


class CaseCount(Base):
    """Projection: how many cases have one status, accused, author, audience and list of
    clauses (the last two as the JSON text ``cases`` stores them).

    The dashboard and the compliance matrix count the open cases a reader may see by
    status, accused and clause; grouping these few hundred rows, with the audience rule
    as on ``cases``, gives the same figures as grouping every case. A group's row goes
    when its last case moves on (``truce.cases.projection``).
    """

    __tablename__ = "case_counts"

    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    accused: Mapped[str] = mapped_column(String(8), primary_key=True)
    lodged_by: Mapped[str] = mapped_column(String(8), primary_key=True)
    audience: Mapped[str] = mapped_column(Text, primary_key=True)
    clauses: Mapped[str] = mapped_column(Text, primary_key=True)
    cases: Mapped[int] = mapped_column(BigInteger)


class FileRef(Base):
    """Projection: which acts cite which evidence file."""

    __tablename__ = "file_refs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class CaseAct(Base):
    """Projection: which acts make up a case's thread."""

    __tablename__ = "case_acts"
    #: Which cases hold an act of a kind (a response, a request for information).
    __table_args__ = (Index("ix_case_acts_kind_case_id", "kind", "case_id"),)

    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))


class AttestationRecord(Base):
    """Projection: a party's attestation of a step taken to comply with a clause."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member: Mapped[str] = mapped_column(String(8), index=True)
    clause: Mapped[str] = mapped_column(String(16), index=True)
    statement: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    evidence: Mapped[Any] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    audience: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[Any] = mapped_column(JSON)
    updated_idx: Mapped[int] = mapped_column(BigInteger)


class AttestationReview(Base):
    """Projection: one mediator's review of an attestation."""

    __tablename__ = "attestation_reviews"

    attestation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    member: Mapped[str] = mapped_column(String(8), primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, unique=True)
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    audience: Mapped[Any] = mapped_column(JSON)


class CrossingReport(Base):
    """Projection: one ``crossing.status`` report."""

    __tablename__ = "crossing_reports"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    crossing: Mapped[str] = mapped_column(String(200), index=True)
    member: Mapped[str] = mapped_column(String(8))
    trade: Mapped[str] = mapped_column(String(16))
    people: Mapped[str] = mapped_column(String(16))
    stranded_trucks: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    audience: Mapped[Any] = mapped_column(JSON)


class JointRequestRecord(Base):
    """Projection: a request for joint action and the requested party's report."""

    __tablename__ = "joint_requests"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    requested_by: Mapped[str] = mapped_column(String(8), index=True)
    to_member: Mapped[str] = mapped_column(String(8), index=True)
    place_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    precision: Mapped[str] = mapped_column(String(16))
    armed_group: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    requested_action: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    audience: Mapped[Any] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    report_idx: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    report_audience: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    action_taken: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state: Mapped[Any] = mapped_column(JSON)
    updated_idx: Mapped[int] = mapped_column(BigInteger)


class MediaItem(Base):
    """Projection: a news article stored by a ``media.item`` act (its text stays in the body)."""

    __tablename__ = "media_items"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    body_digest: Mapped[str] = mapped_column(String(71))
    member: Mapped[str] = mapped_column(String(8))
    delegate: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    outlet: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    published: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    audience: Mapped[Any] = mapped_column(JSON)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claims: Mapped[Any] = mapped_column(JSON)


class MediaIncident(Base):
    """Projection: one candidate incident of a media item, and the cluster it belongs to.

    ``id`` is ``1000 * item id + position``: fixed by the log, so live and rebuilt
    tables agree on every backend (no sequence involved).
    """

    __tablename__ = "media_incidents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(BigInteger, index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    cluster_id: Mapped[int] = mapped_column(BigInteger, index=True)
    date: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    date_precision: Mapped[str] = mapped_column(String(8))
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    place_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    admin1: Mapped[str | None] = mapped_column(String(200), nullable=True)
    country: Mapped[str | None] = mapped_column(String(8), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    actors: Mapped[Any] = mapped_column(JSON)
    killed: Mapped[Any] = mapped_column(JSON)
    injured: Mapped[Any] = mapped_column(JSON)
    claimed_by: Mapped[Any] = mapped_column(JSON)
    disputed_by: Mapped[Any] = mapped_column(JSON)
    evidence: Mapped[str] = mapped_column(Text)


class MediaCluster(Base):
    """Projection: candidate incidents of one event; ``id`` is its first candidate's id."""

    __tablename__ = "media_clusters"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    first_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    last_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    updated_idx: Mapped[int] = mapped_column(BigInteger)


class MediaCorroboration(Base):
    """Projection: a ``media.corroborate`` act attaching a cluster's items to a case."""

    __tablename__ = "media_corroborations"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(BigInteger, index=True)
    cluster_id: Mapped[int] = mapped_column(BigInteger, index=True)
    items: Mapped[Any] = mapped_column(JSON)
    member: Mapped[str] = mapped_column(String(8))
    audience: Mapped[Any] = mapped_column(JSON)


LOG_TABLES: tuple[Table, ...] = tuple(
    Base.metadata.tables[name]
    for name in ("log_entries", "log_nodes", "log_head", "bodies", "checkpoints", "cosignatures")
)

# The reports' projection lives in its own module, imported before the list below.
from truce.storage import models_reports as _models_reports  # noqa: E402, F401

#: Every table that ``truce rebuild`` recreates from the log, in dependency order.
PROJECTION_TABLES: tuple[Table, ...] = tuple(
    Base.metadata.tables[name]
    for name in (
        "mechanism",
        "members",
        "delegate_keys",
        "acts",
        "cases",
        "case_counts",
        "case_acts",
        "file_refs",
        "attestations",
        "attestation_reviews",
        "crossing_reports",
        "joint_requests",
        "media_items",
        "media_incidents",
        "media_clusters",
        "media_corroborations",
        "reports",
    )
)

# The notifications' tables (neither log nor projection) live in their own module.
from truce.storage import models_notify as _models_notify  # noqa: E402, F401
