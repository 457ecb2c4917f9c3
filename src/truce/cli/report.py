"""``truce report daily|weekly|range``: a periodic report from the server, as JSON, HTML
or PDF.

The report is computed and rendered by the server (``GET /api/v1/reports/...``), with
the delegate's token; the command shows a spinner while it is drawn and writes the file
(``--out``) or, for JSON, prints it. Dates are checked here first, so an impossible or
reversed date is refused in one line before anything is sent.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from truce.cli.client import KeyOption, ServerOption, Session, TokenOption
from truce.errors import ConfigurationError, InputError, RemoteRefusalError
from truce.reports.rules import ReversedRangeError, parse_day, parse_moment

out = Console(soft_wrap=True, emoji=False, highlight=False, markup=False, stderr=True)
report_app = typer.Typer(
    help="Periodic reports: a day, a week or a range of days.", no_args_is_help=True
)

LangOption = Annotated[str, typer.Option("--lang", help="en, ur, ps, prs, tr or ar.")]
FormatOption = Annotated[str, typer.Option("--format", help="json, html or pdf.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="File to write (default: JSON to standard output).")
]
DayOption = Annotated[
    str | None,
    typer.Option("--day", help="The last day, e.g. 2025-11-06 (default: the last whole one)."),
]
AtOption = Annotated[
    str | None, typer.Option("--at", help="The end time instead, RFC 3339 (2025-11-06T13:00:00Z).")
]


def _fetch(
    server: str, key: Path, token: Path | None, kind: str, params: dict[str, str],
    form: str, out_file: Path | None,
) -> None:  # fmt: skip
    if form not in ("json", "html", "pdf"):
        raise InputError(f"--format: {form!r} is not json, html or pdf", field="format")
    if form != "json" and out_file is None:
        raise InputError(f"--out: a {form.upper()} report is written to a file", field="out")
    session = Session(server, key, token)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=out, transient=True,
    ) as progress:  # fmt: skip
        progress.add_task(f"drawing the {kind} report ({form})", total=None)
        try:
            response = session.client.get(
                f"/api/v1/reports/{kind}", params={**params, "format": form}, timeout=300.0
            )
        except Exception as exc:  # httpx's errors: the server could not be reached
            raise ConfigurationError(f"cannot reach the server: {exc}") from exc
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail") or response.json().get("title")
        except ValueError:
            detail = response.text[:200]
        raise RemoteRefusalError(f"refused ({response.status_code}): {detail}")
    if out_file is None:
        sys.stdout.write(response.text + "\n")
        return
    out_file.write_bytes(response.content)
    out.print(f"wrote {out_file} ({len(response.content)} bytes)")


@report_app.command("daily")
def daily(
    server: ServerOption, key: KeyOption, token: TokenOption = None,
    day: DayOption = None, at: AtOption = None, lang: LangOption = "en",
    form: FormatOption = "json", out_file: OutOption = None,
) -> None:  # fmt: skip
    """The report of a day ending at the scenario's reporting hour (or 24 h before --at)."""
    _fetch(server, key, token, "daily", _ending(day, at, lang), form, out_file)


@report_app.command("weekly")
def weekly(
    server: ServerOption, key: KeyOption, token: TokenOption = None,
    day: DayOption = None, at: AtOption = None, lang: LangOption = "en",
    form: FormatOption = "json", out_file: OutOption = None,
) -> None:  # fmt: skip
    """The report of the seven days ending at the reporting hour of --day (or at --at)."""
    _fetch(server, key, token, "weekly", _ending(day, at, lang), form, out_file)


@report_app.command("range")
def date_range(
    server: ServerOption,
    key: KeyOption,
    first: Annotated[str, typer.Option("--from", help="The first day, e.g. 2025-10-31.")],
    last: Annotated[str, typer.Option("--to", help="The last day, e.g. 2025-11-06.")],
    token: TokenOption = None, lang: LangOption = "en",
    form: FormatOption = "json", out_file: OutOption = None,
) -> None:  # fmt: skip
    """The report of the days from --from to --to, both included."""
    start, end = parse_day(first, "--from"), parse_day(last, "--to")
    if end < start:
        raise ReversedRangeError(f"--to ({end}) is before --from ({start})", field="to")
    params = {"from": start.isoformat(), "to": end.isoformat(), "lang": lang}
    _fetch(server, key, token, "range", params, form, out_file)


def _ending(day: str | None, at: str | None, lang: str) -> dict[str, str]:
    if day is not None and at is not None:
        raise InputError("give --day or --at, not both", field="day")
    params = {"lang": lang}
    if day is not None:
        params["day"] = parse_day(day, "--day").isoformat()
    if at is not None:
        parse_moment(at, "--at")
        params["at"] = at
    return params


def register(app: typer.Typer) -> None:
    """Add ``truce report`` to the ``truce`` command."""
    app.add_typer(report_app, name="report")
