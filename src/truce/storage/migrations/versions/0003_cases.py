"""Cases

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_acts",
        sa.Column("case_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "idx", name=op.f("pk_case_acts")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("lodged_by", sa.String(length=8), nullable=False),
        sa.Column("accused", sa.String(length=8), nullable=False),
        sa.Column("accused_group", sa.String(length=200), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_precision", sa.String(length=8), nullable=False),
        sa.Column("place_id", sa.String(length=200), nullable=True),
        sa.Column("admin1", sa.String(length=200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("precision", sa.String(length=16), nullable=False),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("killed", sa.JSON(), nullable=False),
        sa.Column("injured", sa.JSON(), nullable=False),
        sa.Column("lodged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counter_to", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("violator", sa.String(length=8), nullable=True),
        sa.Column("ruled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("penalty", sa.String(length=64), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_idx", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_cases_leaf_hash")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_accused"), ["accused"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_admin1"), ["admin1"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_lodged_at"), ["lodged_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_lodged_by"), ["lodged_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_place_id"), ["place_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_violator"), ["violator"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_violator"))
        batch_op.drop_index(batch_op.f("ix_cases_type"))
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_place_id"))
        batch_op.drop_index(batch_op.f("ix_cases_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_cases_lodged_by"))
        batch_op.drop_index(batch_op.f("ix_cases_lodged_at"))
        batch_op.drop_index(batch_op.f("ix_cases_admin1"))
        batch_op.drop_index(batch_op.f("ix_cases_accused"))

    op.drop_table("cases")
    op.drop_table("case_acts")
