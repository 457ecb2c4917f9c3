"""Migration 0012: the cases of a 0011 database are numbered in log order, as the
projection numbers them, and a rebuild gives the same numbers."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, select

from tests.templates import Templates
from truce.log import projections
from truce.storage import schema
from truce.storage.db import Database
from truce.storage.models import CaseRecord


def numbers(db: Database) -> list[tuple[int, int | None]]:
    with db.read() as connection:
        rows = connection.execute(select(CaseRecord.id, CaseRecord.number).order_by(CaseRecord.id))
        return [(row.id, row.number) for row in rows]


def test_upgrading_a_0011_database_numbers_its_cases_as_the_projection_does(
    database_url: str, tmp_path: Path, templates: Templates
) -> None:
    with templates.demo_database(database_url, tmp_path / "keys") as db:
        projected = numbers(db)
        assert [number for _, number in projected] == list(range(1, len(projected) + 1))
        assert len(projected) > 5
        with db.engine.begin() as connection:
            command.downgrade(schema.alembic_config(connection), "0011")
        assert "number" not in {c["name"] for c in inspect(db.engine).get_columns("cases")}
        schema.upgrade(db.engine)
        assert numbers(db) == projected
        with db.write() as connection:
            projections.rebuild(connection)
        assert numbers(db) == projected
