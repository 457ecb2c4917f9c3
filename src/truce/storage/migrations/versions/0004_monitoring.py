"""Monitoring

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attestation_reviews",
        sa.Column("attestation_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("attestation_id", "member", name=op.f("pk_attestation_reviews")),
        sa.UniqueConstraint("idx", name=op.f("uq_attestation_reviews_idx")),
    )
    op.create_table(
        "attestations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("clause", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_idx", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_attestations_leaf_hash")),
    )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attestations_attested_at"), ["attested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attestations_clause"), ["clause"], unique=False)
        batch_op.create_index(batch_op.f("ix_attestations_member"), ["member"], unique=False)
        batch_op.create_index(batch_op.f("ix_attestations_status"), ["status"], unique=False)

    op.create_table(
        "crossing_reports",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("crossing", sa.String(length=200), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("trade", sa.String(length=16), nullable=False),
        sa.Column("people", sa.String(length=16), nullable=False),
        sa.Column("stranded_trucks", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_crossing_reports")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_crossing_reports_leaf_hash")),
    )
    with op.batch_alter_table("crossing_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crossing_reports_crossing"), ["crossing"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_crossing_reports_effective_at"), ["effective_at"], unique=False
        )

    op.create_table(
        "joint_requests",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=8), nullable=False),
        sa.Column("to_member", sa.String(length=8), nullable=False),
        sa.Column("place_id", sa.String(length=200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("precision", sa.String(length=16), nullable=False),
        sa.Column("armed_group", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requested_action", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report_idx", sa.BigInteger(), nullable=True),
        sa.Column("report_audience", sa.JSON(), nullable=True),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_idx", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_requests")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_joint_requests_leaf_hash")),
    )
    with op.batch_alter_table("joint_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_joint_requests_requested_at"), ["requested_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_joint_requests_requested_by"), ["requested_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_joint_requests_to_member"), ["to_member"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("joint_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_joint_requests_to_member"))
        batch_op.drop_index(batch_op.f("ix_joint_requests_requested_by"))
        batch_op.drop_index(batch_op.f("ix_joint_requests_requested_at"))

    op.drop_table("joint_requests")
    with op.batch_alter_table("crossing_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crossing_reports_effective_at"))
        batch_op.drop_index(batch_op.f("ix_crossing_reports_crossing"))

    op.drop_table("crossing_reports")
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attestations_status"))
        batch_op.drop_index(batch_op.f("ix_attestations_member"))
        batch_op.drop_index(batch_op.f("ix_attestations_clause"))
        batch_op.drop_index(batch_op.f("ix_attestations_attested_at"))

    op.drop_table("attestations")
    op.drop_table("attestation_reviews")
