"""``truce exports csv|geojson|kml --out FILE``: the incidents your member may see, as
the server exports them (``GET /api/v1/exports/incidents.*``, ``docs/exports.md``).

The filter options are the case list's (and the web pages'); the server refuses bad
ones, and the command says why in one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from truce.cli.client import KeyOption, ServerOption, Session, TokenOption, out
from truce.ledger.errors import ConfigurationError

exports_app = typer.Typer(
    help="Export the incidents your member may see (ACLED CSV, GeoJSON, KML).",
    no_args_is_help=True,
)

OutOption = Annotated[Path, typer.Option("--out", help="The file to write.")]
Opt = Annotated[str | None, typer.Option()]


def _export(
    form: str,
    server: str,
    key: Path,
    token: Path | None,
    out_file: Path,
    params: dict[str, Any],
) -> None:
    given = {name: value for name, value in params.items() if value}
    content = Session(server, key, token).download(
        f"/api/v1/exports/incidents.{form}", params=given
    )
    try:
        out_file.write_bytes(content)
    except OSError as exc:
        raise ConfigurationError(f"cannot write {out_file}: {exc.strerror}") from exc
    out.print(f"wrote {out_file} ({len(content)} bytes)", markup=False)


def _command(form: str) -> Any:
    def command(
        server: ServerOption,
        key: KeyOption,
        out_file: OutOption,
        date_from: Annotated[
            str | None, typer.Option("--from", help="Incidents on or after (a date).")
        ] = None,
        to: Annotated[str | None, typer.Option(help="Incidents on or before (a date).")] = None,
        type: Annotated[str | None, typer.Option(help="An incident type id.")] = None,
        member: Annotated[str | None, typer.Option(help="Lodged by or accused.")] = None,
        accused: Opt = None,
        status: Annotated[list[str] | None, typer.Option(help="A status (repeatable).")] = None,
        clause: Opt = None,
        violator: Opt = None,
        violated: Annotated[str | None, typer.Option(help="A clause ruled violated.")] = None,
        bbox: Annotated[str | None, typer.Option(help="west,south,east,north")] = None,
        sector: Annotated[str | None, typer.Option(help="A province (admin1).")] = None,
        token: TokenOption = None,
    ) -> None:
        params: dict[str, Any] = {
            "from": date_from, "to": to, "type": type, "member": member, "accused": accused,
            "status": status, "clause": clause, "violator": violator, "violated": violated,
            "bbox": bbox, "sector": sector,
        }  # fmt: skip
        _export(form, server, key, token, out_file, params)

    command.__doc__ = {
        "csv": "Write the incidents as CSV: ACLED's 31 columns, then truce's own.",
        "geojson": "Write the located incidents as GeoJSON (RFC 7946).",
        "kml": "Write the located incidents as KML 2.2.",
    }[form]
    return command


for _form in ("csv", "geojson", "kml"):
    exports_app.command(_form)(_command(_form))


def register(app: typer.Typer) -> None:
    """Add ``truce exports`` to the ``truce`` command."""
    app.add_typer(exports_app, name="exports")
