"""Media monitoring on the command line.

``truce extract`` is pure: it reads files and prints JSON or tables, storing nothing.

``truce ingest`` stores articles in the mechanism, and ``truce media corroborate``
attaches a cluster to a case. Both are commands of the delegates' client
(:mod:`truce.cli.client`): each article becomes a ``media.item`` act, signed on this
machine with the delegate's ``--key`` and posted with its token to ``--server``, so the
private key never leaves the machine, the server's admission checks every act as it
checks a lodged case, and its checkpoint covers the item at once. Writing into a local
``--database`` instead would need the checkpoint key on the ingesting machine and skip
the server's checks, so ingestion is not offered that way.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from truce.cli.client import (
    AudienceOption,
    JsonOption,
    KeyOption,
    LanguageOption,
    ServerOption,
    Session,
    TokenOption,
    _audience,
    print_json,
)
from truce.errors import InputError, NotFoundError, RemoteRefusalError
from truce.ledger.envelope import sign_act

if TYPE_CHECKING:
    from truce.media.ingest.articles import Article

DEFAULT_SCENARIO = Path("scenarios/istanbul-2025")
out = Console(soft_wrap=True, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)


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
    from truce.media.ingest.articles import read_paths
    from truce.media.ingest.extract import Extractor
    from truce.scenario.rules import load_scenario

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


# -- storing articles in the mechanism ---------------------------------------------------


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _articles(
    paths: list[Path], feed: str | None, limit: int | None, interval: float
) -> tuple[list[Article], list[tuple[str, str]]]:
    from truce.media.ingest.articles import article_files, read_file
    from truce.media.ingest.feeds import PoliteFetcher, read_feed

    if feed is not None:
        if paths:
            raise InputError("give article paths or --feed, not both", field="feed")
        with _progress() as progress:
            progress.add_task(f"reading {feed}", total=None)
            with PoliteFetcher(interval=interval) as fetcher:
                result = read_feed(feed, fetcher=fetcher, limit=limit)
        return result.articles, result.skipped
    if not paths:
        raise InputError("give article files or folders, or --feed URL", field="paths")
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise NotFoundError(f"{path}: no such file or folder")
        files.extend(article_files(path) if path.is_dir() else [path])
    files = files[:limit]
    articles: list[Article] = []
    with _progress() as progress:
        task = progress.add_task("reading articles", total=len(files))
        for file in files:
            articles.append(read_file(file))
            progress.advance(task)
    return articles, []


def ingest(
    server: ServerOption,
    key: KeyOption,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Article files (.txt, .html) or folders.")
    ] = None,
    feed: Annotated[str | None, typer.Option(help="An RSS or Atom feed URL instead.")] = None,
    token: TokenOption = None,
    audience: AudienceOption = "all",
    published: Annotated[
        str | None, typer.Option(help="Publication date for articles that do not give one.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many articles.")] = None,
    interval: Annotated[
        float, typer.Option(min=0.0, help="Seconds between two requests to one host (feeds).")
    ] = 1.0,
    scenario: Annotated[
        Path, typer.Option(help="Scenario folder or mechanism.toml (for the gazetteer).")
    ] = DEFAULT_SCENARIO,
) -> None:
    """Store articles as media items (signed media.item acts) and print what was found."""
    from truce.media.ingest.extract import Extractor
    from truce.media.service import item_body
    from truce.scenario.rules import load_scenario

    reference = _published(published)
    if not scenario.exists():
        raise NotFoundError(f"scenario {scenario}: no such file or folder")
    articles, skipped = _articles(paths or [], feed, limit, interval)
    session = Session(server, key, token)
    extractor = Extractor(load_scenario(scenario))
    stored = known = 0
    with _progress() as progress:
        task = progress.add_task("extracting and storing", total=len(articles))
        for article in articles:
            fallback = reference if article.published is None else None
            extraction = extractor.extract(article, published=fallback)
            body = item_body(article, extraction)
            found = session.request(
                "GET", "/api/v1/media/items", params={"content_hash": body["content_hash"]}
            )
            if found["items"]:
                status = f"item {found['items'][0]['id']} (already stored)"
                known += 1
            else:
                try:
                    answer = _post(session, "media.item", body, audience=audience)
                except RemoteRefusalError as exc:
                    if "is already stored as media item" not in exc.message:
                        raise
                    status, known = "already stored (not visible to you)", known + 1
                else:
                    status, stored = f"item {answer['index']} stored", stored + 1
            masthead = " · ".join(x for x in (body.get("outlet"), body.get("published")) if x)
            title = body.get("title") or article.source or "article"
            out.print(f"{status}: {title}" + (f" ({masthead})" if masthead else ""), markup=False)
            for line in _incident_lines(extraction.incidents):
                out.print(f"  {line}", markup=False)
            out.print(f"  {len(extraction.claims)} attributed claims", markup=False)
            progress.advance(task)
    for name, reason in skipped:
        out.print(f"skipped {name}: {reason}", markup=False)
    out.print(f"{stored} stored, {known} already stored, {len(skipped)} skipped")


def _incident_lines(incidents: list[Any]) -> list[str]:
    if not incidents:
        return ["no incidents"]
    lines = []
    for i in incidents:
        line = f"{i.type} {i.date or '?'}"
        if i.date and i.date_precision != "day":
            line += f" ({i.date_precision})"
        if i.place:
            line += f" at {i.place}"
        for measure in ("killed", "injured"):
            counts = getattr(i, measure)
            if not counts.is_empty():
                line += f"; {measure} {_counts(counts.model_dump())}"
        if i.claimed_by:
            line += f"; according to {', '.join(i.claimed_by)}"
        lines.append(line)
    return lines


def _post(
    session: Session,
    kind: str,
    body: dict[str, Any],
    *,
    refs: tuple[str, ...] = (),
    audience: str = "all",
) -> dict[str, Any]:
    act = sign_act(
        kind=kind,
        mechanism=session.mechanism(),
        member=session.key_file.member,
        delegate=session.key_file.delegate,
        key=session.key_file.key,
        body=body,
        at=dt.datetime.now(dt.UTC),
        refs=refs,
        audience=_audience(audience),
    )
    answer: dict[str, Any] = session.request("POST", "/log/v1/acts", json=act.to_dict())
    return answer


ClusterArgument = Annotated[int, typer.Argument(min=0, help="The cluster number.")]


def clusters(
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
    since: Annotated[str | None, typer.Option(help="Events on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Events on or before YYYY-MM-DD.")] = None,
    place: Annotated[str | None, typer.Option(help="Place id or province.")] = None,
    incident_type: Annotated[str | None, typer.Option("--type", help="Incident type.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Outlet.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List clusters of press reports about the same event, with their conflicts."""
    params = {
        name: value
        for name, value in (
            ("since", since),
            ("until", until),
            ("place", place),
            ("type", incident_type),
            ("outlet", outlet),
        )
        if value is not None
    }
    page = Session(server, key, token).request("GET", "/api/v1/media/clusters", params=params)
    if as_json:
        print_json(page)
        return
    out.print(f"{page['total']} clusters")
    for cluster in page["clusters"]:
        dates = cluster["first_date"] or "?"
        if cluster["last_date"] != cluster["first_date"]:
            dates += f" to {cluster['last_date']}"
        where = ", ".join(cluster["places"]) or "no place"
        out.print(
            f"cluster {cluster['id']}: {dates}, {', '.join(cluster['types'])}, {where}",
            markup=False,
        )
        out.print(f"  sources: {'; '.join(cluster['sources'])}", markup=False)
        for conflict in cluster["conflicts"]:
            values = " vs ".join(
                f"{v['value']} ({', '.join(v['claimed_by'])})" for v in conflict["values"]
            )
            out.print(f"  {conflict['measure']} {conflict['category']}: {values}", markup=False)
        if cluster["corroborates"]:
            cases = ", ".join(str(case) for case in cluster["corroborates"])
            out.print(f"  corroborates case {cases}", markup=False)


def draft(
    cluster: ClusterArgument,
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
) -> None:
    """Print a case.lodge body prefilled from a cluster (JSON), to edit and sign."""
    answer = Session(server, key, token).request(
        "GET", f"/api/v1/media/clusters/{cluster}/case-draft"
    )
    sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")


def corroborate(
    cluster: ClusterArgument,
    server: ServerOption,
    key: KeyOption,
    case: Annotated[
        str,
        typer.Option(
            help="The case the reports corroborate: its number (9) or log entry (log:72)."
        ),
    ],
    item: Annotated[
        list[int] | None, typer.Option(help="Only this item of the cluster (repeat).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    language: LanguageOption = "en",
    audience: AudienceOption = "all",
    token: TokenOption = None,
) -> None:
    """Attach a cluster's press reports to a case as corroboration (mediators)."""
    session = Session(server, key, token)
    view = session.request("GET", f"/api/v1/media/clusters/{cluster}")
    chosen = [i for i in view["items"] if item is None or i["id"] in item]
    unknown = sorted(set(item or []) - {i["id"] for i in view["items"]})
    if unknown:
        raise InputError(
            f"cluster {cluster} has no item {', '.join(map(str, unknown))}", field="item"
        )
    body: dict[str, Any] = {
        "cluster": cluster,
        "items": [
            {"item": i["leaf_hash"]}
            | {name: i[name] for name in ("outlet", "title", "url", "published") if i[name]}
            for i in chosen
        ],
    }
    if note is not None:
        body |= {"note": note, "language": language}
    answer = _post(
        session, "media.corroborate", body, refs=(session.case_ref(case),), audience=audience
    )
    out.print(
        f"media.corroborate recorded as entry {answer['index']}: cluster {cluster} "
        f"({len(chosen)} reports) corroborates case {case}"
    )


def register(app: typer.Typer) -> None:
    """Add the media commands to the ``truce`` app."""
    app.command("extract")(extract_command)
    app.command("ingest")(ingest)
    group = typer.Typer(help="Media monitoring: clusters, case drafts, corroboration.")
    group.command("clusters")(clusters)
    group.command("draft")(draft)
    group.command("corroborate")(corroborate)
    app.add_typer(group, name="media")
