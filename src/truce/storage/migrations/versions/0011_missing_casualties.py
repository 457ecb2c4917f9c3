"""Cases count people missing or abducted beside the killed and the injured

Revision ID: 0011
Revises: 0010

An allegation's incident may give, beside its ``killed`` and ``injured`` figures, the
people ``missing`` (missing or abducted), by category. Acts lodged before it have none,
so the column is empty (NULL) for them, as a rebuild of the log leaves it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("missing", sa.JSON(), nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE (SQLite 3.35 or later): a batch rebuild of ``cases`` would drop
    # the search triggers of revision 0009.
    op.drop_column("cases", "missing")
