"""The case projection's counts: ``case_counts`` holds, per group, what grouping ``cases``
gives, through every step of the demo's cases and after a rebuild."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from tests.mechanism import demo_database
from truce.cases import rules as cases
from truce.log import projections
from truce.storage.models import Act, CaseCount, CaseRecord


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
        assert statuses == {"closed", "referred"}  # every case moved on to its end
        with db.write() as connection:
            projections.rebuild(connection)
        with db.read() as connection:
            assert _counted(connection) == grouped


def test_the_domain_step_runs_once_per_act(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live, admission's check decides each case act's new state and the projection
    stores it; a rebuild, with no check, runs the step once itself. Either way the
    tables are the same."""
    calls: Counter[str] = Counter()

    def counted(name: str) -> Any:
        original = getattr(cases, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return original(*args, **kwargs)

        return call

    for name in ("lodge", "step"):
        monkeypatch.setattr(cases, name, counted(name))
    with demo_database(database_url, tmp_path / "keys") as db:
        with db.read() as connection:
            kinds = Counter(connection.execute(select(Act.kind)).scalars())
            counters = connection.execute(
                select(func.count()).where(CaseRecord.counter_to.is_not(None))
            ).scalar_one()
            live = projections.snapshot(connection)
        lodged = kinds["case.lodge"] + counters
        stepped = (
            sum(n for kind, n in kinds.items() if kind.startswith("case.")) - kinds["case.lodge"]
        )
        assert stepped > 20  # the demo plays cases through their steps
        assert counters > 0
        assert calls == {"lodge": lodged, "step": stepped}
        calls.clear()
        with db.write() as connection:
            projections.rebuild(connection)
        assert calls == {"lodge": lodged, "step": stepped}
        with db.read() as connection:
            assert projections.snapshot(connection) == live
