"""``truce account``: the operator administers accounts in the server's own database.

Run on the server machine (``--database`` or ``TRUCE_DATABASE_URL``); delegates
elsewhere use ``/api/v1/accounts``. Each command prints one line per result. Passwords
are never taken from the command line, where other users and the shell history would
see them: they are read with a hidden prompt on a terminal, or as the first line of
standard input otherwise (``--stdin`` forces the latter).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from truce.config import Settings
from truce.errors import InputError

if TYPE_CHECKING:
    from truce.accounts import service as accounts
    from truce.storage.db import Database

out = Console(soft_wrap=True, emoji=False, highlight=False, markup=False)
account_app = typer.Typer(help="Delegates' accounts, tokens and passwords.", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: TRUCE_DATABASE_URL)."),
]
MemberArg = Annotated[str, typer.Argument(help="Member code, e.g. AF.")]
DelegateArg = Annotated[str, typer.Argument(help="Delegate name, e.g. af-officer.")]
StdinOption = Annotated[
    bool, typer.Option("--stdin", help="Read the password from standard input's first line.")
]


def _database(url: str | None) -> Database:
    from truce.storage.db import Database

    return Database.open_existing(url or Settings().database_url)


def read_password(from_stdin: bool) -> str:
    """A new password: prompted twice on a terminal, else standard input's first line."""
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise InputError("no password on standard input", field="password")
        return password
    first: str = typer.prompt("New password", hide_input=True, err=True)
    second: str = typer.prompt("Repeat it", hide_input=True, err=True)
    if first != second:
        raise InputError("the two passwords differ", field="password")
    return first


def _line(info: accounts.AccountInfo) -> str:
    state = f"disabled since {info.disabled_at:%Y-%m-%d}" if info.disabled_at else "active"
    password = "password" if info.has_password else "no password"
    return (
        f"{info.member}/{info.delegate} {info.role} {info.language} {state} "
        f"{password} tokens={info.active_tokens}"
    )


@account_app.command("add")
def add(
    member: MemberArg,
    delegate: DelegateArg,
    role: Annotated[str, typer.Option(help="officer, head, observer, witness or secretariat.")],
    with_password: Annotated[
        bool, typer.Option("--with-password", help="Also set a password (prompted or stdin).")
    ] = False,
    stdin: StdinOption = False,
    language: Annotated[str, typer.Option(help="Language of the web interface.")] = "en",
    display_name: Annotated[str | None, typer.Option(help="Name shown in the web.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Create a delegate's account."""
    from truce.accounts import service as accounts

    password = read_password(stdin) if with_password or stdin else None
    db = _database(database)
    created = accounts.create_account(
        db,
        member=member,
        delegate=delegate,
        role=role,
        password=password,
        language=language,
        display_name=display_name,
    )
    out.print(f"created {created.member}/{created.delegate} ({created.role})")


@account_app.command("list")
def list_(
    member: Annotated[str | None, typer.Option(help="Only this member's accounts.")] = None,
    database: DatabaseOption = None,
) -> None:
    """One line per account: who, role, language, state, password, active tokens."""
    from truce.accounts import service as accounts

    for info in accounts.list_accounts(_database(database), member):
        out.print(_line(info))


@account_app.command("password")
def password(
    member: MemberArg,
    delegate: DelegateArg,
    stdin: StdinOption = False,
    database: DatabaseOption = None,
) -> None:
    """Set or replace a delegate's password for the web application."""
    from truce.accounts import service as accounts

    db = _database(database)
    accounts.get_account(db, member, delegate)
    accounts.set_password(db, member, delegate, read_password(stdin))
    out.print(f"password of {member}/{delegate} set")


@account_app.command("token")
def token(
    member: MemberArg,
    delegate: DelegateArg,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    database: DatabaseOption = None,
) -> None:
    """Issue an API token and print it, alone on its line (it is never shown again)."""
    from truce.accounts import service as accounts

    out.print(accounts.issue_token(_database(database), member, delegate, label))


@account_app.command("tokens")
def tokens(member: MemberArg, delegate: DelegateArg, database: DatabaseOption = None) -> None:
    """One line per token of the account: its id, state, creation time and label."""
    from truce.accounts import service as accounts

    for info in accounts.list_tokens(_database(database), member, delegate):
        state = f"revoked {info.revoked_at:%Y-%m-%d}" if info.revoked_at else "active"
        out.print(f"{info.token_id} {state} {info.created_at:%Y-%m-%dT%H:%M:%SZ} {info.label}")


@account_app.command("revoke")
def revoke(
    member: MemberArg,
    delegate: DelegateArg,
    token_id: Annotated[str, typer.Argument(help="Token id, or its first 8+ hex digits.")],
    database: DatabaseOption = None,
) -> None:
    """Revoke one of the account's API tokens."""
    from truce.accounts import service as accounts

    info = accounts.revoke_token(_database(database), member, delegate, token_id)
    out.print(f"token {info.token_id[:12]} of {member}/{delegate} revoked")


@account_app.command("disable")
def disable(member: MemberArg, delegate: DelegateArg, database: DatabaseOption = None) -> None:
    """Refuse the account's tokens and password until it is enabled again."""
    from truce.accounts import service as accounts

    accounts.disable_account(_database(database), member, delegate)
    out.print(f"{member}/{delegate} disabled")


@account_app.command("enable")
def enable(member: MemberArg, delegate: DelegateArg, database: DatabaseOption = None) -> None:
    """Accept the account's unrevoked tokens and its password again."""
    from truce.accounts import service as accounts

    accounts.enable_account(_database(database), member, delegate)
    out.print(f"{member}/{delegate} enabled")


@account_app.command("enrol-code")
def enrol_code(
    member: MemberArg,
    delegate: DelegateArg,
    hours: Annotated[int, typer.Option(min=1, max=72, help="How long the code may be used.")] = 24,
    database: DatabaseOption = None,
) -> None:
    """Issue a one-time enrolment code: it signs one new browser in once as the delegate,
    whose key then awaits its head's approval. Give it in person or by phone."""
    from datetime import UTC, datetime, timedelta

    from truce.accounts.enrolment import issue_code

    issued = issue_code(
        _database(database),
        member,
        delegate,
        "secretariat (truce account)",
        datetime.now(UTC),
        timedelta(hours=hours),
    )
    out.print(f"enrolment code for {member}/{delegate}: {issued.code}")
    out.print(f"valid once, until {issued.expires_at:%Y-%m-%d %H:%M} UTC")


def register(app: typer.Typer) -> None:
    """Add ``truce account`` to the CLI."""
    app.add_typer(account_app, name="account")
