"""Migration 0009: a 0008 database with cases gains their search words, its text index
and its counts, exactly as the projection would have written them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tests.mechanism import SCENARIO_DIR
from tests.templates import Templates
from truce.cases import queries
from truce.log import projections
from truce.scenario.rules import load_scenario
from truce.storage import schema
from truce.storage.db import Database

#: Searches run before and after the round trip through 0008.
SEARCHES = ("torkham", "shelling", "kunar", "soldiers", "ab", "nowhere", "34.")


def _searches(db: Database) -> dict[tuple[str, str], list[int]]:
    scenario = load_scenario(SCENARIO_DIR)
    found = {}
    with db.read() as connection:
        for reader in (queries.Reader("AF", False), queries.Reader("TR", True)):
            for q in SEARCHES:
                rows = queries.search_cases(connection, reader, scenario, q)
                found[(reader.member, q)] = [row.id for row, _ in rows]
    return found


def test_upgrading_a_0008_database_fills_in_search_and_counts(
    database_url: str, tmp_path: Path, templates: Templates
) -> None:
    with templates.demo_database(database_url, tmp_path / "keys") as db:
        with db.read() as connection:
            live = projections.snapshot(connection)
        searched = _searches(db)
        assert any(searched.values())
        with db.engine.begin() as connection:
            command.downgrade(schema.alembic_config(connection), "0008")
        inspector = inspect(db.engine)
        assert "search_text" not in {c["name"] for c in inspector.get_columns("cases")}
        assert "case_counts" not in inspector.get_table_names()
        schema.upgrade(db.engine)
        assert (
            schema.current_revision(db.engine)
            == ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
        )
        with db.read() as connection:
            assert projections.snapshot(connection) == live
            if connection.dialect.name == "sqlite":
                connection.execute(
                    text("INSERT INTO cases_search (cases_search) VALUES ('integrity-check')")
                )
        assert _searches(db) == searched
