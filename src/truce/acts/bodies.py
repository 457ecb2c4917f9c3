"""Act kinds: the body each kind carries.

Which roles may sign each kind is part of what every verifier checks, so the permission
table lives with the key registry (:data:`truce.verify.registry.PERMISSIONS`); admission,
the mirror and the offline verifier enforce it for every act, whatever entry point it
came through. ``docs/acts.md`` renders it for people. The registry also reads
``member.key`` bodies on its own (:func:`truce.verify.registry.parse_member_key`); a test
holds it to :class:`MemberKeyBody`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from truce.acts.text import content_hash
from truce.errors import MalformedActError
from truce.ledger.jcs import MAX_SAFE_INTEGER
from truce.verify.registry import Role

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberKeyBody(_Body):
    """``member.key``: register or revoke a delegate's signing key.

    A member's head (or the secretariat, for its own staff) registers the keys of its
    member's delegates; ``revoke`` ends a key's validity from this point of the log on,
    leaving every earlier signature valid.
    """

    action: Literal["register", "revoke"]
    delegate: Name
    role: Role
    public_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}$")]
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class StatementBody(_Body):
    """``statement.publish``: a member's statement placed on the record.

    Kept in the language it was written in, labelled with that language.
    """

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=20000)]
    language: LanguageTag


MemberCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,4}$")]
ClauseId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9_-]{0,15}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=0, le=100_000)]
#: The largest evidence file a body may describe (1 TiB): far above any upload limit,
#: far below the I-JSON bound, so that a size is an ordinary integer everywhere.
MAX_FILE_SIZE = 2**40
#: The most earlier violations a penalty may count (a bound, not a policy).
MAX_PRIOR_VIOLATIONS = 100_000
Rfc3339 = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
]


class Casualties(_Body):
    """People killed, injured or missing, by category; None where a category is not stated.

    The fields are every category a scenario may count
    (:data:`truce.scenario.facts.CATEGORY_IDS`); the scenario's own list says which it
    accepts, and ``militants`` (attackers) is never added to the others.
    """

    soldiers: Count | None = None
    police_levies: Count | None = None
    civilians: Count | None = None
    militants: Count | None = None
    unspecified: Count | None = None


class PlaceRef(_Body):
    """Where: a gazetteer place, or a point, with its precision."""

    place_id: Short | None = None
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    precision: Literal["exact", "approximate", "district", "province", "unknown"]

    @model_validator(mode="after")
    def _somewhere(self) -> PlaceRef:
        if self.place_id is None and (self.lat is None or self.lon is None):
            raise ValueError("give a gazetteer place_id, or both lat and lon")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class Incident(_Body):
    """What happened: type, time with precision, place, actors, casualties."""

    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,63}$")]
    occurred_at: Rfc3339
    time_precision: Literal["minute", "hour", "day", "week", "month"]
    place: PlaceRef
    actors: list[Short] = Field(default_factory=list, max_length=20)
    killed: Casualties = Field(default_factory=Casualties)
    injured: Casualties = Field(default_factory=Casualties)
    #: Missing or abducted (absent from acts lodged before it was counted).
    missing: Casualties | None = None


class Accused(_Body):
    """The accused member and, if the allegation names one, an armed group the member is
    alleged to harbour or support. The two are kept apart, and shown as "Accused: AF ·
    harbouring alleged: TTP": never as the group in parentheses after the member's name,
    which would read as naming the state as the group."""

    member: MemberCode = Field(description="The accused member (a party).")
    group: Short | None = Field(
        default=None,
        description="An armed group the accused member is alleged to harbour or support "
        "(shown as 'harbouring alleged: <group>').",
    )


class LodgeBody(_Body):
    """``case.lodge``: an allegation that a party violated the agreement."""

    incident: Incident
    accused: Accused
    clauses: list[ClauseId] = Field(min_length=1, max_length=20)
    narrative: Text
    language: LanguageTag


class RespondBody(_Body):
    """``case.respond``: the accused member's answer; a counter-claim lodges a linked case."""

    position: Literal["accept", "deny", "counter_claim", "request_information"]
    statement: Text
    language: LanguageTag
    counter_case: LodgeBody | None = None

    @model_validator(mode="after")
    def _counter(self) -> RespondBody:
        if (self.position == "counter_claim") != (self.counter_case is not None):
            raise ValueError("a counter_claim carries counter_case, and only a counter_claim")
        return self


class FileRef(_Body):
    """A file stored by its SHA-256, as uploaded."""

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    media_type: Short
    size: Annotated[int, Field(ge=0, le=MAX_FILE_SIZE)]
    name: Short | None = None


class EvidenceBody(_Body):
    """``case.evidence``: files in support of a claim, with what they show."""

    files: list[FileRef] = Field(min_length=1, max_length=20)
    description: Text
    language: LanguageTag


class NoteBody(_Body):
    """A step that needs no more than an optional note (investigate, withdraw, close)."""

    note: Text | None = None
    language: LanguageTag | None = None


class RequestInfoBody(_Body):
    """``case.request_info``: a mediator asks a party for information, with a deadline."""

    to: MemberCode
    questions: Text
    deadline_days: Annotated[int, Field(ge=1, le=90)] | None = None
    language: LanguageTag


class LapseBody(_Body):
    """``case.lapse``: the secretariat's clock records that a deadline of the case passed.

    ``due_at`` is the deadline as the case had it; ``to`` names the member a request for
    information was addressed to (``deadline = "information"`` only).
    """

    deadline: Literal["response", "information", "appeal", "investigation"]
    due_at: Rfc3339
    to: MemberCode | None = None


class ExtendBody(_Body):
    """``case.extend``: a mediator extends a deadline, or gives leave to answer late.

    ``deadline_at`` is the new deadline; ``to`` names the member whose request for
    information is extended (``deadline = "information"`` only). The reason is kept.
    """

    deadline: Literal["response", "information"]
    to: MemberCode | None = None
    deadline_at: Rfc3339
    reason: Text
    language: LanguageTag


class CaseStatementBody(_Body):
    """``case.provide_info`` and ``case.appeal``: a statement for the record."""

    statement: Text
    language: LanguageTag


class FindingBody(_Body):
    """``case.finding`` and ``case.rule``: an assessment, with the clauses and reasons."""

    outcome: Literal["violation_confirmed", "not_substantiated", "inconclusive"]
    violator: MemberCode | None = None
    clauses: list[ClauseId] = Field(default_factory=list, max_length=20)
    reasons: Text
    language: LanguageTag


class PenaltyBody(_Body):
    """``case.penalty``: the schedule's step for the violator's count in the window."""

    member: MemberCode
    step: Short
    prior_violations: Annotated[int, Field(ge=0, le=MAX_PRIOR_VIOLATIONS)]


Level = Literal["open", "closed", "restricted"]


class AttestBody(_Body):
    """``compliance.attest``: a party states a step it took to comply with a clause."""

    clause: ClauseId
    statement: Text
    taken_at: Rfc3339
    evidence: list[FileRef] = Field(default_factory=list, max_length=20)
    language: LanguageTag


class ReviewBody(_Body):
    """``compliance.review``: a mediator acknowledges or disputes an attestation (refs[0])."""

    verdict: Literal["acknowledged", "disputed"]
    reason: Text
    language: LanguageTag | None = None


class CrossingStatusBody(_Body):
    """``crossing.status``: the state of a border crossing from ``effective_at`` on."""

    crossing: Short
    trade: Level
    people: Level
    stranded_trucks: Count | None = None
    reason: Text
    effective_at: Rfc3339
    language: LanguageTag | None = None


class JointRequestBody(_Body):
    """``joint.request``: a party shares a threat and asks the other party to act on it."""

    to: MemberCode
    place: PlaceRef
    group: Short | None = None
    description: Text
    requested_action: Text
    deadline_days: Annotated[int, Field(ge=1, le=90)] | None = None
    language: LanguageTag


class JointReportBody(_Body):
    """``joint.report``: what the requested party did about a request (refs[0])."""

    action_taken: Text
    outcome: Literal["completed", "partial", "nothing_found", "declined"]
    language: LanguageTag


class JointExtendBody(_Body):
    """``joint.extend``: a mediator moves the deadline of a request for joint action
    (refs[0]) not yet reported on, or gives leave to report late. The reason is kept."""

    deadline_at: Rfc3339
    reason: Text
    language: LanguageTag


IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
WEB_SCHEMES = ("http", "https")


def is_web_url(value: str | None) -> bool:
    """Whether ``value`` is an absolute ``http`` or ``https`` URL with a host."""
    if not value or any(ch.isspace() or ord(ch) < 0x20 for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def _web_url(value: str) -> str:
    if is_web_url(value):
        return value
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if re.fullmatch(r"[a-z][a-z0-9+.-]{0,19}", scheme) and scheme not in WEB_SCHEMES:
        raise ValueError(f"a link must be an http:// or https:// URL, not a {scheme}: URL")
    raise ValueError("a link must be an absolute http:// or https:// URL with a host")


Url = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_web_url)]
"""Every act field that holds a link: only ``http`` and ``https`` are admitted, so no
``javascript:``, ``data:`` or ``file:`` link is kept in the log, whatever a page's CSP
would do with it."""
MAX_ARTICLE_CHARS = 400_000
MAX_MEDIA_INCIDENTS = 200


class MediaCasualties(_Body):
    """Killed or injured as a report gives them, ``unspecified`` where it names no category."""

    soldiers: Count | None = None
    civilians: Count | None = None
    militants: Count | None = None
    unspecified: Count | None = None


class MediaIncident(_Body):
    """One candidate incident as one source in one article tells it (``truce extract``)."""

    date: IsoDate | None
    date_precision: Literal["day", "week", "month", "unknown"]
    place: Short | None
    place_id: Short | None
    admin1: Short | None
    country: MemberCode | None
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None
    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,63}$")]
    actors: list[Short] = Field(default_factory=list, max_length=20)
    killed: MediaCasualties = Field(default_factory=MediaCasualties)
    injured: MediaCasualties = Field(default_factory=MediaCasualties)
    claimed_by: list[Short] = Field(default_factory=list, max_length=20)
    disputed_by: list[Short] = Field(default_factory=list, max_length=20)
    evidence: Annotated[str, StringConstraints(max_length=20000)] = ""


class MediaClaim(_Body):
    """A statement the article attributes to a speaker, with its stance."""

    speaker: Short
    member: MemberCode | None
    stance: Literal[
        "accusation", "denial", "warning", "demand", "commitment", "assessment", "offer"
    ]
    quote: Text


class MediaItemBody(_Body):
    """``media.item``: a news article stored in the mechanism, with what was extracted.

    ``content_hash`` is the SHA-256 of the normalised ``text`` (NFC, whitespace
    collapsed), the key an article is stored once under. The extraction travels in the
    body, signed by the ingesting delegate, so the projection never re-runs it and a
    rebuild reproduces it exactly, whatever version of the extraction rules runs then.
    """

    content_hash: Sha256Hex
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_ARTICLE_CHARS)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    outlet: Short | None = None
    url: Url | None = None
    published: IsoDate | None = None
    language: Annotated[LanguageTag, StringConstraints(max_length=35)] | None = None
    incidents: list[MediaIncident] = Field(default_factory=list, max_length=MAX_MEDIA_INCIDENTS)
    claims: list[MediaClaim] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _hashed(self) -> MediaItemBody:
        if content_hash(self.text) != self.content_hash:
            raise ValueError("content_hash is not the SHA-256 of the normalised text")
        return self


class PressReport(_Body):
    """A media item named by a corroboration: its ``media.item`` leaf hash and masthead."""

    item: Sha256Hex
    outlet: Short | None = None
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    url: Url | None = None
    published: IsoDate | None = None


class CorroborateBody(_Body):
    """``media.corroborate``: a mediator attaches a media cluster to a case (``refs[0]``)."""

    cluster: Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)]
    items: list[PressReport] = Field(min_length=1, max_length=100)
    note: Text | None = None
    language: LanguageTag | None = None


#: The most language renderings one report may carry.
MAX_REPORT_PDFS = 12


class ReportPeriod(_Body):
    """The period a report covers: its kind and its first and last day (inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: Literal["daily", "weekly", "range"]
    from_: IsoDate = Field(alias="from")
    to: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> ReportPeriod:
        for day in (self.from_, self.to):
            try:
                date.fromisoformat(day)
            except ValueError:
                raise ValueError(f"{day} is not a day of the calendar") from None
        if self.to < self.from_:
            raise ValueError("the period ends before it begins")
        return self


class ReportPdf(_Body):
    """One language's PDF of a report: its language, SHA-256 and size in bytes."""

    language: LanguageTag
    sha256: Sha256Hex
    size: Annotated[int, Field(ge=1, le=MAX_FILE_SIZE)]


class ReportPublishBody(_Body):
    """``report.publish``: the secretariat puts a report forward for approval.

    ``data_sha256`` is the SHA-256 of the data every PDF embeds
    (:data:`truce.reports.embedded.ATTACHMENT`): one digest, since every language's PDF
    of one report is drawn from the same data bytes. ``pdfs`` names each language's PDF
    by its own SHA-256; the files are stored by the server, readable by the act's
    audience.
    """

    period: ReportPeriod
    title: Short
    data_sha256: Sha256Hex
    pdfs: list[ReportPdf] = Field(min_length=1, max_length=MAX_REPORT_PDFS)

    @model_validator(mode="after")
    def _distinct(self) -> ReportPublishBody:
        languages = [pdf.language for pdf in self.pdfs]
        if len(set(languages)) != len(languages):
            raise ValueError("each language has one PDF")
        digests = [pdf.sha256 for pdf in self.pdfs]
        if len(set(digests)) != len(digests):
            raise ValueError("the same PDF is named twice")
        return self


BODY_MODELS: dict[str, type[_Body]] = {
    "member.key": MemberKeyBody,
    "statement.publish": StatementBody,
    "case.lodge": LodgeBody,
    "case.respond": RespondBody,
    "case.evidence": EvidenceBody,
    "case.investigate": NoteBody,
    "case.request_info": RequestInfoBody,
    "case.provide_info": CaseStatementBody,
    "case.finding": FindingBody,
    "case.rule": FindingBody,
    "case.new_round": NoteBody,
    "case.refer": NoteBody,
    "case.lapse": LapseBody,
    "case.extend": ExtendBody,
    "case.appeal": CaseStatementBody,
    "case.waive_appeal": NoteBody,
    "case.penalty": PenaltyBody,
    "case.withdraw": NoteBody,
    "case.close": NoteBody,
    "compliance.attest": AttestBody,
    "compliance.review": ReviewBody,
    "crossing.status": CrossingStatusBody,
    "joint.request": JointRequestBody,
    "joint.report": JointReportBody,
    "joint.extend": JointExtendBody,
    "media.item": MediaItemBody,
    "media.corroborate": CorroborateBody,
    "report.publish": ReportPublishBody,
    "report.approve": NoteBody,
    "report.withdraw": NoteBody,
}


#: What each pattern of these models asks for, in words a delegate reads.
PATTERN_WORDS: dict[str, str] = {
    r"^[A-Z]{2,4}$": "a member code in capitals, such as PK or TR",
    r"^[A-Z][A-Za-z0-9_-]{0,15}$": "a clause id such as C1",
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$": "a language code such as en, ur, ps or prs",
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$": (
        "a time in UTC such as 2025-11-06T10:30:00Z"
    ),
    r"^\d{4}-\d{2}-\d{2}$": "a date such as 2025-11-06",
    r"^[0-9a-f]{64}$": "a SHA-256 digest: 64 hexadecimal characters",
    r"^[a-z][a-z_]{0,63}$": "an id in small letters, such as shelling",
    r"^[A-Za-z0-9_-]{43}$": "a public key: 43 characters of unpadded base64url",
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$": "a name of letters, digits, dots, dashes or underscores",
}


def _in_words(error: Any) -> str:
    """A validation error's message, with a pattern said in words."""
    if error["type"] == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        if pattern in PATTERN_WORDS:
            return f"should be {PATTERN_WORDS[pattern]}"
    return str(error["msg"])


def parse_body(kind: str, body: Any) -> _Body | None:
    """Validate ``body`` against its kind's model; raise :class:`MalformedActError`.

    Returns None for kinds whose body is validated elsewhere (the genesis scenario).
    """
    model = BODY_MODELS.get(kind)
    if model is None:
        return None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise MalformedActError(
            f"{kind} body: {where}: {_in_words(first)}", field=f"body.{where}"
        ) from exc
