"""The scenario: one TOML file that defines a mechanism.

Nothing in truce is specific to one ceasefire. The members and their root keys, the
clauses of the agreement and whom they bind, the procedure's deadlines and quorums, the
penalty schedule, the incident taxonomy and the gazetteer all come from a scenario file
(``docs/scenarios.md`` documents the format). The validated :class:`Scenario` is also
the body of the log's genesis act, so ``Scenario.model_validate`` accepts the JSON that
``model_dump(mode="json")`` produces and gives back an equal scenario.

A person editing the file should see every problem at once, each with its line, so
:func:`check_scenario` collects TOML syntax errors, every schema error and every broken
cross-reference (an unknown member in ``binds``, a duplicate place id, a quorum larger
than the number of mediators ...) instead of stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from truce.errors import ScenarioError
from truce.ledger.checkpoint import witness_name
from truce.ledger.keys import PublicKey
from truce.scenario.facts import CasualtyLists, TimeZoneName
from truce.scenario.fields import (
    MAX_DAYS,
    MAX_HOURS,
    MAX_PENALTY_COUNT,
    MAX_QUORUM,
    MAX_SKEW_SECONDS,
    ClauseBasis,
    ClauseId,
    EventKind,
    IsoDate,
    KeyName,
    LanguageTag,
    Latitude,
    Longitude,
    MemberCode,
    MemberKind,
    NonBlank,
    Origin,
    PlaceKind,
    Precision,
    Quorum,
    RootKey,
    Slug,
    TypeId,
    WitnessUrl,
    _matching,
    demo_root_key,
)
from truce.scenario.publication import Publication
from truce.scenario.refs import cross_reference_problems, dotted, entries, table
from truce.scenario.toml_lines import Location, TomlLineIndex

SCENARIO_FILE_NAME = "mechanism.toml"
"""The file :func:`load_scenario` reads when it is given a scenario directory."""


_SKIP_CROSS_CHECK = "truce.scenario.skip_cross_check"


class _Model(BaseModel):
    """Strict, immutable, and refusing unknown keys so that typos are reported."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Agreement(_Model):
    """The agreement the mechanism was set up under."""

    title: NonBlank
    date: IsoDate
    place: NonBlank | None = None


class Mechanism(_Model):
    """Identity of the deployment: its id, its name and the origin line of its log."""

    id: Slug
    name: NonBlank
    origin: Origin
    checkpoint_key: RootKey
    agreement: Agreement
    sources: list[NonBlank] = Field(default_factory=list)


class SourceText(_Model):
    """A text that clauses are drawn from, such as a joint statement."""

    id: Slug
    title: NonBlank
    date: IsoDate
    sources: list[NonBlank] = Field(default_factory=list)


class Event(_Model):
    """A dated event that timelines mark, such as a truce coming into force."""

    id: Slug
    date: IsoDate
    label: NonBlank
    kind: EventKind = "truce"
    sources: list[NonBlank] = Field(default_factory=list)


class MemberWitness(_Model):
    """The witness a member runs: the key name it cosigns under (C2SP signed-note).

    A witness that already cosigns other logs keeps the name it has there
    (``witness.example.org``, say), so anyone who knows that witness knows its
    cosignatures here too. With ``url`` the log pushes checkpoints to it
    (c2sp.org/tlog-witness), so any witness that speaks that protocol will do.
    """

    name: KeyName
    url: WitnessUrl | None = Field(default=None, exclude_if=lambda value: value is None)
    """The witness's C2SP tlog-witness submission prefix: the log posts each new
    checkpoint to ``<url>/add-checkpoint``. Without it the witness pulls."""


class Member(_Model):
    """A party, a mediator or the secretariat, with the root key that speaks for it.

    ``witness`` is optional; a member without one cosigns as ``<origin>/witness/<CODE>``,
    the name every scenario used before witnesses were named. It is left out of the
    dump when absent, so the genesis body of such a scenario stays byte for byte what it
    always was.
    """

    code: MemberCode
    name: NonBlank
    kind: MemberKind
    root_key: RootKey
    languages: list[LanguageTag] = Field(default_factory=list)
    witness: MemberWitness | None = Field(default=None, exclude_if=lambda value: value is None)
    #: The IANA zone of the member's local time (``Asia/Karachi``); left out when absent.
    time_zone: TimeZoneName | None = Field(default=None, exclude_if=lambda value: value is None)

    def public_key(self) -> PublicKey:
        """The member's root key."""
        return PublicKey.from_text(self.root_key)


class Reading(_Model):
    """How one member (or the mediators together) reads a clause, attributed: kept
    beside the clause's agreed ``text``, never written into it."""

    by: Annotated[str, _matching(r"mediators|[A-Z][A-Z0-9]{1,7}", "a member code or 'mediators'")]
    text: NonBlank
    source: NonBlank | None = Field(default=None, exclude_if=lambda value: value is None)


class Clause(_Model):
    """One commitment of the agreement and the parties it binds.

    ``text`` is the agreed text only; a member's reading of it is a :class:`Reading`.
    ``readings`` is left out of the dump when empty, so the genesis body of a scenario
    without any stays byte for byte what it was.
    """

    id: ClauseId
    title: NonBlank
    text: NonBlank
    binds: list[MemberCode] = Field(min_length=1)
    source: Slug
    basis: ClauseBasis = "statement"
    excerpt: NonBlank | None = None
    readings: list[Reading] = Field(default_factory=list, exclude_if=lambda value: not value)


class Procedure(_Model):
    """Deadlines, quorums and the time limits the ledger applies to acts."""

    response_deadline_hours: int = Field(default=72, ge=1, le=MAX_HOURS)
    ruling_quorum: Quorum = "all"
    appeal_window_days: int = Field(default=14, ge=0, le=MAX_DAYS)
    #: Split rounds of findings after which the mediators may refer a case.
    rounds_before_referral: int = Field(default=2, ge=1, le=100)
    #: Days an investigation may run without a ruling before the case may be referred.
    investigation_days: int = Field(default=30, ge=1, le=MAX_DAYS)
    information_request_days: int = Field(default=7, ge=1, le=MAX_DAYS)
    #: Whether the accused's response clock stands still while its request for more
    #: information to the lodging member is open.
    response_clock_pauses: bool = True
    max_clock_skew_seconds: int = Field(default=300, ge=0, le=MAX_SKEW_SECONDS)
    max_act_age_hours: int = Field(default=24, ge=1, le=MAX_HOURS)
    #: The first day of the period the mechanism hears allegations about: an incident
    #: dated before it is refused (none: no lower bound).
    incidents_from: dt.date | None = Field(default=None, strict=False)
    witness_quorum: int | None = Field(default=None, ge=1, le=MAX_QUORUM)
    #: Minutes a checkpoint may stay uncosigned by a member's witness before every
    #: member is alarmed (none: no such alarm). Left out of the scenario's bytes when
    #: unset, so scenarios written before it keep their digest.
    witness_lapse_minutes: int | None = Field(
        default=None, ge=5, le=MAX_HOURS * 60, exclude_if=lambda value: value is None
    )
    #: The hour of the day (0-23) at which a daily report's day ends, in
    #: ``report_time_zone`` (none: midnight).
    report_hour: int | None = Field(
        default=None, ge=0, le=23, exclude_if=lambda value: value is None
    )
    #: The IANA time zone the reporting hour is read in (none: UTC).
    report_time_zone: TimeZoneName | None = Field(
        default=None, exclude_if=lambda value: value is None
    )


class Reports(_Model):
    """Who publishes the mechanism's periodic reports, and whose approval makes one count.

    A ``report.publish`` act is signed by a member of ``publishers``; the report counts
    as published once every member of ``approvers`` has signed a ``report.approve`` of
    it (``docs/reports.md``). Absent, the secretariat publishes and every mediator
    approves (:attr:`Scenario.report_publishers`, :attr:`Scenario.report_approvers`).
    """

    publishers: list[MemberCode] = Field(min_length=1)
    approvers: list[MemberCode] = Field(min_length=1)


class PenaltyStep(_Model):
    """What falls on a party at its ``count``-th confirmed violation within the window."""

    count: int = Field(ge=1, le=MAX_PENALTY_COUNT)
    id: Slug
    name: NonBlank
    description: NonBlank


class Penalties(_Model):
    """The graduated penalty schedule."""

    window_days: int = Field(ge=1, le=MAX_DAYS)
    steps: list[PenaltyStep] = Field(min_length=1)


class IncidentType(_Model):
    """One entry of the incident taxonomy."""

    id: TypeId
    label: NonBlank
    description: NonBlank | None = None


class Demo(_Model):
    """Marks a demo scenario whose root keys derive from a public seed."""

    insecure_key_seed: NonBlank


class PlaceSide(_Model):
    """A crossing as one party names its side of it (``Chaman`` for PK, ``Spin Boldak``
    for AF; ``Torkham`` for both)."""

    member: MemberCode
    name: NonBlank


class Place(_Model):
    """One gazetteer entry, with coordinates as precise as the source allows.

    A crossing is a place of two sides: ``sides`` names it as each party does, and it is
    shown by both names (:attr:`shown_name`). ``sides`` is left out of the dump when
    empty, so the genesis body of a gazetteer without any stays what it was.
    """

    id: Slug
    name: NonBlank
    aliases: list[NonBlank] = Field(default_factory=list)
    kind: PlaceKind
    country: MemberCode
    admin1: NonBlank | None = None
    parent: Slug | None = None
    opposite: Slug | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    precision: Precision
    precision_km: float | None = Field(default=None, gt=0.0, le=1000.0, allow_inf_nan=False)
    source: NonBlank
    #: The place's IANA zone, where it is not that of its country's member.
    time_zone: TimeZoneName | None = Field(default=None, exclude_if=lambda value: value is None)
    sides: list[PlaceSide] = Field(default_factory=list, exclude_if=lambda value: not value)

    @property
    def shown_name(self) -> str:
        """The name people read: each side's name with its party (``Chaman (PK) / Spin
        Boldak (AF)``) for a two-sided crossing, else ``name``."""
        if not self.sides:
            return self.name
        return " / ".join(f"{side.name} ({side.member})" for side in self.sides)

    @model_validator(mode="after")
    def _coordinates_match_precision(self) -> Self:
        located = self.lat is not None and self.lon is not None
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if self.precision == "unknown":
            if located or self.precision_km is not None:
                raise ValueError('precision "unknown" takes no lat, lon or precision_km')
        elif not located:
            raise ValueError(f'precision "{self.precision}" needs lat and lon')
        elif self.precision == "approximate" and self.precision_km is None:
            raise ValueError('precision "approximate" needs precision_km')
        return self


class Scenario(_Model):
    """A whole mechanism, validated including its cross-references."""

    mechanism: Mechanism
    texts: list[SourceText] = Field(min_length=1)
    events: list[Event] = Field(default_factory=list)
    members: list[Member] = Field(min_length=1)
    clauses: list[Clause] = Field(min_length=1)
    procedure: Procedure = Field(default_factory=Procedure)
    penalties: Penalties
    incident_types: list[IncidentType] = Field(min_length=1)
    places: list[Place] = Field(default_factory=list)
    #: The casualty categories and harms allegations count (``truce.scenario.facts``);
    #: left out when absent, so a scenario logged before them keeps its genesis body.
    casualties: CasualtyLists | None = Field(default=None, exclude_if=lambda value: value is None)
    #: What the parties agreed to publish (``truce.scenario.publication``); none: nothing.
    #: Left out when absent, so a scenario logged before it keeps its genesis body.
    publication: Publication | None = Field(default=None, exclude_if=lambda value: value is None)
    #: Who publishes reports and who approves them; left out when absent, so a scenario
    #: logged before them keeps its genesis body.
    reports: Reports | None = Field(default=None, exclude_if=lambda value: value is None)
    demo: Demo | None = None

    @model_validator(mode="after")
    def _cross_references(self, info: ValidationInfo) -> Self:
        if isinstance(info.context, Mapping) and info.context.get(_SKIP_CROSS_CHECK):
            return self
        found = cross_reference_problems(self.model_dump())
        if found:
            raise ValueError("; ".join(f"{dotted(loc)}: {message}" for loc, message in found))
        return self

    def member(self, code: str) -> Member | None:
        """The member with this code, or ``None``."""
        return self.members_by_code.get(code)

    @cached_property
    def members_by_code(self) -> dict[str, Member]:
        """The members by code (every admitted act looks its author up)."""
        return {m.code: m for m in self.members}

    @cached_property
    def places_by_id(self) -> dict[str, Place]:
        """The gazetteer by place id (every lodged incident looks its place up)."""
        return {p.id: p for p in self.places}

    def clause(self, clause_id: str) -> Clause | None:
        """The clause with this id, or ``None``."""
        return next((c for c in self.clauses if c.id == clause_id), None)

    def place(self, place_id: str) -> Place | None:
        """The gazetteer place with this id, or ``None``."""
        return self.places_by_id.get(place_id)

    def unknown_place(self, given: str) -> str:
        """Why ``given`` names no place, with the ids it most likely meant: a place's
        name (``Angoor Adda``) or a near miss (``angor-adda``) suggests the id."""
        folded = given.strip().lower()
        by_name = [p.id for p in self.places if folded in (p.name.lower(), p.id.replace("-", " "))]
        names = {p.id: p.id for p in self.places} | {
            p.name.lower(): p.id for p in self.places if p.name.lower() not in self.places_by_id
        }
        close = difflib.get_close_matches(folded.replace(" ", "-"), list(names), n=3, cutoff=0.75)
        suggested = list(dict.fromkeys([*by_name, *(names[c] for c in close)]))
        hint = f"; did you mean {' or '.join(suggested)}?" if suggested else ""
        return f"{given!r} is not in the gazetteer{hint}"

    def text(self, text_id: str) -> SourceText | None:
        """The source text with this id, or ``None``."""
        return next((t for t in self.texts if t.id == text_id), None)

    @property
    def parties(self) -> list[Member]:
        """The members of kind ``party``, in file order."""
        return [m for m in self.members if m.kind == "party"]

    @property
    def mediators(self) -> list[Member]:
        """The members of kind ``mediator``, in file order."""
        return [m for m in self.members if m.kind == "mediator"]

    @property
    def secretariat(self) -> Member:
        """The one member of kind ``secretariat`` (validation guarantees exactly one)."""
        return next(m for m in self.members if m.kind == "secretariat")

    @property
    def witnesses(self) -> list[Member]:
        """The members that run witnesses: the parties and the mediators."""
        return [m for m in self.members if m.kind in ("party", "mediator")]

    def witness_key_name(self, code: str) -> str:
        """The key name ``code``'s witness cosigns under: the scenario's, or
        ``<origin>/witness/<CODE>`` when the scenario names none."""
        member = self.members_by_code.get(code)
        if member is not None and member.witness is not None:
            return member.witness.name
        return witness_name(self.mechanism.origin, code)

    @property
    def witness_key_names(self) -> dict[str, str]:
        """Each witnessing member's code and its witness's key name."""
        return {m.code: self.witness_key_name(m.code) for m in self.witnesses}

    @cached_property
    def incident_type_ids(self) -> tuple[str, ...]:
        """The ids of the incident taxonomy, in file order."""
        return tuple(t.id for t in self.incident_types)

    @property
    def ruling_threshold(self) -> int:
        """How many mediators must concur for a ruling."""
        quorum = self.procedure.ruling_quorum
        return len(self.mediators) if quorum == "all" else quorum

    @property
    def witness_threshold(self) -> int:
        """How many member cosignatures make a checkpoint witnessed (default: all)."""
        return self.procedure.witness_quorum or len(self.witnesses)

    @property
    def report_publishers(self) -> tuple[str, ...]:
        """The members whose delegates may publish a report: ``[reports] publishers``, or
        the secretariat."""
        if self.reports is not None:
            return tuple(self.reports.publishers)
        return (self.secretariat.code,)

    @property
    def report_approvers(self) -> tuple[str, ...]:
        """The members that must each approve a report before it counts as published:
        ``[reports] approvers``, or every mediator."""
        if self.reports is not None:
            return tuple(self.reports.approvers)
        return tuple(m.code for m in self.mediators)

    def penalty_step(self, count: int) -> PenaltyStep | None:
        """The step for a party's ``count``-th confirmed violation within the window.

        It is the last step whose ``count`` is at most ``count``: past the end of the
        schedule the last step applies again. ``None`` for a count below the first.
        """
        applicable = [s for s in self.penalties.steps if s.count <= count]
        return applicable[-1] if applicable else None


# -- problems, checking and loading --------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or worth a warning in) a scenario file."""

    line: int | None
    location: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def format(self, file: str) -> str:
        """``file:line: location: message``, with ``warning:`` before a warning's message."""
        where = f"{file}:{self.line}" if self.line is not None else file
        label = "warning: " if self.severity == "warning" else ""
        return f"{where}: {self.location}: {label}{self.message}"


def _model_at(location: Location) -> type[BaseModel] | None:
    """The model that validates the table at ``location`` (for "did you mean")."""
    model: type[BaseModel] | None = Scenario
    for part in location:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        model = _inner_model(field.annotation) if field else None
    return model


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _schema_message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, reworded where a person editing TOML would be puzzled."""
    loc: Location = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden" and loc:
        model = _model_at(loc[:-1])
        allowed = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
        return f"unknown key {loc[-1]!r}; {hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return str(error["msg"])


def _examine(text: str) -> tuple[Scenario | None, list[Problem]]:
    """Parse and validate TOML text; the scenario (if valid) and every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if match is None:
            return None, [Problem(None, "syntax", message)]
        detail = f"{message[: match.start()]} (column {match.group(2)})"
        return None, [Problem(int(match.group(1)), "syntax", detail)]

    lines = TomlLineIndex(text)
    problems: list[Problem] = []

    def add(loc: Location, message: str, severity: Literal["error", "warning"]) -> None:
        problems.append(Problem(lines.line_of(loc), dotted(loc), message, severity))

    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data, context={_SKIP_CROSS_CHECK: True})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            add(tuple(error["loc"]), _schema_message(error), "error")
    for loc, message in cross_reference_problems(data):
        add(loc, message, "error")
    for loc, message in _demo_warnings(data):
        add(loc, message, "warning")
    problems.sort(key=lambda p: (p.line is None, p.line or 0, p.location))
    if any(p.severity == "error" for p in problems):
        scenario = None
    return scenario, problems


def _demo_warnings(data: Mapping[str, Any]) -> list[tuple[Location, str]]:
    seed = table(data, "demo").get("insecure_key_seed")
    if not isinstance(seed, str):
        return []
    public = "root keys derive from this public seed: for demonstrations only, never real use"
    mismatch = "is not derived from demo.insecure_key_seed, so its private key cannot be remade"
    found: list[tuple[Location, str]] = [(("demo", "insecure_key_seed"), public)]
    checkpoint_key = table(data, "mechanism").get("checkpoint_key")
    if isinstance(checkpoint_key, str) and checkpoint_key != demo_root_key(seed, "log"):
        found.append((("mechanism", "checkpoint_key"), mismatch))
    for i, member in entries(data, "members"):
        code, key = member.get("code"), member.get("root_key")
        if isinstance(code, str) and isinstance(key, str) and key != demo_root_key(seed, code):
            found.append((("members", i, "root_key"), mismatch))
    return found


def scenario_file(path: Path) -> Path:
    """The scenario file itself: ``path``, or ``mechanism.toml`` if it is a directory."""
    return path / SCENARIO_FILE_NAME if path.is_dir() else path


def _read(path: Path) -> str | Problem:
    """The text of a scenario file, or the problem that stops it being read."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        return Problem(None, "file", f"cannot be read: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        return Problem(None, "file", f"is not UTF-8 (byte {exc.start})")


def check_scenario(path: Path) -> list[Problem]:
    """Every problem in a scenario file, errors and warnings, sorted by line.

    ``path`` is the TOML file or a directory holding ``mechanism.toml``.
    """
    text = _read(scenario_file(path))
    return [text] if isinstance(text, Problem) else _examine(text)[1]


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario TOML text; raise :class:`ScenarioError` listing every error.

    ``file`` names the source in the messages.
    """
    scenario, problems = _examine(text)
    if scenario is None:
        errors = [p.format(file) for p in problems if p.severity == "error"]
        count = f"{len(errors)} problem" + ("s" if len(errors) != 1 else "")
        raise ScenarioError(f"{file}: invalid scenario ({count}): {errors[0]}", problems=errors)
    return scenario


def load_scenario(path: Path) -> Scenario:
    """Load a scenario file (or a directory's ``mechanism.toml``).

    Raises :class:`ScenarioError` whose ``problems`` lists every error as
    ``"{file}:{line}: {dotted.location}: {message}"``. Warnings do not stop loading;
    :func:`check_scenario` reports them.
    """
    file = scenario_file(path)
    text = _read(file)
    if isinstance(text, Problem):
        formatted = text.format(str(file))
        raise ScenarioError(f"invalid scenario: {formatted}", problems=[formatted])
    return parse_scenario(text, str(file))
