"""``truce key approve``: a head approves a browser's key with the member's root key.

The browser shows its public key, its fingerprint and this command with the request's
number filled in (``/keys/enrol``). The command reads the request from the server,
shows the same public key and fingerprint to compare, asks before it signs, and posts
the ``member.key`` act that registers the key, signed on this machine: the root key
never leaves it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from truce.cli.client import KeyOption, ServerOption, Session, TokenOption, out

key_app = typer.Typer(help="Signing keys of browsers.", no_args_is_help=True)


def approve(
    request: Annotated[int, typer.Argument(min=0, help="The key request's number.")],
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask: the fingerprint was compared.")
    ] = False,
) -> None:
    """Register a browser's key that awaits approval, after comparing its fingerprint."""
    session = Session(server, key, token)
    pending: dict[str, Any] = session.request("GET", f"/api/v1/accounts/key-requests/{request}")
    out.print(
        f"key request {pending['id']}: {pending['member']}/{pending['delegate']} "
        f"({pending['role']})",
        markup=False,
    )
    out.print(f"public key   {pending['public_key']}", markup=False)
    out.print(f"key id       {pending['key_id']}", markup=False)
    out.print(f"fingerprint  {pending['fingerprint']}", markup=False)
    if not yes and not typer.confirm(
        "Is this the fingerprint the browser shows? Sign the approval", default=False
    ):
        out.print("not approved: nothing was signed")
        raise typer.Exit(1)
    session.post(
        "member.key",
        {
            "action": "register",
            "delegate": pending["delegate"],
            "role": pending["role"],
            "public_key": pending["public_key"],
        },
    )


def register(app: typer.Typer) -> None:
    """Add ``truce key`` to the CLI."""
    key_app.command("approve")(approve)
    app.add_typer(key_app, name="key")
