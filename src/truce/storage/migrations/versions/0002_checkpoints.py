"""Checkpoints and cosignatures

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_checkpoints")),
    )
    op.create_table(
        "cosignatures",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["size"], ["checkpoints.size"], name=op.f("fk_cosignatures_size_checkpoints")
        ),
        sa.PrimaryKeyConstraint("size", "member", name=op.f("pk_cosignatures")),
    )


def downgrade() -> None:
    op.drop_table("cosignatures")
    op.drop_table("checkpoints")
