"""The delegates' command-line client: every step of a case, signed on this machine.

Each command signs an act with the delegate's key file (the private key never leaves
the machine), posts it with the delegate's bearer token to ``--server``, and prints what
it did with its receipt (``--receipt-out`` saves the receipt for ``truce receipt check``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from truce.errors import AuthenticationError, ConfigurationError, InputError, RemoteRefusalError
from truce.ledger.envelope import sign_act
from truce.ledger.keys import KeyFile
from truce.scenario.facts import CATEGORY_IDS

out = Console(soft_wrap=True, emoji=False, highlight=False)

ServerOption = Annotated[
    str, typer.Option(envvar="TRUCE_SERVER", help="URL of the mechanism's server.")
]
KeyOption = Annotated[Path, typer.Option(envvar="TRUCE_KEY_FILE", help="Your delegate key file.")]
TokenOption = Annotated[
    Path | None,
    typer.Option(help="Your bearer token file (default: the key file with .token)."),
]
ReceiptOption = Annotated[
    Path | None, typer.Option("--receipt-out", help="Save the receipt (JSON) here.")
]
LanguageOption = Annotated[str, typer.Option(help="Language of your text (BCP 47 tag).")]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print the answer as JSON, as the API gives it (for scripts)."),
]


def print_json(value: Any) -> None:
    """Write ``value`` to standard output as indented JSON, nothing else (no colours, no
    wrapping), so a script reads it as it is."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


AudienceOption = Annotated[
    str,
    typer.Option(
        help='"all", "mediators", "public" (where the scenario lets the kind be public), '
        "or member codes separated by commas."
    ),
]


class Session:
    """A delegate talking to a server: its key, its token, an HTTP client."""

    def __init__(self, server: str, key: Path, token: Path | None) -> None:
        self.key_file = KeyFile.load(key)
        token_path = token or key.with_suffix(".token")
        try:
            self.token = token_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"cannot read token file {token_path}") from exc
        self.client = httpx.Client(
            base_url=server.rstrip("/"),
            timeout=httpx.Timeout(30.0),
            headers={"Authorization": f"Bearer {self.token}"},
        )
        self._mechanism: str | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request; a problem answer becomes an error with the server's reason."""
        response = self._send(method, path, **kwargs)
        return None if response.status_code == 204 else response.json()

    def download(self, path: str, **kwargs: Any) -> bytes:
        """``GET`` a file's bytes; a problem answer becomes an error as in :meth:`request`."""
        return self._send("GET", path, **kwargs).content

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ConfigurationError(f"cannot reach the server: {exc}") from exc
        if response.status_code >= 400:
            try:
                problem = response.json()
                detail = problem.get("detail") or problem.get("title")
            except ValueError:
                detail = response.text[:200]
            if response.status_code == 401:
                raise AuthenticationError(f"the server refused the token: {detail}")
            raise RemoteRefusalError(f"refused ({response.status_code}): {detail}")
        return response

    def mechanism(self) -> str:
        """The mechanism id the server records."""
        if self._mechanism is None:
            self._mechanism = str(self.request("GET", "/api/v1/mechanism")["mechanism"]["id"])
        return self._mechanism

    def case(self, case: str) -> dict[str, Any]:
        """A case's whole thread, the case given as :func:`case_path` reads it."""
        thread: dict[str, Any] = self.request("GET", case_path(case))
        return thread

    def case_ref(self, case: str) -> str:
        """The leaf hash of a case's ``case.lodge`` act, for ``refs``."""
        return str(self.case(case)["case"]["leaf_hash"])

    def post(
        self,
        kind: str,
        body: dict[str, Any],
        *,
        refs: tuple[str, ...] = (),
        audience: str = "all",
        receipt_out: Path | None = None,
    ) -> dict[str, Any]:
        """Sign and post one act; print and return the server's answer."""
        act = sign_act(
            kind=kind,
            mechanism=self.mechanism(),
            member=self.key_file.member,
            delegate=self.key_file.delegate,
            key=self.key_file.key,
            body=body,
            at=datetime.now(UTC),
            refs=refs,
            audience=_audience(audience),
        )
        answer: dict[str, Any] = self.request("POST", "/log/v1/acts", json=act.to_dict())
        receipt = answer["receipt"]
        out.print(
            f"{kind} recorded as entry {answer['index']} "
            f"(leaf {answer['leaf_hash'][:16]}…, under checkpoint {receipt['inclusion']['size']})"
        )
        if receipt_out is not None:
            receipt_out.write_text(json.dumps(receipt, indent=2) + "\n", encoding="utf-8")
            out.print(f"receipt saved to {receipt_out}")
        return answer


def case_path(case: str) -> str:
    """The API path of a case given as its number (``9``, the mechanism's own sequence,
    as ``truce cases`` lists it) or as its log entry (``log:72``)."""
    text = case.strip().lower()
    if text.startswith("log:") and text[4:].isdigit():
        return f"/api/v1/cases/{int(text[4:])}"
    if text.isdigit() and int(text) >= 1:
        return f"/api/v1/cases/number/{int(text)}"
    raise InputError(
        f"{case!r} names no case: give its number (9) or its log entry (log:72)", field="case"
    )


def _audience(text: str) -> str | list[str]:
    if text in ("all", "mediators", "public"):
        return text
    codes = [code.strip() for code in text.split(",") if code.strip()]
    if not codes:
        raise InputError(
            'audience is "all", "mediators", "public" or member codes', field="audience"
        )
    return codes


def _counts(values: list[str] | None, field: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values or []:
        category, _, number = value.partition("=")
        if category not in CATEGORY_IDS or not number.isdigit():
            raise InputError(
                f"--{field} takes CATEGORY=N, a category being one of "
                f"{', '.join(CATEGORY_IDS)} (the scenario says which it counts), not {value!r}",
                field=field,
            )
        counts[category] = int(number)
    return counts


def lodge_body(
    accused: str,
    incident_type: str,
    at: str,
    clause: list[str],
    narrative: str,
    language: str,
    *,
    precision: str = "hour",
    place: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    place_precision: str = "approximate",
    actor: list[str] | None = None,
    group: str | None = None,
    killed: list[str] | None = None,
    injured: list[str] | None = None,
    missing: list[str] | None = None,
) -> dict[str, Any]:
    """The body of an allegation (``case.lodge``, or a counter-claim's ``counter_case``)."""
    figures = {"killed": _counts(killed, "killed"), "injured": _counts(injured, "injured")}
    if missing:
        figures["missing"] = _counts(missing, "missing")
    where = (("place_id", place), ("lat", lat), ("lon", lon), ("precision", place_precision))
    return {
        "incident": {
            "type": incident_type,
            "occurred_at": at,
            "time_precision": precision,
            "place": {name: value for name, value in where if value is not None},
            "actors": actor or [],
            **figures,
        },
        "accused": {"member": accused} | ({"group": group} if group else {}),
        "clauses": clause,
        "narrative": narrative,
        "language": language,
    }


def lodge(
    server: ServerOption,
    key: KeyOption,
    accused: Annotated[str, typer.Option(help="The accused member, e.g. AF.")],
    incident_type: Annotated[str, typer.Option("--type", help="Type from the taxonomy.")],
    at: Annotated[str, typer.Option(help="When it happened (RFC 3339 UTC).")],
    clause: Annotated[list[str], typer.Option(help="Clause allegedly violated (repeat).")],
    narrative: Annotated[str, typer.Option(help="What happened, in your words.")],
    precision: Annotated[str, typer.Option(help="minute, hour, day, week or month.")] = "hour",
    place: Annotated[str | None, typer.Option(help="Gazetteer place id.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude, if no place id.")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude, if no place id.")] = None,
    place_precision: Annotated[str, typer.Option(help="exact, approximate, ...")] = "approximate",
    actor: Annotated[list[str] | None, typer.Option(help="An actor (repeat).")] = None,
    group: Annotated[
        str | None,
        typer.Option(help="An armed group the accused is alleged to harbour (harbouring alleged)."),
    ] = None,
    killed: Annotated[list[str] | None, typer.Option(help="e.g. civilians=5 (repeat).")] = None,
    injured: Annotated[list[str] | None, typer.Option(help="e.g. soldiers=2 (repeat).")] = None,
    missing: Annotated[
        list[str] | None, typer.Option(help="Missing or abducted, e.g. police_levies=3 (repeat).")
    ] = None,
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Lodge an allegation of a violation.

    The figures are your member's claim; attackers (militants) are counted apart from
    victims (soldiers, police_levies, civilians, unspecified) and never added to them.
    """
    body = lodge_body(
        accused, incident_type, at, clause, narrative, language,
        precision=precision, place=place, lat=lat, lon=lon, place_precision=place_precision,
        actor=actor, group=group, killed=killed, injured=injured, missing=missing,
    )  # fmt: skip
    session = Session(server, key, token)
    answer = session.post("case.lodge", body, audience=audience, receipt_out=receipt_out)
    number = session.case(f"log:{answer['index']}")["case"]["number"]
    out.print(f"case {number} lodged (log entry {answer['index']})")


def _step(
    kind: str,
    body: dict[str, Any],
    server: str,
    key: Path,
    token: Path | None,
    case: str,
    audience: str = "all",
    receipt_out: Path | None = None,
) -> None:
    session = Session(server, key, token)
    session.post(
        kind, body, refs=(session.case_ref(case),), audience=audience, receipt_out=receipt_out
    )


CaseArgument = Annotated[
    str,
    typer.Argument(
        help="The case: its number as `truce cases` lists it (9), or its log entry (log:72)."
    ),
]


def investigate(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Open the investigation of a case (mediators)."""
    body = {} if note is None else {"note": note, "language": "en"}
    _step("case.investigate", body, server, key, token, case, receipt_out=receipt_out)


def request_info(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    to: Annotated[str, typer.Option(help="The party asked.")],
    questions: Annotated[str, typer.Option(help="What you need to know.")],
    days: Annotated[int | None, typer.Option(help="Deadline in days.")] = None,
    language: LanguageOption = "en",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Ask a party for information, with a deadline (mediators)."""
    body: dict[str, Any] = {"to": to, "questions": questions, "language": language}
    if days is not None:
        body["deadline_days"] = days
    _step("case.request_info", body, server, key, token, case, receipt_out=receipt_out)


def provide_info(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    statement: Annotated[str, typer.Option(help="The information asked for.")],
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Answer a mediator's request for information."""
    body = {"statement": statement, "language": language}
    _step("case.provide_info", body, server, key, token, case, audience, receipt_out)


def _assessment(
    kind: str,
    case: str,
    server: str,
    key: Path,
    outcome: str,
    reasons: str,
    violator: str | None,
    clause: list[str] | None,
    rests_on: list[int] | None,
    language: str,
    token: Path | None,
    receipt_out: Path | None,
) -> None:
    """Sign a finding or a ruling; ``rests_on`` names, by log index, the acts of the
    case it rests on (``refs[1:]`` of its envelope, after the case)."""
    body: dict[str, Any] = {
        "outcome": outcome,
        "clauses": clause or [],
        "reasons": reasons,
        "language": language,
    }
    if violator is not None:
        body["violator"] = violator
    session = Session(server, key, token)
    answer = session.case(case)
    leaves = {act["index"]: act["leaf_hash"] for act in answer["thread"]}
    for entry in rests_on or []:
        if entry not in leaves:
            raise InputError(f"entry {entry} is not an act of case {case}", field="rests_on")
    refs = (answer["case"]["leaf_hash"], *(leaves[entry] for entry in rests_on or []))
    session.post(kind, body, refs=refs, receipt_out=receipt_out)


OutcomeOption = Annotated[
    str, typer.Option(help="violation_confirmed, not_substantiated or inconclusive.")
]
ViolatorOption = Annotated[str | None, typer.Option(help="The violating party.")]
ClauseOption = Annotated[list[str] | None, typer.Option("--clause", help="Clause (repeat).")]
ReasonsOption = Annotated[str, typer.Option(help="Why.")]
RestsOnOption = Annotated[
    list[int] | None,
    typer.Option(
        "--rests-on",
        help="Log index of an act of the case this rests on (repeat). A confirmed violation "
        "may rest only on acts its violator was shown.",
    ),
]


def _assessment_command(kind: str, summary: str) -> Callable[..., None]:
    """A command that records a ``case.finding`` or a ``case.rule`` (the same body)."""

    def command(
        case: CaseArgument,
        server: ServerOption,
        key: KeyOption,
        outcome: OutcomeOption,
        reasons: ReasonsOption,
        violator: ViolatorOption = None,
        clause: ClauseOption = None,
        rests_on: RestsOnOption = None,
        language: LanguageOption = "en",
        token: TokenOption = None,
        receipt_out: ReceiptOption = None,
    ) -> None:
        _assessment(kind, case, server, key, outcome, reasons, violator, clause,
                    rests_on, language, token, receipt_out)  # fmt: skip

    command.__name__ = kind.removeprefix("case.")
    command.__doc__ = summary
    return command


finding = _assessment_command("case.finding", "Record your mediator's finding (one per mediator).")
rule = _assessment_command("case.rule", "Record the ruling, once the quorum of findings concurs.")


def appeal(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    grounds: Annotated[str, typer.Option(help="Why the ruling is wrong.")],
    language: LanguageOption = "en",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Appeal a ruling (once, within the scenario's window)."""
    body = {"statement": grounds, "language": language}
    _step("case.appeal", body, server, key, token, case, receipt_out=receipt_out)


def waive_appeal(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Give up your member's appeal of a ruling (the ruling is final once both parties
    have waived, or when the appeal window closes)."""
    body = {} if note is None else {"note": note, "language": "en"}
    _step("case.waive_appeal", body, server, key, token, case, receipt_out=receipt_out)


def penalty(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Record the penalty the schedule gives for the violator's count."""
    session = Session(server, key, token)
    found = session.case(case)["case"]
    due = session.request("GET", f"/api/v1/cases/{found['id']}/penalty")
    body = {
        "member": due["member"],
        "step": due["step"],
        "prior_violations": due["prior_violations"],
    }
    session.post("case.penalty", body, refs=(found["leaf_hash"],), receipt_out=receipt_out)
    out.print(f"penalty {due['step']} ({due['name']}) on {due['member']}")


def withdraw(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Withdraw an allegation your member lodged (before a ruling)."""
    body = {} if note is None else {"note": note, "language": "en"}
    _step("case.withdraw", body, server, key, token, case, receipt_out=receipt_out)


def close(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    note: Annotated[str | None, typer.Option(help="A closing note.")] = None,
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Close a ruled case (mediators or the secretariat)."""
    body = {} if note is None else {"note": note, "language": "en"}
    _step("case.close", body, server, key, token, case, receipt_out=receipt_out)


def evidence_add(
    case: CaseArgument,
    files: Annotated[list[Path], typer.Argument(help="Files to submit.")],
    server: ServerOption,
    key: KeyOption,
    description: Annotated[str, typer.Option(help="What the files show.")],
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Upload files (stored by SHA-256, typed by content) and cite them as evidence."""
    session = Session(server, key, token)
    refs = []
    for path in files:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc
        info = session.request(
            "POST",
            "/api/v1/files",
            content=content,
            headers={"Content-Type": "application/octet-stream"},
        )
        photo = info.get("photo") or {}
        where = f" at {photo['lat']:.4f},{photo['lon']:.4f}" if "lat" in photo else ""
        when = f" taken {photo['taken_at']}" if "taken_at" in photo else ""
        out.print(f"{path.name}: {info['media_type']}, {info['size']} bytes, "
                  f"sha256 {info['sha256'][:16]}…{when}{where}")  # fmt: skip
        refs.append(
            {
                "sha256": info["sha256"],
                "media_type": info["media_type"],
                "size": info["size"],
                "name": path.name[:200],
            }
        )
    body = {"files": refs, "description": description, "language": language}
    session.post(
        "case.evidence",
        body,
        refs=(session.case_ref(case),),
        audience=audience,
        receipt_out=receipt_out,
    )


def act(
    kind: Annotated[str, typer.Argument(help="The act kind, e.g. case.respond.")],
    body_file: Annotated[Path, typer.Option("--body", help="JSON body file, or - for stdin.")],
    server: ServerOption,
    key: KeyOption,
    ref: Annotated[list[str] | None, typer.Option(help="Leaf hash this act answers.")] = None,
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Sign and post any act with a JSON body (for kinds without a command of their own)."""
    try:
        text = sys.stdin.read() if str(body_file) == "-" else body_file.read_text("utf-8")
        body = json.loads(text)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {body_file}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"the body is not JSON: {exc}", field="body") from exc
    Session(server, key, token).post(
        kind, body, refs=tuple(ref or ()), audience=audience, receipt_out=receipt_out
    )


def register(app: typer.Typer) -> None:
    """Add the client commands to ``truce``."""
    for command in (lodge, investigate, finding, rule, appeal, penalty, withdraw,
                    close, act):  # fmt: skip
        app.command()(command)
    app.command("waive-appeal")(waive_appeal)
    app.command("request-info")(request_info)
    app.command("provide-info")(provide_info)
    evidence = typer.Typer(help="Evidence for a case.", no_args_is_help=True)
    evidence.command("add")(evidence_add)
    app.add_typer(evidence, name="evidence")
