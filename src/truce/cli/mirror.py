"""``truce mirror``: keep a verified replica of the log and of the member's bodies."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

from truce.errors import ConfigurationError, RemoteError

if TYPE_CHECKING:
    from truce.accounts.service import Identity
    from truce.log import mirror as service

out = Console(soft_wrap=True, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def _read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read token file {path}: {exc.strerror}") from exc
    if not token:
        raise ConfigurationError(f"token file {path} is empty")
    return token


def _identity(token_file: Path, member: str | None, delegate: str | None) -> Identity | None:
    """Whose token it is: the options, else the truce key file beside the token file.

    Only the key file's ``member`` and ``delegate`` are read, never its private key.
    """
    from truce.accounts.service import Identity

    if member is None:
        beside = token_file.with_suffix(".key")
        try:
            data = json.loads(beside.read_text(encoding="utf-8"))
            member, delegate = str(data["member"]), delegate or str(data["delegate"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return Identity(member=member, delegate=delegate or "mirror")


def _run_once(
    server: str,
    directory: Path,
    token: str | None,
    identity: Identity | None,
    scenario: Path | None,
    log_key: str | None,
) -> service.SyncResult:
    from truce.log import mirror as service
    from truce.log.setup import scenario_path
    from truce.scenario.rules import load_scenario

    with (
        httpx.Client(base_url=server, timeout=TIMEOUT) as client,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress,
    ):
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(f"fetching {stage}", total=total)
            progress.update(tasks[stage], completed=done, total=total)

        return service.sync(
            client,
            directory,
            server=server,
            token=token,
            identity=identity,
            scenario=load_scenario(scenario_path(scenario)) if scenario else None,
            log_key=log_key,
            progress=report,
        )


def mirror(
    server: Annotated[str, typer.Option(help="Base URL of the server to mirror.")],
    directory: Annotated[
        Path, typer.Option("--dir", help="The mirror's folder (truce.db and mirror.json).")
    ],
    token_file: Annotated[
        Path | None,
        typer.Option(help="Bearer token of a delegate: its member's bodies are mirrored."),
    ] = None,
    member: Annotated[
        str | None,
        typer.Option(help="The token's member (default: from the key file beside the token)."),
    ] = None,
    delegate: Annotated[
        str | None, typer.Option(help="The token's delegate (default: as for --member).")
    ] = None,
    log_key: Annotated[
        str | None,
        typer.Option(help="Pin the checkpoint key (base64url Ed25519 public key)."),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(help="The scenario (first run), checked against the genesis act."),
    ] = None,
    loop: Annotated[bool, typer.Option("--loop", help="Repeat until interrupted.")] = False,
    interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds between runs with --loop.")
    ] = 60.0,
) -> None:
    """Fetch, verify and store the log's new entries and the bodies the member may read.

    Every new checkpoint must be signed by the log's key, consistent with the last one
    verified, and match the entries; otherwise nothing is written. Serve the mirror with
    TRUCE_DATABASE_URL=sqlite:///DIR/truce.db TRUCE_READ_ONLY=1 truce serve.
    """
    from truce.log import mirror_local

    token = _read_token(token_file) if token_file else None
    identity = _identity(token_file, member, delegate) if token_file else None
    if token_file and identity is None and mirror_local.load_config(directory) is None:
        raise ConfigurationError(
            "whose token is it? give --member (no truce key file lies beside the token file)"
        )
    while True:
        try:
            result = _run_once(server, directory, token, identity, scenario, log_key)
        except RemoteError as exc:
            if not loop:
                raise
            err.print(f"error: {exc.message}", markup=False, highlight=False)
        except KeyboardInterrupt:
            raise typer.Exit(code=130) from None
        else:
            out.print(result.summary(), markup=False, highlight=False)
        if not loop:
            return
        scenario = None
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            err.print("stopped", markup=False, highlight=False)
            return


def register(app: typer.Typer) -> None:
    """Add ``truce mirror`` to the CLI."""
    app.command(name="mirror")(mirror)
