"""Search over cases by a text index; open cases counted by group, not one by one

Revision ID: 0009
Revises: 0008

Counting: the dashboard and the compliance matrix count the open cases a reader may see
by status, accused and clause, which grouped every case row. ``case_counts`` keeps, per
status, accused, author, audience and list of clauses, how many cases there are (the
case projection keeps it in step); it is filled in here from ``cases``. The index on
cases' (``status``, ``lodged_at``) gains ``id``, so that the dashboard's "responded,
awaiting the mediators" walk tests each case's acts from the index alone.

Search finds the cases whose allegation holds every word looked for, as a substring.
Until now the database lowered every visible allegation's JSON body to look for a word,
so a word found nowhere read them all. This revision stores each case's searchable words
(``truce.cases.search.search_text``: narrative, actors, accused group,
casefolded), fills them in from the stored bodies, and indexes them by trigrams, which
serve substring searches:

- SQLite: an FTS5 table ``cases_search`` (``tokenize='trigram'``, SQLite 3.34 or later)
  with ``cases`` as its external content, so the text is stored once, kept in step by
  triggers on insert, delete and update of ``cases.search_text``. A later migration
  that rebuilds ``cases`` in batch mode drops these triggers and must create them again.
- PostgreSQL: the ``pg_trgm`` extension (trusted: the database's owner may create it)
  and a GIN index of the column's trigrams, which serves ``LIKE '%word%'``.

PostgreSQL also gets an index of the audience's JSON text, for the statistics that
``ANALYZE`` keeps of an indexed expression: the pages' audience condition compares that
text, and without them the planner misjudges how many cases a mediator sees.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

from truce.cases.search import search_text
from truce.errors import ConfigurationError

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: Rows read and written per round trip while the column is filled in.
CHUNK = 2000

SQLITE_TRIGGERS = (
    """CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
        INSERT INTO cases_search (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
        INSERT INTO cases_search (cases_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER cases_search_update AFTER UPDATE OF id, search_text ON cases BEGIN
        INSERT INTO cases_search (cases_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO cases_search (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
)


def _allegation(content: bytes) -> Mapping[str, Any]:
    """The allegation of a case's opening body: a lodge's, or a counter-claim's."""
    body = json.loads(bytes(content))
    counter = body.get("counter_case")
    return counter if isinstance(counter, Mapping) else body


def _fill_in(connection: sa.Connection) -> None:
    bodies = connection.execute(
        sa.text(
            "SELECT cases.id, bodies.content FROM cases"
            " JOIN acts ON acts.idx = cases.id"
            " JOIN bodies ON bodies.digest = acts.body_digest"
            " ORDER BY cases.id"
        )
    )
    update = sa.text("UPDATE cases SET search_text = :text WHERE id = :id")
    while chunk := bodies.fetchmany(CHUNK):
        connection.execute(
            update, [{"id": row.id, "text": search_text(_allegation(row.content))} for row in chunk]
        )
    # A case is projected only with its body; a row without one would hold no words.
    connection.execute(sa.text("UPDATE cases SET search_text = '' WHERE search_text IS NULL"))


def _counts() -> None:
    op.create_table(
        "case_counts",
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("accused", sa.String(length=8), nullable=False),
        sa.Column("lodged_by", sa.String(length=8), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("clauses", sa.Text(), nullable=False),
        sa.Column("cases", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "status", "accused", "lodged_by", "audience", "clauses", name=op.f("pk_case_counts")
        ),
    )
    op.execute(
        "INSERT INTO case_counts (status, accused, lodged_by, audience, clauses, cases)"
        " SELECT status, accused, lodged_by, CAST(audience AS TEXT), CAST(clauses AS TEXT),"
        " count(*) FROM cases"
        " GROUP BY status, accused, lodged_by, CAST(audience AS TEXT), CAST(clauses AS TEXT)"
    )
    op.drop_index("ix_cases_status_lodged_at", table_name="cases")
    op.create_index("ix_cases_status_lodged_at_id", "cases", ["status", "lodged_at", "id"])


def _require_trigrams(connection: sa.Connection) -> None:
    """Refuse, with the reason, an SQLite built without FTS5 or older than 3.34."""
    try:
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')"
        )
    except sa.exc.OperationalError as exc:
        version = connection.exec_driver_sql("SELECT sqlite_version()").scalar()
        raise ConfigurationError(
            f"search over cases needs SQLite 3.34 or later with FTS5 (this is {version}: {exc})"
        ) from exc
    connection.exec_driver_sql("DROP TABLE temp.trigram_probe")


def upgrade() -> None:
    _counts()
    op.add_column("cases", sa.Column("search_text", sa.Text(), nullable=True))
    connection = op.get_bind()
    _fill_in(connection)
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("search_text", existing_type=sa.Text(), nullable=False)
    if connection.dialect.name == "sqlite":
        _require_trigrams(connection)
        op.execute(
            "CREATE VIRTUAL TABLE cases_search USING fts5("
            "search_text, content='cases', content_rowid='id', tokenize='trigram')"
        )
        op.execute("INSERT INTO cases_search (cases_search) VALUES ('rebuild')")
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    else:
        # Statistics for the audience condition of truce.cases.queries.visible: with
        # none, PostgreSQL guesses that a mediator sees a few cases and sorts them all.
        op.execute("CREATE INDEX ix_cases_audience_text ON cases ((CAST(audience AS VARCHAR)))")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_cases_search_text_trgm ON cases USING gin (search_text gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER cases_search_{trigger}")
        op.execute("DROP TABLE cases_search")
    else:
        op.execute("DROP INDEX ix_cases_search_text_trgm")
        op.execute("DROP INDEX ix_cases_audience_text")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("search_text")
    op.drop_index("ix_cases_status_lodged_at_id", table_name="cases")
    op.create_index("ix_cases_status_lodged_at", "cases", ["status", "lodged_at"])
    op.drop_table("case_counts")
