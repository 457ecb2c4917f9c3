"""``truce witness`` and ``truce receipt check``: what a member runs on its own machine.

``truce receipt check`` is offline verification: this module imports nothing of truce
but :mod:`truce.ledger` and :mod:`truce.verify` (the witness's imports are in its body).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from truce.ledger.errors import ConfigurationError, InputError
from truce.ledger.keys import KeyFile, PublicKey
from truce.verify.genesis import read_scenario_file
from truce.verify.receipt import check_receipt, read_receipt

out = Console(soft_wrap=True, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)
receipt_app = typer.Typer(help="Receipts of acts.", no_args_is_help=True)


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url.rstrip("/"), timeout=httpx.Timeout(30.0))


def witness(
    server: Annotated[str, typer.Option(help="URL of the mechanism's server.")],
    key: Annotated[Path, typer.Option(help="The member's witness key file.")],
    state: Annotated[Path, typer.Option(help="Folder of this witness's state and evidence.")],
    scenario: Annotated[
        Path | None,
        typer.Option(help="The scenario your member agreed to (needed on the first run)."),
    ] = None,
    peer: Annotated[
        list[str] | None,
        typer.Option(help="Another server or mirror to compare checkpoints with (repeatable)."),
    ] = None,
    loop: Annotated[bool, typer.Option(help="Keep witnessing until interrupted.")] = False,
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between runs.")] = 30.0,
    listen: Annotated[
        str | None,
        typer.Option(
            help="HOST:PORT: serve C2SP tlog-witness (POST /add-checkpoint) for the log to "
            "push to, instead of pulling."
        ),
    ] = None,
) -> None:
    """Check the newest checkpoint against the last one cosigned, then cosign it."""
    from truce.log.witness import Witness
    from truce.scenario.rules import load_scenario

    key_file = KeyFile.load(key)
    agreed = load_scenario(scenario) if scenario is not None else None
    peers = [_client(url) for url in peer or []]
    with _client(server) as client:
        runner = Witness(client, key_file, state, scenario=agreed, peers=peers)
        if listen is not None:
            _serve_witness(runner, listen)
            return
        while True:
            try:
                outcome = runner.run_once()
            except ConfigurationError as exc:
                if not loop:
                    raise
                err.print(f"warning: {exc.message}; retrying in {interval:g} s")
            else:
                since = (
                    "first checkpoint"
                    if outcome.previous_size is None
                    else f"consistent with {outcome.previous_size}"
                )
                out.print(
                    f"{key_file.member} cosigned checkpoint {outcome.size} "
                    f"(root {base64.b64encode(outcome.root).decode()}, {since}; "
                    f"{outcome.cosigners} cosignatures on it)"
                )
            if not loop:
                return
            time.sleep(interval)


def _serve_witness(runner: Any, listen: str) -> None:
    """Answer C2SP tlog-witness requests on ``listen`` until interrupted."""
    import uvicorn

    from truce.log.witness_protocol import WitnessProtocol, witness_app

    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--listen takes HOST:PORT, not {listen!r}")
    protocol = WitnessProtocol(runner)
    out.print(
        f"{protocol.trusted.member} witnesses {protocol.trusted.origin} as "
        f"{protocol.trusted.key_name()} on http://{listen}/add-checkpoint"
    )
    uvicorn.run(witness_app(protocol), host=host, port=int(port), log_level="warning")


@receipt_app.command("check")
def receipt_check(
    receipt: Annotated[Path, typer.Argument(help="A receipt (JSON) as the server returned it.")],
    scenario: Annotated[
        Path | None, typer.Option(help="The scenario: gives the origin and checkpoint key.")
    ] = None,
    log_key: Annotated[
        str | None, typer.Option(help="The checkpoint key (base64url), instead of --scenario.")
    ] = None,
    origin: Annotated[str | None, typer.Option(help="The log's origin, with --log-key.")] = None,
) -> None:
    """Verify a receipt offline: leaf, signed checkpoint and inclusion proof."""
    if scenario is not None:
        agreed_origin, agreed_key = read_scenario_file(scenario)
        origin = origin or agreed_origin
        log_key = log_key or agreed_key.text
    if log_key is None or origin is None:
        raise InputError("give --scenario, or --log-key and --origin")
    try:
        data = json.loads(receipt.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read {receipt}: {exc.strerror}") from exc
    except ValueError as exc:
        raise InputError(f"{receipt} is not a truce receipt: {exc}") from exc
    try:
        read = read_receipt(data)
    except InputError as exc:
        raise InputError(f"{receipt} is not a truce receipt: {exc.message}") from exc
    checkpoint, envelope = check_receipt(read, origin, PublicKey.parse(log_key))
    index = read.index
    out.print(
        f"verified: entry {index} ({envelope.kind} by {envelope.member}/{envelope.delegate} "
        f"at {envelope.at}) is in the log of {origin} under checkpoint {checkpoint.size}"
    )


def register(app: typer.Typer) -> None:
    """Add these commands to the ``truce`` application."""
    app.command()(witness)
    app.add_typer(receipt_app, name="receipt")
