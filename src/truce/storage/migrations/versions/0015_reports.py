"""Reports as acts: each report put forward, its approvals and whether it counts

Revision ID: 0015
Revises: 0014

``reports`` is the projection of ``report.publish``, ``report.approve`` and
``report.withdraw`` acts (:mod:`truce.reports.projection`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_from", sa.String(length=10), nullable=False),
        sa.Column("period_to", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("data_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdfs", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("put_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("published_idx", sa.BigInteger(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_idx", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_idx", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_reports_leaf_hash")),
    )
    op.create_index(op.f("ix_reports_period_from"), "reports", ["period_from"])
    op.create_index(op.f("ix_reports_data_sha256"), "reports", ["data_sha256"])
    op.create_index(op.f("ix_reports_status"), "reports", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_status"), table_name="reports")
    op.drop_index(op.f("ix_reports_data_sha256"), table_name="reports")
    op.drop_index(op.f("ix_reports_period_from"), table_name="reports")
    op.drop_table("reports")
