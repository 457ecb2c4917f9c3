"""``truce extract``: candidate incidents and claims from news articles.

Pure: reads files, prints JSON or a table; stores nothing (storing media items in the
log comes with ``truce ingest``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from truce.errors import InputError, NotFoundError

DEFAULT_SCENARIO = Path("scenarios/istanbul-2025")
out = Console(soft_wrap=True, emoji=False, highlight=False)


def _published(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(
            f"--published must be a date such as 2025-10-12, not {value!r}", field="published"
        ) from exc


def extract_command(
    files: Annotated[list[Path], typer.Argument(help="Article files (.txt, .html) or folders.")],
    published: Annotated[
        str | None,
        typer.Option(help="Publication date YYYY-MM-DD that relative dates resolve against."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (an array).")] = False,
    scenario: Annotated[
        Path, typer.Option(help="Scenario folder or mechanism.toml.")
    ] = DEFAULT_SCENARIO,
) -> None:
    """Extract candidate incidents and attributed claims from news articles."""
    from truce.domain.scenario import load_scenario
    from truce.ingest.articles import read_paths
    from truce.ingest.extract import Extractor

    reference = _published(published)
    for path in files:
        if not path.exists():
            raise NotFoundError(f"{path}: no such file or folder")
    if not scenario.exists():
        raise NotFoundError(f"scenario {scenario}: no such file or folder")
    extractor = Extractor(load_scenario(scenario))
    results = [
        (article, extractor.extract(article, published=reference)) for article in read_paths(files)
    ]
    if as_json:
        payload = [result.model_dump(mode="json") for _, result in results]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    for article, result in results:
        heading = result.article.title or article.source or "article"
        meta = " · ".join(
            x for x in (result.article.outlet, result.article.published, article.source) if x
        )
        out.print(f"[bold]{heading}[/bold]")
        if meta:
            out.print(meta, markup=False)
        incidents = Table(title="Incidents", show_lines=False)
        for column in ("date", "type", "place", "killed", "injured", "claimed by", "disputed by"):
            incidents.add_column(column)
        for incident in result.incidents:
            date = incident.date or "?"
            if incident.date and incident.date_precision != "day":
                date += f" ({incident.date_precision})"
            incidents.add_row(
                date,
                incident.type,
                f"{incident.place} ({incident.country})" if incident.place else "—",
                _counts(incident.killed.model_dump()),
                _counts(incident.injured.model_dump()),
                ", ".join(incident.claimed_by) or "—",
                ", ".join(incident.disputed_by) or "—",
            )
        if result.incidents:
            out.print(incidents)
        else:
            out.print("no incidents")
        claims = Table(title="Claims")
        for column in ("speaker", "member", "stance", "quote"):
            claims.add_column(column)
        for claim in result.claims:
            quote = claim.quote if len(claim.quote) <= 90 else claim.quote[:87] + "..."
            claims.add_row(claim.speaker, claim.member or "—", claim.stance, quote)
        if result.claims:
            out.print(claims)
        out.print()


def _counts(values: dict[str, int | None]) -> str:
    parts = [f"{name} {value}" for name, value in values.items() if value is not None]
    return ", ".join(parts) or "—"


def register(app: typer.Typer) -> None:
    """Add the media commands to the ``truce`` app."""
    app.command("extract")(extract_command)
