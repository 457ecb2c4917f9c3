"""``truce export`` and ``truce verify``: write an audit bundle, and check one offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from truce.ledger.errors import ConfigurationError, ProofError
from truce.ledger.keys import KeyFile
from truce.verify.audit import verify_bundle

out = Console(soft_wrap=True, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)


class NotWitnessedError(ProofError):
    """The bundle verified, but its checkpoint lacks the quorum of witness cosignatures."""

    slug = "not-witnessed"
    title = "Checkpoint not witnessed"


def export(
    out_file: Annotated[Path, typer.Option("--out", help="The bundle file to create.")],
    key: Annotated[
        Path, typer.Option("--key", help="Your key file: says who exports (member/delegate).")
    ],
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: TRUCE_DATABASE_URL)."),
    ] = None,
) -> None:
    """Write an audit bundle: the whole log, its checkpoint, and the bodies you may read."""
    from truce.config import Settings
    from truce.log.export import export_bundle, identity_of
    from truce.storage.db import Database

    key_file = KeyFile.load(key)
    db = Database.open_existing(database or Settings().database_url)
    try:
        identity = identity_of(db, key_file.key, key_file.member, key_file.delegate)
        try:
            result = export_bundle(db, out_file, identity)
        except FileExistsError as exc:
            raise ConfigurationError(f"{out_file} exists; choose another name") from exc
    finally:
        db.dispose()
    state = "witnessed" if result.witnessed else "NOT witnessed"
    out.print(
        f"exported {result.size:,} entries ({state} checkpoint) and {result.bodies:,} bodies "
        f"to {result.path}; {result.withheld:,} bodies outside "
        f"{identity.member}'s audience left out",
        markup=False,
    )


def verify(
    bundle: Annotated[Path, typer.Argument(help="The bundle file.")],
    trusted: Annotated[
        Path | None,
        typer.Option(help="A checkpoint you saved before: the log must extend it."),
    ] = None,
    log_key: Annotated[
        str | None,
        typer.Option(
            "--log-key",
            help="The checkpoint public key you trust (default: the genesis scenario's).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            help="Workers checking entries: processes for a large bundle, threads for a "
            "small one (default: one per core).",
        ),
    ] = 0,
    allow_unwitnessed: Annotated[
        bool,
        typer.Option(
            "--allow-unwitnessed", help="Succeed even if the checkpoint lacks the witness quorum."
        ),
    ] = False,
) -> None:
    """Check an audit bundle offline: signatures, keys, roles, bodies, root, witnesses."""
    trusted_note = None
    if trusted is not None:
        try:
            trusted_note = trusted.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"cannot read {trusted}: {exc.strerror}") from exc
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("verifying", total=None)
        report = verify_bundle(
            bundle,
            trusted_checkpoint=trusted_note,
            log_key=log_key,
            workers=workers,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    out.print(report.summary(), markup=False)
    if not report.witnessed and not allow_unwitnessed:
        raise NotWitnessedError(
            f"checkpoint {report.size} is not witnessed: {len(report.cosigned_by)} of the "
            f"{report.witness_threshold} witness cosignatures needed (--allow-unwitnessed "
            "to accept it)"
        )


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``verify`` to the ``truce`` command."""
    app.command("export")(export)
    app.command("verify")(verify)
