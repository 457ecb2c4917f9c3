"""Commands for the acts outside a case's steps, and the case steps ``client`` lacks.

``truce crossing report``, ``truce joint request|report|extend``, ``truce compliance
attest|review``, ``truce statement publish``, ``truce key register|revoke``, and
``truce respond`` (with a counter-claim by flags) and ``truce extend|refer|new-round``
for a case. Each signs one act with the delegate's key
file and posts it as :class:`truce.cli.client.Session` does; the table of which command
signs which kind is :data:`truce.acts.surfaces.SURFACES`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from truce.cli.client import (
    AudienceOption,
    CaseArgument,
    KeyOption,
    LanguageOption,
    ReceiptOption,
    ServerOption,
    Session,
    TokenOption,
    lodge_body,
    out,
)
from truce.errors import InputError
from truce.ledger.envelope import format_time

ReasonOption = Annotated[str, typer.Option(help="Why, for the record.")]


def _now() -> str:
    return format_time(datetime.now(UTC).replace(microsecond=0))


def _place(place: str | None, lat: float | None, lon: float | None, precision: str) -> Any:
    if place is None and (lat is None or lon is None):
        raise InputError("give --place (see `truce scenario list places`), or --lat and --lon")
    chosen = {"place_id": place, "lat": lat, "lon": lon, "precision": precision}
    return {name: value for name, value in chosen.items() if value is not None}


def crossing_report(
    crossing: Annotated[str, typer.Argument(help="The crossing's place id, e.g. torkham.")],
    server: ServerOption,
    key: KeyOption,
    trade: Annotated[str, typer.Option(help="open, restricted or closed.")],
    people: Annotated[str, typer.Option(help="open, restricted or closed.")],
    reason: ReasonOption,
    stranded_trucks: Annotated[
        int | None, typer.Option(help="Trucks waiting at your side.", min=0)
    ] = None,
    effective_at: Annotated[
        str | None, typer.Option(help="Since when it holds (RFC 3339 UTC; default: now).")
    ] = None,
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Report the state of your member's side of a border crossing."""
    body: dict[str, Any] = {
        "crossing": crossing,
        "trade": trade,
        "people": people,
        "reason": reason,
        "effective_at": effective_at or _now(),
        "language": language,
    }
    if stranded_trucks is not None:
        body["stranded_trucks"] = stranded_trucks
    Session(server, key, token).post(
        "crossing.status", body, audience=audience, receipt_out=receipt_out
    )


def joint_request(
    server: ServerOption,
    key: KeyOption,
    to: Annotated[str, typer.Option(help="The party asked to act, e.g. AF.")],
    description: Annotated[str, typer.Option(help="The threat you share.")],
    requested_action: Annotated[str, typer.Option("--action", help="What you ask it to do.")],
    place: Annotated[str | None, typer.Option(help="Gazetteer place id.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude, if no place id.")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude, if no place id.")] = None,
    place_precision: Annotated[str, typer.Option(help="exact, approximate, ...")] = "approximate",
    group: Annotated[str | None, typer.Option(help="The armed group concerned.")] = None,
    days: Annotated[
        int | None, typer.Option(help="Days to report (default: the scenario's).", min=1, max=90)
    ] = None,
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Share a threat with the other party and ask it to act (a request for joint action)."""
    body: dict[str, Any] = {
        "to": to,
        "place": _place(place, lat, lon, place_precision),
        "description": description,
        "requested_action": requested_action,
        "language": language,
    }
    if group:
        body["group"] = group
    if days is not None:
        body["deadline_days"] = days
    answer = Session(server, key, token).post(
        "joint.request", body, audience=audience, receipt_out=receipt_out
    )
    out.print(f"request for joint action #{answer['index']}")


RequestArgument = Annotated[
    int, typer.Argument(help="The request's number, as the joint-actions page shows it (#107).")
]


def _request_ref(session: Session, request: int) -> str:
    found = session.request("GET", f"/api/v1/joint-actions/{request}")
    return str(found["leaf_hash"])


def joint_report(
    request: RequestArgument,
    server: ServerOption,
    key: KeyOption,
    action_taken: Annotated[str, typer.Option(help="What your member did.")],
    outcome: Annotated[str, typer.Option(help="completed, partial, nothing_found or declined.")],
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Report what your member did about a request for joint action (once; it stays)."""
    session = Session(server, key, token)
    body = {"action_taken": action_taken, "outcome": outcome, "language": language}
    refs = (_request_ref(session, request),)
    session.post("joint.report", body, refs=refs, audience=audience, receipt_out=receipt_out)


def joint_extend(
    request: RequestArgument,
    server: ServerOption,
    key: KeyOption,
    deadline_at: Annotated[str, typer.Option(help="The new deadline (RFC 3339 UTC).")],
    reason: ReasonOption,
    language: LanguageOption = "en",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Move the deadline of a request not yet reported on, or give leave to report late
    (mediators)."""
    session = Session(server, key, token)
    body = {"deadline_at": deadline_at, "reason": reason, "language": language}
    session.post(
        "joint.extend", body, refs=(_request_ref(session, request),), receipt_out=receipt_out
    )


def compliance_attest(
    server: ServerOption,
    key: KeyOption,
    clause: Annotated[str, typer.Option(help="The clause complied with, e.g. A1.")],
    statement: Annotated[str, typer.Option(help="The step your member took.")],
    taken_at: Annotated[
        str | None, typer.Option(help="When it was taken (RFC 3339 UTC; default: now).")
    ] = None,
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Attest a step your member took to comply with a clause."""
    body = {
        "clause": clause,
        "statement": statement,
        "taken_at": taken_at or _now(),
        "language": language,
    }
    answer = Session(server, key, token).post(
        "compliance.attest", body, audience=audience, receipt_out=receipt_out
    )
    out.print(f"attestation #{answer['index']}")


def compliance_review(
    attestation: Annotated[
        int, typer.Argument(help="The attestation's number, as the compliance page lists it.")
    ],
    server: ServerOption,
    key: KeyOption,
    verdict: Annotated[str, typer.Option(help="acknowledged or disputed.")],
    reason: ReasonOption,
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Acknowledge or dispute an attestation (mediators; once per mediator)."""
    session = Session(server, key, token)
    listed = session.request("GET", "/api/v1/compliance/attestations")["attestations"]
    found = [item for item in listed if item["id"] == attestation]
    if not found:
        raise InputError(f"no attestation {attestation} that your member may read", field="id")
    body = {"verdict": verdict, "reason": reason, "language": language}
    session.post(
        "compliance.review",
        body,
        refs=(found[0]["leaf_hash"],),
        audience=audience,
        receipt_out=receipt_out,
    )


def statement_publish(
    server: ServerOption,
    key: KeyOption,
    title: Annotated[str, typer.Option(help="The statement's title.")],
    text: Annotated[str, typer.Option(help="The statement.")],
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Place a statement of your member on the record."""
    body = {"title": title, "text": text, "language": language}
    Session(server, key, token).post(
        "statement.publish", body, audience=audience, receipt_out=receipt_out
    )


DelegateOption = Annotated[str, typer.Option(help="The delegate, e.g. pk-officer.")]
RoleOption = Annotated[str, typer.Option(help="officer, head, observer or witness.")]
PublicKeyOption = Annotated[
    str, typer.Option("--public-key", help="The key's public half (base64url, 43 characters).")
]


def _member_key(
    action: str,
    delegate: str,
    role: str,
    public_key: str,
    reason: str | None,
    server: str,
    key: Any,
    token: Any,
    receipt_out: Any,
) -> None:
    body = {"action": action, "delegate": delegate, "role": role, "public_key": public_key}
    if reason:
        body["reason"] = reason
    Session(server, key, token).post("member.key", body, receipt_out=receipt_out)


def key_register(
    server: ServerOption,
    key: KeyOption,
    delegate: DelegateOption,
    role: RoleOption,
    public_key: PublicKeyOption,
    reason: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Register a signing key of one of your member's delegates (heads, the secretariat)."""
    _member_key("register", delegate, role, public_key, reason, server, key, token, receipt_out)


def key_revoke(
    server: ServerOption,
    key: KeyOption,
    delegate: DelegateOption,
    role: RoleOption,
    public_key: PublicKeyOption,
    reason: Annotated[str, typer.Option(help="Why the key is revoked.")],
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Revoke a delegate's key: it signs nothing from now on; its earlier acts stay valid.
    A revocation cannot be undone: register a new key instead."""
    _member_key("revoke", delegate, role, public_key, reason, server, key, token, receipt_out)


def respond(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    position: Annotated[
        str, typer.Option(help="accept, deny, counter_claim or request_information.")
    ],
    statement: Annotated[str, typer.Option(help="Your answer.")],
    counter_accused: Annotated[
        str | None, typer.Option(help="Counter-claim: the member you accuse, e.g. PK.")
    ] = None,
    counter_type: Annotated[
        str | None,
        typer.Option(help="Counter-claim: type of incident (truce scenario list types)."),
    ] = None,
    counter_at: Annotated[
        str | None, typer.Option(help="Counter-claim: when it happened (RFC 3339 UTC).")
    ] = None,
    counter_place: Annotated[
        str | None, typer.Option(help="Counter-claim: gazetteer place id.")
    ] = None,
    counter_lat: Annotated[float | None, typer.Option(help="Counter-claim: latitude.")] = None,
    counter_lon: Annotated[float | None, typer.Option(help="Counter-claim: longitude.")] = None,
    counter_clause: Annotated[
        list[str] | None, typer.Option(help="Counter-claim: clause violated (repeat).")
    ] = None,
    counter_narrative: Annotated[
        str | None, typer.Option(help="Counter-claim: what happened (default: the statement).")
    ] = None,
    counter_precision: Annotated[
        str, typer.Option(help="Counter-claim: minute, hour, day, week or month.")
    ] = "hour",
    counter_killed: Annotated[
        list[str] | None, typer.Option(help="Counter-claim: e.g. civilians=5 (repeat).")
    ] = None,
    counter_injured: Annotated[
        list[str] | None, typer.Option(help="Counter-claim: e.g. soldiers=2 (repeat).")
    ] = None,
    language: LanguageOption = "en",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Answer an allegation against your member, once; a counter-claim lodges a linked
    case from the --counter-* flags."""
    body: dict[str, Any] = {"position": position, "statement": statement, "language": language}
    if position == "counter_claim":
        needed = {"--counter-accused": counter_accused, "--counter-type": counter_type,
                  "--counter-at": counter_at, "--counter-clause": counter_clause}  # fmt: skip
        absent = [flag for flag, value in needed.items() if not value]
        if absent:
            raise InputError(f"a counter-claim needs {', '.join(absent)}", field="counter_case")
        _place(counter_place, counter_lat, counter_lon, "approximate")
        body["counter_case"] = lodge_body(
            str(counter_accused), str(counter_type), str(counter_at), list(counter_clause or []),
            counter_narrative or statement, language, precision=counter_precision,
            place=counter_place, lat=counter_lat, lon=counter_lon,
            killed=counter_killed, injured=counter_injured,
        )  # fmt: skip
    session = Session(server, key, token)
    session.post("case.respond", body, refs=(session.case_ref(case),), receipt_out=receipt_out)


def extend(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    deadline: Annotated[str, typer.Option(help="response or information.")],
    deadline_at: Annotated[str, typer.Option(help="The new deadline (RFC 3339 UTC).")],
    reason: ReasonOption,
    to: Annotated[
        str | None, typer.Option(help="The party asked, for an information deadline.")
    ] = None,
    language: LanguageOption = "en",
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Extend a deadline of a case, or give leave to answer late (mediators)."""
    body = {"deadline": deadline, "deadline_at": deadline_at, "reason": reason}
    body["language"] = language
    if to:
        body["to"] = to
    session = Session(server, key, token)
    session.post("case.extend", body, refs=(session.case_ref(case),), receipt_out=receipt_out)


def _note_command(kind: str, summary: str) -> Any:
    """A case step whose body is an optional note."""

    def command(
        case: CaseArgument,
        server: ServerOption,
        key: KeyOption,
        note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
        language: LanguageOption = "en",
        token: TokenOption = None,
        receipt_out: ReceiptOption = None,
    ) -> None:
        body = {} if note is None else {"note": note, "language": language}
        session = Session(server, key, token)
        session.post(kind, body, refs=(session.case_ref(case),), receipt_out=receipt_out)

    command.__doc__ = summary
    return command


refer = _note_command(
    "case.refer", "Refer a case to the parties' governments (mediators or the secretariat)."
)
new_round = _note_command(
    "case.new_round", "Start a new round of findings when they do not concur (mediators)."
)


def register(app: typer.Typer) -> None:
    """Add these commands to ``truce``."""
    groups: dict[str, tuple[str, dict[str, Callable[..., None]]]] = {
        "crossing": ("Border crossings.", {"report": crossing_report}),
        "joint": (
            "Requests for joint action.",
            {"request": joint_request, "report": joint_report, "extend": joint_extend},
        ),
        "compliance": (
            "Attestations of compliance.",
            {"attest": compliance_attest, "review": compliance_review},
        ),
        "statement": ("Statements of a member.", {"publish": statement_publish}),
        "key": ("Delegates' signing keys.", {"register": key_register, "revoke": key_revoke}),
    }
    for name, (summary, commands) in groups.items():
        group = typer.Typer(help=summary, no_args_is_help=True)
        for command_name, command in commands.items():
            group.command(command_name)(command)
        app.add_typer(group, name=name)
    app.command("respond")(respond)
    app.command("extend")(extend)
    app.command("refer")(refer)
    app.command("new-round")(new_round)
