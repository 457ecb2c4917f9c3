"""Engines and transactions for SQLite and PostgreSQL.

Appends to the log must be serialised: two writers must never take the same index or
fork the tree. :meth:`Database.write` opens a transaction that holds the database's
write lock for its whole life:

- on SQLite it begins with ``BEGIN IMMEDIATE`` (pysqlite's own transaction handling is
  switched off so that SQLAlchemy's ``begin`` event decides how to begin), so a second
  writer waits on ``busy_timeout`` instead of failing half-way. Writers of one database
  file first queue on an exclusive ``flock`` of ``<file>-writer.lock`` (and a thread lock
  within a process): SQLite's busy handler polls with sleeps of up to 100 ms, so two
  server processes writing at once would otherwise wait far longer than the write
  itself; the file lock hands over the moment it is released;
- on PostgreSQL the caller locks the single ``log_head`` row ``FOR UPDATE``.

Reads use :meth:`Database.read`, a plain (deferred) transaction that never blocks a writer
in WAL mode.

A commit is durable before it returns, on both backends: a receipt or a cosigned
checkpoint handed out after a commit must never cover entries that a power loss or an
operating-system crash could take back (signing that size again with other entries
would be a fork). SQLite runs ``synchronous=FULL`` (in WAL mode, NORMAL syncs the WAL
only at checkpoints, so the last commits can be rolled back); every PostgreSQL session
sets ``synchronous_commit=on``, and :meth:`Database.check_durable` verifies both on a
real connection when a server starts (see ``docs/security.md``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's busy handler alone orders the writers
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from truce.errors import ConfigurationError

_WRITE = "truce_write_lock"
log = logging.getLogger(__name__)

#: SQLite's ``PRAGMA synchronous`` level that syncs the WAL at every commit (FULL).
SQLITE_SYNCHRONOUS_FULL = 2
#: The values of PostgreSQL's ``synchronous_commit`` that flush the WAL of a commit to
#: the server's own disk before the commit returns (all but ``off``).
POSTGRES_DURABLE_COMMITS = frozenset({"on", "local", "remote_write", "remote_apply"})

#: The errors that mean "the database cannot be reached or used now" (a stopped
#: server, a dropped connection, a locked or unreadable file, an exhausted pool): the
#: request failed before anything was recorded and may be retried (503, not 500).
UNAVAILABLE: tuple[type[Exception], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _configure_postgres(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # A session setting outlives the transaction only once committed.
        cursor = dbapi_connection.cursor()
        cursor.execute("SET synchronous_commit TO on")
        cursor.close()
        dbapi_connection.commit()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``, with SQLite set up for serialised writes."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigurationError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        # A pool of connections: opening one runs four PRAGMAs, and closing the last one
        # checkpoints the WAL; neither belongs on every transaction.
        engine = create_engine(
            parsed,
            echo=echo,
            pool_size=8,
            max_overflow=8,
            connect_args={"check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=10)
        _configure_postgres(engine)
        return engine
    raise ConfigurationError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


class WriterLock:
    """An exclusive lock on ``path`` shared by the threads and processes that write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Wait (without polling) until this writer is the only one, then hold the lock."""
        with self._thread_lock:
            if fcntl is None:
                yield
                return
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (the lock itself is released at the end of each write)."""
        with self._thread_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _writer_lock(engine: Engine) -> WriterLock | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return WriterLock(Path(f"{database}-writer.lock"))


class Database:
    """The database of one mechanism: an engine and its two kinds of transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer_lock = _writer_lock(engine)

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False) -> Database:
        """Open (not create) the database at ``url``."""
        return cls(make_engine(url, echo=echo))

    @classmethod
    def open_existing(cls, url: str, *, echo: bool = False) -> Database:
        """Open a database that must already exist (reading never creates an SQLite file)."""
        parsed = make_url(url) if "://" in url else None
        if parsed is not None and parsed.get_backend_name() == "sqlite":
            path = parsed.database
            if path and path != ":memory:" and not Path(path).exists():
                raise ConfigurationError(f"no database at {path}: run truce init first")
        return cls.from_url(url, echo=echo)

    @property
    def is_sqlite(self) -> bool:
        """True for SQLite, whose write lock is taken at ``BEGIN``."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction, rolled back at the end."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction holding the write lock; committed only if the block succeeds."""
        queue = self._writer_lock.held() if self._writer_lock is not None else nullcontext()
        with queue, self.engine.connect() as connection:
            connection = connection.execution_options(**{_WRITE: True})
            with connection.begin():
                yield connection

    def check_durable(self) -> None:
        """Refuse to serve (:class:`ConfigurationError`) unless a commit on a real
        connection is durable when it returns: ``synchronous=FULL`` (or EXTRA) on SQLite,
        a ``synchronous_commit`` other than ``off`` on PostgreSQL.

        A PostgreSQL server running with ``fsync=off`` is only warned about: the setting
        belongs to the server, which may be a throwaway one for tests.
        """
        with self.engine.connect() as connection:
            if self.is_sqlite:
                level = connection.exec_driver_sql("PRAGMA synchronous").scalar()
                if int(level or 0) < SQLITE_SYNCHRONOUS_FULL:
                    raise ConfigurationError(
                        f"SQLite runs with synchronous={level}: a commit would not be durable "
                        "when it returns; truce needs synchronous=FULL"
                    )
                return
            commit = str(connection.exec_driver_sql("SHOW synchronous_commit").scalar())
            if commit not in POSTGRES_DURABLE_COMMITS:
                raise ConfigurationError(
                    f"PostgreSQL runs this session with synchronous_commit={commit}: a commit "
                    "would not be durable when it returns (a pooler that drops session "
                    "settings?); truce needs synchronous_commit=on"
                )
            if str(connection.exec_driver_sql("SHOW fsync").scalar()) == "off":
                log.warning(
                    "PostgreSQL runs with fsync=off: a crash of its machine may lose commits "
                    "that truce has already acknowledged; set fsync=on for a real deployment"
                )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self._writer_lock is not None:
            self._writer_lock.close()
