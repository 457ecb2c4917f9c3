"""``truce report publish|approve|list|check``: a report as a signed act, and its check.

``publish`` uploads a report's PDFs (one per language, all embedding the same data) and
signs the ``report.publish`` act naming them; ``approve`` signs an approver's
``report.approve``; ``list`` shows what awaits approval and what is published. ``check``
says whether a PDF is a published report: offline against an audit bundle (``truce
export``), loading only the verifier like ``truce verify``, or by asking a server.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from truce.ledger.errors import ConfigurationError, InputError

if TYPE_CHECKING:
    from typer import _click as click

out = Console(soft_wrap=True, emoji=False, highlight=False)

ServerOption = Annotated[
    str, typer.Option(envvar="TRUCE_SERVER", help="URL of the mechanism's server.")
]
KeyOption = Annotated[Path, typer.Option(envvar="TRUCE_KEY_FILE", help="Your delegate key file.")]
TokenOption = Annotated[
    Path | None,
    typer.Option(help="Your bearer token file (default: the key file with .token)."),
]
ReceiptOption = Annotated[
    Path | None, typer.Option("--receipt-out", help="Save the receipt (JSON) here.")
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print the answer as JSON, as the API gives it (for scripts)."),
]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc


def publish(
    files: Annotated[list[Path], typer.Argument(help="The report's PDFs, one per language.")],
    server: ServerOption,
    key: KeyOption,
    title: Annotated[str, typer.Option(help="The report's title.")],
    period: Annotated[
        str | None, typer.Option(help="daily, weekly or range (default: as the data states).")
    ] = None,
    first: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    lang: Annotated[
        list[str] | None,
        typer.Option(help="Each file's language, in file order (default: the PDF's own)."),
    ] = None,
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Upload a report's PDFs and put it forward for approval (report.publish)."""
    from truce.cli.client import Session
    from truce.reports.publishing import publish_body, report_file

    languages = list(lang or [])
    if languages and len(languages) != len(files):
        raise InputError("give one --lang per file, in the order of the files", field="lang")
    given = (period, first, last)
    if any(value is not None for value in given) and None in given:
        raise InputError("give --period, --from and --to together", field="period")
    chosen = None if period is None else {"kind": period, "from": str(first), "to": str(last)}
    found = [
        report_file(path.name, _read(path), languages[i] if languages else None)
        for i, path in enumerate(files)
    ]
    body = publish_body(found, title, chosen)
    session = Session(server, key, token)
    for item in found:
        info = session.request(
            "POST",
            "/api/v1/files",
            content=item.content,
            headers={"Content-Type": "application/octet-stream"},
        )
        out.print(f"{item.name}: {item.language}, {info['size']} bytes, sha256 {info['sha256']}")
    answer = session.post("report.publish", body, receipt_out=receipt_out)
    out.print(f"report {answer['index']} put forward: it counts once every approver approves it")


def approve(
    report: Annotated[int, typer.Argument(help="The report: the log index of its publish act.")],
    server: ServerOption,
    key: KeyOption,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Approve a report put forward (report.approve). An approval cannot be undone."""
    from truce.cli.client import Session

    session = Session(server, key, token)
    found = session.request("GET", f"/api/v1/reports/acts/{report}")
    body: dict[str, Any] = {} if note is None else {"note": note, "language": "en"}
    session.post("report.approve", body, refs=(found["leaf_hash"],), receipt_out=receipt_out)
    after = session.request("GET", f"/api/v1/reports/acts/{report}")
    if after["status"] == "published":
        out.print(f"report {report} is published: every approver approved it")
    else:
        out.print(f"report {report} awaits the approval of {', '.join(after['missing'])}")


def withdraw(
    report: Annotated[int, typer.Argument(help="The report: the log index of its publish act.")],
    server: ServerOption,
    key: KeyOption,
    reason: Annotated[str, typer.Option(help="Why it is withdrawn.")],
    token: TokenOption = None,
    receipt_out: ReceiptOption = None,
) -> None:
    """Withdraw a report put forward that does not count yet (report.withdraw)."""
    from truce.cli.client import Session

    session = Session(server, key, token)
    found = session.request("GET", f"/api/v1/reports/acts/{report}")
    body = {"note": reason, "language": "en"}
    session.post("report.withdraw", body, refs=(found["leaf_hash"],), receipt_out=receipt_out)


def list_reports(
    server: ServerOption, key: KeyOption, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """Reports awaiting approval, then published reports."""
    from truce.cli.client import Session, print_json

    session = Session(server, key, token)
    sections = (("awaiting approval", "awaiting"), ("published", "published"))
    answers = {
        path: session.request("GET", f"/api/v1/reports/{path}")["reports"] for _, path in sections
    }
    if as_json:
        print_json(answers)
        return
    for heading, path in sections:
        found = answers[path]
        out.print(f"{heading}: {len(found)}", markup=False)
        for item in found:
            languages = ",".join(pdf["language"] for pdf in item["pdfs"])
            state = (
                f"published at entry {item['published_idx']}"
                if item["status"] == "published"
                else f"awaiting {', '.join(item['missing'])}"
            )
            out.print(
                f"  {item['id']}  {item['period_kind']} {item['period_from']}..{item['period_to']}"
                f"  {item['title']}  [{languages}]  {state}",
                markup=False,
            )


def check(
    pdf: Annotated[Path, typer.Argument(help="The report's PDF.")],
    bundle: Annotated[
        Path | None, typer.Option(help="An audit bundle (truce export): check offline.")
    ] = None,
    server: Annotated[
        str | None, typer.Option(help="Ask this server instead (needs --key).")
    ] = None,
    key: Annotated[
        Path | None, typer.Option(envvar="TRUCE_KEY_FILE", help="Your key file (--server).")
    ] = None,
    allow_unwitnessed: Annotated[
        bool,
        typer.Option("--allow-unwitnessed", help="Accept a checkpoint without the witness quorum."),
    ] = False,
) -> None:
    """Whether a PDF is a published report, under which checkpoint, and who approved it."""
    content = _read(pdf)
    if (bundle is None) == (server is None):
        raise InputError("give --bundle (offline) or --server", field="bundle")
    if bundle is not None:
        from truce.reports.check import check_pdf

        out.print(check_pdf(content, bundle, allow_unwitnessed=allow_unwitnessed).summary())
        return
    _check_on_server(content, str(server), key)


def _check_on_server(content: bytes, server: str, key: Path | None) -> None:
    from truce.cli.client import Session
    from truce.errors import NotPublishedError, RemoteRefusalError
    from truce.reports.embedded import sha256_hex

    if key is None:
        raise ConfigurationError("--server needs your key file (--key or TRUCE_KEY_FILE)")
    session = Session(server, key, None)
    digest = sha256_hex(content)
    try:
        found = session.request("GET", f"/api/v1/reports/by-pdf/{digest}")
    except RemoteRefusalError as exc:
        raise NotPublishedError(
            f"this PDF is not a report {server} knows (SHA-256 {digest}): changed, or "
            "never published"
        ) from exc
    if found["status"] != "published":
        raise NotPublishedError(
            f"this PDF was put forward at entry {found['id']} but is {found['status']}"
            + (
                f": it awaits the approval of {', '.join(found['missing'])}"
                if found["missing"]
                else ""
            )
        )
    approved = ", ".join(approval["member"] for approval in found["approvals"])
    out.print(
        f"published report (as {server} says; check offline with --bundle): "
        f"{found['title']!r} ({found['period_kind']} {found['period_from']} to "
        f"{found['period_to']}), put forward by {found['published_by']} at entry "
        f"{found['id']}, approved by {approved}, published at entry {found['published_idx']}",
        markup=False,
    )


def commands(group: typer.Typer) -> None:
    """Add ``publish``, ``approve``, ``withdraw``, ``list`` and ``check`` to ``group``."""
    group.command("publish")(publish)
    group.command("approve")(approve)
    group.command("withdraw")(withdraw)
    group.command("list")(list_reports)
    group.command("check")(check)


class _ReportCommands(TyperGroup):
    """The ``report`` group: this module's commands, and the rendering commands of
    :mod:`truce.cli.report` (``daily``, ``weekly``, ``range``) imported only when one of
    them, or the help, is asked for, so ``truce report check`` stays as light as
    ``truce verify``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rendering = False

    def _load_rendering(self) -> None:
        if self._rendering:
            return
        self._rendering = True
        from truce.cli.report import report_app

        for name, command in typer.main.get_group(report_app).commands.items():
            if name not in self.commands:
                self.add_command(command, name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            self._load_rendering()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_rendering()
        return super().list_commands(ctx)


def register(app: typer.Typer) -> None:
    """Add the ``report`` group to ``truce``: rendering reports, and publishing,
    approving and checking them."""
    group = typer.Typer(
        cls=_ReportCommands,
        help="Reports: render them (daily, weekly, range), publish, approve, list, check.",
        no_args_is_help=True,
    )
    commands(group)
    app.add_typer(group, name="report")
