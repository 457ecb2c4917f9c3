"""The audience rule as SQL (:func:`visible`) and as a row check (:meth:`Reader.sees`)
agree on every kind of stored audience, in a real database."""

from __future__ import annotations

from itertools import product
from typing import Any

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, create_engine, select

from truce.log.audience import Reader, visible

AUDIENCES: list[Any] = [
    "all",
    "public",
    "mediators",
    ["AF"],
    ["AFG"],
    ["TR", "AF"],
    ["PK", "QA"],
    ["SEC"],
]
AUTHORS = ("PK", "AF")
READERS = (
    Reader("PK", False),
    Reader("AF", False),
    Reader("TR", True),
    Reader("QA", True),
    Reader("SEC", False),
    Reader("A", False),
)


def test_the_sql_condition_and_the_row_check_agree() -> None:
    rows = Table(
        "rows",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("audience", JSON),
        Column("author", String),
    )
    engine = create_engine("sqlite://")
    rows.metadata.create_all(engine)
    grid = list(product(AUDIENCES, AUTHORS))
    with engine.begin() as connection:
        connection.execute(
            rows.insert(),
            [{"id": i, "audience": a, "author": w} for i, (a, w) in enumerate(grid)],
        )
        for reader in READERS:
            by_sql = set(
                connection.execute(
                    select(rows.c.id).where(visible(reader, rows.c.audience, rows.c.author))
                ).scalars()
            )
            by_row = {i for i, (a, w) in enumerate(grid) if reader.sees(a, w)}
            assert by_sql == by_row, reader
    # The rule itself: the author, "all", "mediators" for a mediator, a list naming them.
    assert Reader("TR", True).sees("mediators", "PK")
    assert not Reader("SEC", False).sees("mediators", "PK")
    assert Reader("PK", False).sees(["AF"], "PK")
    # "public": every member, as "all" (the public record shows it to anyone else too).
    assert all(reader.sees("public", "PK") for reader in READERS)
    assert not Reader("AF", False).sees(["AFG"], "PK")
