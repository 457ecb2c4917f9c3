"""The ``truce`` command.

Every command is thin: parse, call one service, print. Every error ends in one line on
standard error (``error: ...``) and a non-zero exit code from
:attr:`truce.errors.TruceError.exit_code`; usage errors exit with 2.

Commands import the database layer (SQLAlchemy, Alembic) and the services inside their
own bodies, and the modules that define the other commands (:mod:`truce.cli.client`,
:mod:`truce.cli.mirror`, ...) are imported only when a command of theirs runs or the help
lists them (:class:`_Commands`). The offline commands (``truce verify``, ``truce receipt
check``) so load nothing of truce but :mod:`truce.ledger`, :mod:`truce.verify` and the
modules that define them: they start in a fraction of the time, never touch a database,
and depend only on the verifier (``tests/unit/cli/test_main.py`` holds them to it).
"""

from __future__ import annotations

import base64
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from typer.core import TyperGroup

from truce.ledger import merkle
from truce.ledger.errors import ConfigurationError, InputError, TruceError
from truce.ledger.keys import KeyFile, SigningKey

if TYPE_CHECKING:
    from typer import _click as click

    from truce.storage.db import Database

#: The modules that add commands to ``truce`` (each has ``register(app)``), in help order.
_COMMAND_MODULES = (
    "trust",
    "client",
    "reading",
    "keys",
    "mirror",
    "audit",
    "media",
    "accounts",
    "notify",
    "exports",
    "acts",
    "report_act",
)
#: The offline commands, and the one module each needs.
_OFFLINE = {"verify": "audit", "receipt": "trust", "report": "report_act"}


class _Commands(TyperGroup):
    """The ``truce`` group: imports a command module when one of its commands is needed.

    ``truce verify`` and ``truce receipt`` import only their own module; any other name,
    and the help, import them all.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._loaded: set[str] = set()

    def _load(self, names: tuple[str, ...]) -> None:
        for name in names:
            if name in self._loaded:
                continue
            self._loaded.add(name)
            commands = typer.Typer()
            importlib.import_module(f"truce.cli.{name}").register(commands)
            group = typer.main.get_group(commands)
            for command_name, command in group.commands.items():
                known = self.commands.get(command_name)
                if isinstance(known, TyperGroup) and isinstance(command, TyperGroup):
                    # Two modules add to one group (``truce key``): keep both's commands.
                    for sub_name, sub in command.commands.items():
                        known.add_command(sub, sub_name)
                    continue
                self.add_command(command, command_name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            self._load((_OFFLINE[cmd_name],) if cmd_name in _OFFLINE else _COMMAND_MODULES)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load(_COMMAND_MODULES)
        names = super().list_commands(ctx)
        groups = [name for name in names if isinstance(self.commands[name], TyperGroup)]
        return [name for name in names if name not in groups] + groups


app = typer.Typer(
    cls=_Commands,
    name="truce",
    help="Ceasefire monitoring and verification on a signed, witnessed Merkle log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
scenario_app = typer.Typer(help="Scenario files.", no_args_is_help=True)
log_app = typer.Typer(help="Read the log of the local database.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
app.add_typer(log_app, name="log")

out = Console(soft_wrap=True, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: TRUCE_DATABASE_URL)."),
]


def _database(url: str | None) -> Database:
    from truce.config import Settings
    from truce.storage.db import Database

    return Database.open_existing(url or Settings().database_url)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@app.command()
def init(
    scenario: Annotated[Path, typer.Option(help="Scenario folder or mechanism.toml.")],
    database: DatabaseOption = None,
    keys: Annotated[
        Path | None, typer.Option(help="Folder for demo key files (mode 0700).")
    ] = None,
    secretariat_key: Annotated[
        Path | None,
        typer.Option(help="The secretariat's root key file (for a scenario without demo)."),
    ] = None,
    log_key: Annotated[
        Path | None,
        typer.Option(help="The checkpoint key file (for a scenario without demo)."),
    ] = None,
    demo: Annotated[
        bool, typer.Option(help="Also replay the scenario's demo acts (demo/acts.json).")
    ] = False,
) -> None:
    """Create a database for a scenario and log its genesis act."""
    from truce.config import Settings
    from truce.log import demo as demo_acts
    from truce.log import setup

    settings = Settings()
    url = database or settings.database_url
    keys_dir = keys or settings.keys_dir
    clock = None
    if demo:
        begins = demo_acts.genesis_time(scenario)
        clock = lambda: begins  # noqa: E731 - the demo mechanism begins at its own date
    result = setup.initialise(
        url,
        scenario,
        keys_dir,
        secretariat_key=KeyFile.load(secretariat_key).key if secretariat_key else None,
        log_key=KeyFile.load(log_key).key if log_key else None,
        **({"clock": clock} if clock else {}),
    )
    out.print(f"initialised mechanism {result.mechanism}: {result.entries} entries in the log")
    for path in result.key_files:
        out.print(f"  key {path}")
    if demo:
        count = demo_acts.load_demo(url, scenario, keys_dir)
        out.print(f"replayed {count} demo acts (rulings and penalties are illustrative)")
        from truce.media.demo import load_demo_press

        stored = load_demo_press(url, scenario, keys_dir)
        out.print(f"stored {stored} press reports as media items")
        from truce.cli.demo_witness import witness_demo

        for member, outcome in witness_demo(url, scenario, keys_dir).items():
            out.print(f"  {member}'s witness cosigned the checkpoint of {outcome.size} entries")


@app.command()
def keygen(
    out_file: Annotated[Path, typer.Option("--out", help="Key file to create (mode 0600).")],
    member: Annotated[str, typer.Option(help="Member code, e.g. PK.")],
    delegate: Annotated[str, typer.Option(help="Delegate id, e.g. pk-officer.")],
    role: Annotated[str, typer.Option(help="officer, head, observer, secretariat or witness.")],
) -> None:
    """Generate an Ed25519 key file and print its public key for registration."""
    from truce.verify.registry import ROLES

    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", field="role")
    key = SigningKey.generate()
    try:
        KeyFile(member=member, delegate=delegate, role=role, key=key).save(out_file)
    except FileExistsError as exc:
        raise ConfigurationError(f"{out_file} exists; a key file is never overwritten") from exc
    out.print(f"public key {key.public_key.text}")
    out.print(f"key id     {key.key_id}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (costs a tenth of a cheap request).")
    ] = False,
    backlog: Annotated[int, typer.Option(help="Connections waiting to be accepted.")] = 2048,
) -> None:
    """Serve the API and the web application with uvicorn.

    uvicorn runs on uvloop and httptools (dependencies of the project), and falls
    back to asyncio and h11 where they are missing. Acts posted at the same time are
    admitted together by one writer per process (see docs/architecture.md).
    """
    import uvicorn

    from truce.config import Settings

    Settings()  # fail early on bad settings
    uvicorn.run(
        "truce.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        backlog=backlog,
    )


@app.command()
def clock(
    key: Annotated[Path, typer.Option(help="The secretariat's clock key file (role clock).")],
    log_key: Annotated[
        Path | None,
        typer.Option(help="The checkpoint key file (default: TRUCE_LOG_KEY_FILE)."),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Record every deadline that has passed as a signed case.lapse, once.

    What `truce serve` does every minute when TRUCE_CLOCK_KEY_FILE is set; run it where
    no server runs the clock, or to catch up at once.
    """
    from truce.cases.clock import CaseClock
    from truce.config import Settings
    from truce.ledger.keys import KeyFile
    from truce.log.admission import Admission, utc_now
    from truce.log.checkpoints import LogSigner

    db = _database(database)
    try:
        scenario = Admission(db).mechanism().scenario
        signer = LogSigner.from_key_file(scenario, log_key or Settings().log_key_file)
        admission = Admission(db, signer=signer)
        ticked = CaseClock(admission, scenario, KeyFile.load(key), utc_now).tick()
    finally:
        db.dispose()
    recorded = ", ".join(str(index) for index in ticked.recorded) or "none"
    out.print(f"deadlines recorded as passed: {len(ticked.recorded)} (log entries: {recorded})")
    for refusal in ticked.refused:
        err.print(f"refused: {refusal}")


@app.command()
def rebuild(database: DatabaseOption = None) -> None:
    """Recreate every projection from the log alone, in one transaction."""
    from truce.log import projections

    db = _database(database)
    with (
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress,
        db.write() as connection,
    ):
        task = progress.add_task("replaying the log", total=None)
        count = projections.rebuild(
            connection, lambda done, total: progress.update(task, completed=done, total=total)
        )
    out.print(f"rebuilt projections from {count} entries")


@scenario_app.command("check")
def scenario_check(file: Annotated[Path, typer.Argument(help="mechanism.toml")]) -> None:
    """Validate a scenario and list every problem with its line.

    Incomplete translations of its labels (``locale/*/LC_MESSAGES/scenario.po``) are
    reported as warnings: the web application shows those labels as written.
    """
    from truce.log import setup
    from truce.scenario.rules import check_scenario

    path = setup.scenario_path(file)
    problems = check_scenario(path)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        line = f"{path}:{problem.line}" if problem.line else str(path)
        stream = err if problem.severity == "error" else out
        stream.print(
            f"{line}: {problem.severity}: {problem.location}: {problem.message}",
            markup=False,
            highlight=False,
        )
    if errors:
        raise typer.Exit(code=2)
    warnings = len(problems) + _report_translations(path.parent)
    out.print(f"{path}: ok ({warnings} warnings)", markup=False)


def _interface_locales() -> list[str]:
    """The Babel locales of the web application's languages but the default."""
    from truce.web.i18n import DEFAULT, LANGUAGES

    return [language.locale for language in LANGUAGES.values() if language.code != DEFAULT]


def _report_translations(scenario_dir: Path) -> int:
    """Print each catalogue's coverage; a warning per incomplete one. The warnings' count."""
    from truce.scenario import labels as scenario_labels

    warnings = 0
    for found in scenario_labels.check_catalogues(scenario_dir, _interface_locales()):
        where = scenario_labels.catalogue_path(scenario_dir, found.locale)
        if found.complete:
            out.print(f"{where}: {found.translated} of {found.total} labels translated")
            continue
        warnings += 1
        fuzzy = f", {found.fuzzy} fuzzy" if found.fuzzy else ""
        out.print(
            f"{where}: warning: translations: {len(found.missing)} of {found.total} labels"
            f" untranslated{fuzzy} (shown as written), first {found.missing[0]!r}",
            markup=False,
            highlight=False,
        )
    return warnings


LISTS = ("places", "types", "clauses", "casualties", "members")
ScenarioOption = Annotated[Path, typer.Option(help="Scenario folder or mechanism.toml.")]
ListJsonOption = Annotated[
    bool, typer.Option("--json", help="Print the list as JSON (one object a row), for scripts.")
]


def _scenario_rows(what: str, scenario: Path) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The columns and rows of one of the scenario's :data:`LISTS`."""
    from truce.log import setup
    from truce.scenario.facts import casualty_lists
    from truce.scenario.rules import load_scenario

    if what not in LISTS:
        raise InputError(f"list one of {', '.join(LISTS)}, not {what!r}", field="what")
    found = load_scenario(setup.scenario_path(scenario).parent)
    if what == "places":
        return ("id", "name", "kind", "province", "country"), [
            (p.id, p.shown_name, p.kind, p.admin1 or "", p.country or "")
            for p in sorted(found.places, key=lambda p: p.id)
        ]
    if what == "types":
        return ("id", "label"), [(kind.id, kind.label) for kind in found.incident_types]
    if what == "clauses":
        return ("id", "title", "binds"), [
            (clause.id, clause.title, ", ".join(clause.binds)) for clause in found.clauses
        ]
    if what == "members":
        return ("code", "name", "kind"), [(m.code, m.name, m.kind) for m in found.members]
    lists = casualty_lists(found)
    return ("id", "label", "counts"), [
        *((c.id, c.label, f"a category of {c.side}") for c in lists.categories),
        *((h.id, h.label, f"a harm: truce lodge --{h.id} CATEGORY=N") for h in lists.harms),
    ]


def _print_list(what: str, scenario: Path, as_json: bool) -> None:
    from rich.table import Table

    columns, rows = _scenario_rows(what, scenario)
    if as_json:
        from truce.cli.client import print_json

        print_json([dict(zip(columns, row, strict=True)) for row in rows])
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*row)
    out.print(table)


DEFAULT_SCENARIO = Path("scenarios/istanbul-2025")


@scenario_app.command("list")
def scenario_list(
    what: Annotated[str, typer.Argument(help="places, types, clauses, casualties or members.")],
    scenario: ScenarioOption = DEFAULT_SCENARIO,
    as_json: ListJsonOption = False,
) -> None:
    """List the ids a command takes: gazetteer places, incident types, clauses, casualty
    categories and harms, members, each with its name."""
    _print_list(what, scenario, as_json)


def _list_command(what: str) -> Callable[[Path, bool], None]:
    """``truce WHAT``: the scenario's list ``what``, as ``truce scenario list WHAT``."""

    def command(
        scenario: ScenarioOption = DEFAULT_SCENARIO, as_json: ListJsonOption = False
    ) -> None:
        _print_list(what, scenario, as_json)

    return command


for _what, _help in (
    ("places", "List the gazetteer's places: the ids --place takes."),
    ("types", "List the incident types: the ids --type takes."),
    ("clauses", "List the agreement's clauses: the ids --clause takes, and whom each binds."),
    ("members", "List the mechanism's members: parties, mediators and the secretariat."),
):
    app.command(_what, help=_help)(_list_command(_what))


@scenario_app.command("messages")
def scenario_messages(
    folder: Annotated[Path, typer.Argument(help="Scenario folder (holding mechanism.toml).")],
    locale: Annotated[
        list[str] | None,
        typer.Option(
            help="Babel locale to create or update (repeatable; default: every language of"
            " the web application and every catalogue present)."
        ),
    ] = None,
) -> None:
    """Extract the scenario's labels to locale/scenario.pot and merge them into each
    language's locale/<locale>/LC_MESSAGES/scenario.po, listing what is untranslated."""
    from truce.errors import NotFoundError
    from truce.scenario import labels as scenario_labels

    if not (folder / "mechanism.toml").is_file():
        raise NotFoundError(f"{folder}: not a scenario folder (no mechanism.toml)")
    results = scenario_labels.update_catalogues(folder, locale or _interface_locales())
    total = results[0].total if results else 0
    out.print(f"{scenario_labels.template_path(folder)}: {total} labels", markup=False)
    for found in results:
        where = scenario_labels.catalogue_path(folder, found.locale)
        out.print(
            f"{where}: {found.translated} of {found.total} translated"
            + (f", {len(found.missing)} to do" if found.missing else ""),
            markup=False,
            highlight=False,
        )


@log_app.command("root")
def log_root(
    database: DatabaseOption = None,
    size: Annotated[int | None, typer.Option(help="Tree size (default: all).")] = None,
) -> None:
    """Print a tree size and its RFC 6962 root (base64)."""
    from truce.log.store import LogStore

    with _database(database).read() as connection:
        store = LogStore(connection)
        tree_size = store.head().size if size is None else size
        root = store.root(tree_size)
    out.print(f"{tree_size} {_b64(root)}", highlight=False)


@log_app.command("vkey")
def log_vkey(
    scenario: Annotated[
        Path | None,
        typer.Option(help="A scenario file or folder (default: the database's mechanism)."),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Print the checkpoint verifier key in C2SP signed-note form (``name+hash+key``)."""
    from truce.ledger.checkpoint import log_verifier
    from truce.verify.genesis import read_genesis, read_scenario_file

    if scenario is not None:
        origin, key = read_scenario_file(scenario)
    else:
        from truce.errors import NotFoundError
        from truce.log.queries import genesis_body

        with _database(database).read() as connection:
            data = genesis_body(connection)
        if data is None:
            raise NotFoundError("the database holds no mechanism yet")
        genesis = read_genesis(data)
        origin, key = genesis.origin, genesis.checkpoint_key
    out.print(log_verifier(origin, key).text, highlight=False)


@log_app.command("tiles")
def log_tiles(
    folder: Annotated[Path, typer.Option("--out", help="The folder to write the tiles to.")],
    database: DatabaseOption = None,
) -> None:
    """Write the checkpoint and C2SP tlog-tiles of the log to a folder, for static serving."""
    from truce.log.tiles import write_tiles

    written = write_tiles(_database(database), folder)
    out.print(
        f"checkpoint {written.size}: {written.written} tiles written, "
        f"{written.kept} full tiles already there"
    )


@log_app.command("entries")
def log_entries(
    start: Annotated[int, typer.Option(min=0)] = 0,
    end: Annotated[int | None, typer.Option(min=0, help="Inclusive (default: last).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Print entries as ``index leaf-hash-hex leaf-json``, one per line."""
    from truce.errors import NotFoundError
    from truce.log.store import LogStore

    with _database(database).read() as connection:
        store = LogStore(connection)
        size = store.head().size
        last = size - 1 if end is None else end
        if start >= size:
            raise NotFoundError(f"start {start} is beyond the log's size {size}", field="start")
        if last < start:
            raise InputError(f"end {last} is before start {start}", field="end")
        for index, leaf in store.entries(start, last):
            sys.stdout.write(f"{index} {merkle.hash_leaf(leaf).hex()} {leaf.decode()}\n")


@log_app.command("prove")
def log_prove(
    index: Annotated[int | None, typer.Option(min=0, help="Entry for an inclusion proof.")] = None,
    size: Annotated[int | None, typer.Option(min=1, help="Tree size of the proof.")] = None,
    first: Annotated[int | None, typer.Option(min=1, help="Older size (consistency).")] = None,
    second: Annotated[int | None, typer.Option(min=1, help="Newer size (consistency).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Print and check an inclusion (--index --size) or consistency (--first --second) proof."""
    from truce.log.store import LogStore

    with _database(database).read() as connection:
        store = LogStore(connection)
        if index is not None and first is None:
            tree_size = size or store.head().size
            proof = store.inclusion_proof(index, tree_size)
            root = store.root(tree_size)
            merkle.verify_inclusion(store.leaf_hash(index), index, tree_size, proof, root)
            out.print(f"inclusion of {index} in tree {tree_size} (root {_b64(root)}): verified")
        elif first is not None and index is None:
            tree_size = second or store.head().size
            proof = store.consistency_proof(first, tree_size)
            merkle.verify_consistency(
                first, tree_size, store.root(first), store.root(tree_size), proof
            )
            out.print(f"consistency of tree {first} with tree {tree_size}: verified")
        else:
            raise InputError("give --index (and --size) or --first (and --second)")
    for node in proof:
        out.print(_b64(node), highlight=False)


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn every failure into one line and an exit code."""
    try:
        raise SystemExit(app(args=argv, standalone_mode=False))
    except TruceError as exc:
        _fail(exc.message, exc.exit_code)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        _fail("aborted", 130)
    except typer.TyperException as exc:
        message = exc.format_message().strip()
        if not message:  # `truce` alone: the help was printed, nothing else to say
            raise SystemExit(2) from None
        _fail(message, 2)
    except Exception as exc:
        sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
        if sqlalchemy_errors is None or not isinstance(exc, sqlalchemy_errors.SQLAlchemyError):
            raise
        first_line = str(getattr(exc, "orig", exc)).strip().partition("\n")[0]
        _fail(f"database error: {first_line}", 6)
