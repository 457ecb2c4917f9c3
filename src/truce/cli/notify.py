"""``truce notify``: the delivery worker, the record of who was told what, and webhook
endpoints.

``run``, ``log``, ``again`` and ``keygen`` are the operator's, on the server machine
(``--database`` or ``TRUCE_DATABASE_URL``, the ``TRUCE_SMTP_*`` and
``TRUCE_NOTIFY_*`` settings). ``endpoint`` and ``address`` are a delegate's, through
the API with its key file and token (``--server``), as every other client command.
"""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from truce.config import Settings
from truce.errors import ConfigurationError, InputError

if TYPE_CHECKING:
    from truce.storage.db import Database

out = Console(soft_wrap=True, emoji=False, highlight=False, markup=False)
notify_app = typer.Typer(help="Notifications: delivery, record, endpoints.", no_args_is_help=True)
endpoint_app = typer.Typer(help="Your member's webhook endpoints (a head).", no_args_is_help=True)
notify_app.add_typer(endpoint_app, name="endpoint")

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: TRUCE_DATABASE_URL)."),
]
ServerOption = Annotated[
    str, typer.Option(envvar="TRUCE_SERVER", help="URL of the mechanism's server.")
]
KeyOption = Annotated[Path, typer.Option(envvar="TRUCE_KEY_FILE", help="Your delegate key file.")]
TokenOption = Annotated[
    Path | None, typer.Option(help="Your bearer token file (default: the key file with .token).")
]


def _database(url: str | None) -> Database:
    from truce.storage.db import Database

    return Database.open_existing(url or Settings().database_url)


@notify_app.command("keygen")
def keygen(
    out_file: Annotated[Path, typer.Option("--out", help="Key file to create (mode 0600).")],
) -> None:
    """Create the mechanism's notification key (set TRUCE_NOTIFY_KEY_FILE to it)."""
    from truce.ledger.keys import KeyFile, SigningKey
    from truce.notify import service, webhooks

    key = SigningKey.generate()
    try:
        KeyFile(member="SEC", delegate="notify", role=service.KEY_ROLE, key=key).save(out_file)
    except FileExistsError as exc:
        raise ConfigurationError(f"{out_file} exists; a key file is never overwritten") from exc
    out.print(f"public key {webhooks.public_key_text(key)}")


@notify_app.command("run")
def run(
    once: Annotated[bool, typer.Option(help="One round of what is due, then exit.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Deliver notifications, and remind of near deadlines, until stopped (what `truce
    serve` runs when configured)."""
    from truce.log.admission import utc_now
    from truce.notify import service

    settings = Settings()
    db = _database(database)
    try:
        worker = service.deliverer(settings, db, utc_now)
        if worker is None:
            raise ConfigurationError(
                "no channel configured: set TRUCE_SMTP_HOST or TRUCE_NOTIFY_KEY_FILE"
            )
        reminders = service.reminders(settings, db, utc_now)
        digest = service.digest(settings, db, utc_now)
        if once:
            if reminders is not None:
                out.print(f"reminders written: {reminders.tick()}")
            out.print(f"attempted {worker.round()} deliveries")
            if digest is not None:
                out.print(f"digests sent: {digest.tick()}")
            return
        stop = threading.Event()
        for beside in (reminders, digest):
            if beside is not None:
                threading.Thread(target=beside.run, args=(stop,), daemon=True).start()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        out.print("delivering notifications")
        worker.run(stop)
    finally:
        db.dispose()


@notify_app.command("log")
def log(
    member: Annotated[str | None, typer.Option(help="Only this member's.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only acts of this kind.")] = None,
    outcome: Annotated[
        str | None, typer.Option(help="delivered, retry, failed or disabled.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this time (RFC 3339).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Every attempt to deliver, one line each, oldest first."""
    from truce.notify import queries

    start = None
    if since is not None:
        try:
            start = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(f"--since {since!r} is not an RFC 3339 time") from exc
        if start.tzinfo is None:
            raise InputError("--since needs a time zone (Z or +hh:mm)")
    db = _database(database)
    try:
        with db.read() as connection:
            lines = queries.attempts(
                connection, None, member=member, kind=kind, outcome=outcome, since=start
            )
    finally:
        db.dispose()
    for line in lines:
        case = f"case {line.number}" if line.number is not None else f"#{line.act_idx}"
        code = "" if line.status_code is None else f" {line.status_code}"
        out.print(
            f"{line.at.isoformat()} {line.outcome}{code} {line.channel} {line.target} "
            f"{line.member}/{line.delegate} {line.kind} {case} delivery={line.delivery_id} "
            f"id={line.notification_id} {line.detail}"
        )


@notify_app.command("again")
def again(
    delivery: Annotated[int, typer.Argument(help="The delivery's number (truce notify log).")],
    database: DatabaseOption = None,
) -> None:
    """Send a failed delivery again (as the secretariat)."""
    from truce.accounts.service import Identity
    from truce.log.admission import utc_now
    from truce.notify import service

    db = _database(database)
    try:
        service.send_again(db, Identity("SEC", "operator", "secretariat"), delivery, utc_now())
    finally:
        db.dispose()
    out.print(f"delivery {delivery} is due again")


@endpoint_app.command("add")
def endpoint_add(
    url: Annotated[str, typer.Argument(help="https:// URL that receives the webhooks.")],
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
    secret: Annotated[
        bool, typer.Option("--secret", help="Also sign with a new whsec_ secret (v1).")
    ] = False,
) -> None:
    """Register a webhook endpoint of your member; with --secret, print its new secret."""
    from truce.cli.client import Session
    from truce.notify import service

    chosen = service.new_secret() if secret else None
    session = Session(server, key, token)
    made = session.request(
        "POST", "/api/v1/notifications/endpoints", json={"url": url, "secret": chosen}
    )
    out.print(f"endpoint {made['id']} {made['url']} of {made['member']}")
    if chosen:
        out.print(f"secret {chosen} (shown once: keep it for your receiver)")


@endpoint_app.command("list")
def endpoint_list(server: ServerOption, key: KeyOption, token: TokenOption = None) -> None:
    """Your member's endpoints."""
    from truce.cli.client import Session

    for item in Session(server, key, token).request("GET", "/api/v1/notifications/endpoints"):
        state = f"disabled ({item['disabled_reason']})" if item["disabled_at"] else "active"
        v1 = " v1" if item["signs_v1"] else ""
        out.print(f"{item['id']} {item['member']} {item['url']} {state} v1a{v1}")


@endpoint_app.command("test")
def endpoint_test(
    endpoint: Annotated[int, typer.Argument(help="The endpoint's number.")],
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
) -> None:
    """Send a signed test webhook to an endpoint now; exit 1 unless it was accepted."""
    from truce.cli.client import Session

    answer = Session(server, key, token).request(
        "POST", f"/api/v1/notifications/endpoints/{endpoint}/test"
    )
    out.print(f"{'delivered' if answer['delivered'] else 'not delivered'}: {answer['detail']}")
    if not answer["delivered"]:
        raise typer.Exit(1)


@endpoint_app.command("remove")
def endpoint_remove(
    endpoint: Annotated[int, typer.Argument(help="The endpoint's number.")],
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
) -> None:
    """Send nothing more to an endpoint."""
    from truce.cli.client import Session

    Session(server, key, token).request("DELETE", f"/api/v1/notifications/endpoints/{endpoint}")
    out.print(f"endpoint {endpoint} removed")


@notify_app.command("address")
def address(
    email: Annotated[str | None, typer.Argument(help="Your e-mail address (none: remove).")],
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
) -> None:
    """Set the e-mail address your notifications go to."""
    from truce.cli.client import Session

    Session(server, key, token).request(
        "PUT", "/api/v1/notifications/address", json={"email": email}
    )
    out.print(f"notifications go to {email}" if email else "no e-mail notifications")


@notify_app.command("preferences")
def preferences(
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
    timing: Annotated[
        str | None, typer.Option(help="each (as they come) or digest (one e-mail a day).")
    ] = None,
    remind_hours: Annotated[
        int | None, typer.Option(help="Hours before a deadline to be reminded.")
    ] = None,
    member_default: Annotated[
        bool, typer.Option("--member-default", help="Set your member's defaults (a head).")
    ] = False,
) -> None:
    """Show your notification preferences; with --timing or --remind-hours, set them."""
    from truce.cli.client import Session

    session = Session(server, key, token)
    if timing is not None or remind_hours is not None:
        session.request(
            "PUT",
            "/api/v1/notifications/preferences",
            json={
                "timing": timing or "each",
                "remind_hours": remind_hours,
                "member_default": member_default,
            },
        )
    shown = session.request("GET", "/api/v1/notifications/preferences")
    hours = shown["remind_hours"] or "the mechanism's"
    out.print(f"timing {shown['timing']}, reminded {hours} hours before a deadline")
    if shown["member_timing"]:
        member_hours = shown["member_remind_hours"] or "the mechanism's"
        out.print(
            f"member default: timing {shown['member_timing']}, "
            f"reminded {member_hours} hours before a deadline"
        )


def register(app: typer.Typer) -> None:
    """Add ``truce notify`` to the ``truce`` command."""
    app.add_typer(notify_app, name="notify")
