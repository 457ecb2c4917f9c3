"""Ready databases built once per test session and copied for each test that needs one.

Initialising the istanbul-2025 mechanism (migrations, genesis, nineteen demo delegates
with their accounts) costs far more than copying its result, and replaying the demo
costs more still. A test that needs either gets a copy of its own, so it never sees
another test's writes:

- on SQLite, the template file is copied to the test's path, and its keys folder beside;
- on PostgreSQL, the test's database is created ``TEMPLATE`` the template database,
  which the server copies file by file.

A template is built the first time it is asked for, with the clock of the test that
asks; a copy is given only to a test whose clock does not run before the template's
genesis (its acts must come after the genesis, as they would after a fresh ``init``).
A test whose clock runs earlier gets a fresh mechanism instead.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.mechanism import SCENARIO_DIR, Mechanism, make_mechanism, open_mechanism
from truce.log.demo import genesis_time, load_demo
from truce.log.setup import initialise
from truce.storage.db import Database


@dataclass(frozen=True)
class _Template:
    """A built database (an SQLite file, or a PostgreSQL database's name) and its keys."""

    database: str
    keys_dir: Path
    genesis: datetime


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    assert database, f"not an SQLite file URL: {url}"
    return Path(database)


class Templates:
    """The session's templates: the mechanism and the replayed demo, per backend.

    ``folder`` holds the SQLite files and the keys; ``admin_url`` is the PostgreSQL
    server's admin database (None without a server). :meth:`close` drops the PostgreSQL
    templates.
    """

    def __init__(self, folder: Path, admin_url: str | None) -> None:
        self.folder = folder
        self.admin_url = admin_url
        self._built: dict[tuple[str, str], _Template] = {}

    # -- building ---------------------------------------------------------------------

    def _execute(self, *statements: str) -> None:
        assert self.admin_url is not None
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            admin.dispose()

    def _url_of(self, backend: str, database: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{database}"
        assert self.admin_url is not None
        return make_url(self.admin_url).set(database=database).render_as_string(False)

    def _template(
        self, kind: str, backend: str, build: Callable[[str, Path], datetime]
    ) -> _Template:
        """The template ``kind`` on ``backend``, built by ``build(url, keys_dir)`` (which
        returns the genesis time) the first time."""
        found = self._built.get((kind, backend))
        if found is not None:
            return found
        keys_dir = self.folder / f"{kind}-{backend}-keys"
        if backend == "sqlite":
            database = str(self.folder / f"{kind}.db")
        else:
            database = f"tpl_{kind}_{uuid.uuid4().hex[:12]}"
            self._execute(f'CREATE DATABASE "{database}"')
        genesis = build(self._url_of(backend, database), keys_dir)
        if backend == "sqlite":
            # Every connection is closed: the WAL is checkpointed into the file and gone.
            assert not Path(f"{database}-wal").exists(), "the template's WAL was left open"
        found = _Template(database, keys_dir, genesis)
        self._built[(kind, backend)] = found
        return found

    def _copy(self, template: _Template, url: str, keys_dir: Path) -> None:
        """Make the (empty or absent) database at ``url`` a copy of ``template``, and
        ``keys_dir`` a copy of its keys."""
        backend = make_url(url).get_backend_name()
        if backend == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            assert not target.exists(), f"{target} exists already"
            shutil.copyfile(template.database, target)
        else:
            name = make_url(url).database
            self._execute(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"',
            )
        shutil.copytree(template.keys_dir, keys_dir, dirs_exist_ok=True)

    # -- what tests ask for -------------------------------------------------------------

    def mechanism(self, url: str, keys_dir: Path, clock: Callable[[], datetime]) -> Mechanism:
        """The istanbul-2025 mechanism at ``url`` (an empty database or a new SQLite
        path), as :func:`tests.mechanism.make_mechanism` would initialise it, but copied."""
        backend = make_url(url).get_backend_name()

        def build(template_url: str, template_keys: Path) -> datetime:
            began = clock()
            initialise(template_url, SCENARIO_DIR, template_keys, clock=lambda: began)
            return began

        template = self._template("mechanism", backend, build)
        if clock() < template.genesis:
            return make_mechanism(url, keys_dir, clock)
        self._copy(template, url, keys_dir)
        return open_mechanism(url, keys_dir, clock)

    def demo(self, url: str, keys_dir: Path) -> None:
        """The istanbul-2025 demo acts loaded into the database at ``url`` (empty, or a
        new SQLite path), as :func:`tests.mechanism.demo_database` loads them, but
        copied; its keys in ``keys_dir``."""
        backend = make_url(url).get_backend_name()

        def build(template_url: str, template_keys: Path) -> datetime:
            begins = genesis_time(SCENARIO_DIR)
            initialise(template_url, SCENARIO_DIR, template_keys, clock=lambda: begins)
            load_demo(template_url, SCENARIO_DIR, template_keys)
            return begins

        self._copy(self._template("demo", backend, build), url, keys_dir)

    @contextmanager
    def demo_database(self, url: str, keys_dir: Path) -> Iterator[Database]:
        """:meth:`demo` at ``url``, opened (and closed on leaving)."""
        self.demo(url, keys_dir)
        db = Database.from_url(url)
        try:
            yield db
        finally:
            db.dispose()

    def close(self) -> None:
        """Drop the PostgreSQL templates (the SQLite ones go with the session's folder)."""
        names = [t.database for (_, backend), t in self._built.items() if backend != "sqlite"]
        if names:
            self._execute(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))
        self._built.clear()


@contextmanager
def templates_in(folder: Path, admin_url: str | None) -> Iterator[Templates]:
    """The session's templates in ``folder``, dropped on leaving."""
    templates = Templates(folder, admin_url)
    try:
        yield templates
    finally:
        templates.close()
