"""Cases are numbered in the mechanism's own sequence (1, 2, 3 …)

Revision ID: 0012
Revises: 0011

A case was known by the log index of the act that lodged it (#23, #70), a number that
says nothing to a delegate and jumps with every other act. ``cases.number`` is the
case's place among the cases, in log order: the projection gives the next number to
each allegation or counter-claim it records, so a rebuild gives the same numbers.
Existing cases are numbered here the same way.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("number", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE cases SET number = (SELECT COUNT(*) FROM cases AS earlier "
        "WHERE earlier.id <= cases.id)"
    )
    op.create_index("ix_cases_number", "cases", ["number"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_cases_number", table_name="cases")
    # A plain ALTER TABLE (SQLite 3.35 or later): a batch rebuild of ``cases`` would drop
    # the search triggers of revision 0009.
    op.drop_column("cases", "number")
