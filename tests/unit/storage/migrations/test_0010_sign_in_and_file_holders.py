"""Migration 0010: the files of a 0009 database are given to their uploaders, and the
tables of sign-in throttling appear."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from tests.templates import Templates
from truce.files.store import check_file, store_file
from truce.storage import schema
from truce.storage.models import FileUpload, StoredFile

NEW_TABLES = {"file_uploads", "known_devices", "sign_in_events"}


def test_upgrading_a_0009_database_gives_each_file_to_its_uploader(
    database_url: str, tmp_path: Path, templates: Templates
) -> None:
    with templates.demo_database(database_url, tmp_path / "keys") as db:
        now = datetime(2025, 11, 7, tzinfo=UTC)
        store_file(db, check_file(b"Patrol log.", None, 1000), "PK", now)
        store_file(db, check_file(b"Witness statement.", None, 1000), "AF", now)
        with db.read() as connection:
            uploaders = {tuple(row) for row in connection.execute(
                select(StoredFile.sha256, StoredFile.uploaded_by)
            )}  # fmt: skip
        assert {member for _, member in uploaders} == {"PK", "AF"}
        with db.engine.begin() as connection:
            command.downgrade(schema.alembic_config(connection), "0009")
        assert not NEW_TABLES & set(inspect(db.engine).get_table_names())
        schema.upgrade(db.engine)
        head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
        assert schema.current_revision(db.engine) == head
        assert set(inspect(db.engine).get_table_names()) >= NEW_TABLES
        with db.read() as connection:
            given = {tuple(row) for row in connection.execute(
                select(FileUpload.sha256, FileUpload.member)
            )}  # fmt: skip
        assert given == uploaders
