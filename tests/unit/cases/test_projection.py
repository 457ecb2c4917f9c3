"""The case projection's counts: ``case_counts`` holds, per group, what grouping ``cases``
gives, through every step of the demo's cases and after a rebuild."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import Connection, select

from tests.mechanism import demo_database
from truce.log import projections
from truce.storage.models import CaseCount, CaseRecord


def _grouped(connection: Connection) -> Counter[tuple[str, ...]]:
    """Every case, counted by status, accused, author, audience and clauses."""
    return Counter(
        (row.status, row.accused, row.lodged_by, json.dumps(row.audience), json.dumps(row.clauses))
        for row in connection.execute(select(CaseRecord)).all()
    )


def _counted(connection: Connection) -> Counter[tuple[str, ...]]:
    rows = connection.execute(select(CaseCount.__table__)).all()
    assert all(row.cases > 0 for row in rows)  # a group that counts none is gone
    return Counter(
        {(r.status, r.accused, r.lodged_by, r.audience, r.clauses): r.cases for r in rows}
    )


def test_case_counts_follow_every_step_of_the_demo(database_url: str, tmp_path: Path) -> None:
    with demo_database(database_url, tmp_path / "keys") as db:
        with db.read() as connection:
            grouped = _grouped(connection)
            assert _counted(connection) == grouped
        statuses = {status for status, *_ in grouped}
        assert {"closed", "under_investigation"} <= statuses  # cases moved on, some twice
        with db.write() as connection:
            projections.rebuild(connection)
        with db.read() as connection:
            assert _counted(connection) == grouped
