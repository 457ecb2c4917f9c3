"""One-time enrolment codes: a new browser tied once to an account

Revision ID: 0014
Revises: 0013

``enrol_codes`` keeps the SHA-256 of each code the secretariat issued, the account it
opens, when it expires and when it was used. Not a projection: a rebuild leaves it alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enrol_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_enrol_codes_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrol_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrol_codes_code_hash")),
    )
    op.create_index("ix_enrol_codes_account_id", "enrol_codes", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_enrol_codes_account_id", table_name="enrol_codes")
    op.drop_table("enrol_codes")
