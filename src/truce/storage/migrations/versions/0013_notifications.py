"""Notifications: who was to be told of each act, and every attempt to tell them

Revision ID: 0013
Revises: 0012

``notifications`` and ``notify_deliveries`` are the outbox admission writes in the
transaction that records an act; ``notify_attempts`` the record of every attempt the
delivery worker makes; ``notify_addresses``, ``notify_preferences`` and
``notify_endpoints`` the delegates' e-mail addresses and choices (each notification or
a daily digest; when to be reminded of a deadline) and the members' webhook endpoints.
None of them is a projection: a
rebuild neither empties nor refills them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("act_idx", sa.BigInteger(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=8), nullable=False),
        sa.Column("subject_idx", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=True),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_act_idx", "notifications", ["act_idx"])
    op.create_index("ix_notifications_member_idx", "notifications", ["member", "act_idx"])
    op.create_table(
        "notify_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notify_deliveries_notification_id_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_deliveries")),
        sa.UniqueConstraint(
            "notification_id",
            "channel",
            "target",
            name=op.f("uq_notify_deliveries_notification_id"),
        ),
    )
    op.create_index(
        "ix_notify_deliveries_notification_id", "notify_deliveries", ["notification_id"]
    )
    op.create_index("ix_notify_deliveries_due", "notify_deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "notify_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["notify_deliveries.id"],
            name=op.f("fk_notify_attempts_delivery_id_notify_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_attempts")),
    )
    op.create_index("ix_notify_attempts_delivery_id", "notify_attempts", ["delivery_id"])
    op.create_index("ix_notify_attempts_at", "notify_attempts", ["at"])
    op.create_table(
        "notify_addresses",
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member", "delegate", name=op.f("pk_notify_addresses")),
    )
    op.create_table(
        "notify_endpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_endpoints")),
    )
    op.create_index("ix_notify_endpoints_member", "notify_endpoints", ["member"])
    op.create_table(
        "notify_preferences",
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("timing", sa.String(length=8), nullable=False),
        sa.Column("remind_hours", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member", "delegate", name=op.f("pk_notify_preferences")),
    )


def downgrade() -> None:
    op.drop_table("notify_preferences")
    op.drop_index("ix_notify_endpoints_member", table_name="notify_endpoints")
    op.drop_table("notify_endpoints")
    op.drop_table("notify_addresses")
    op.drop_index("ix_notify_attempts_at", table_name="notify_attempts")
    op.drop_index("ix_notify_attempts_delivery_id", table_name="notify_attempts")
    op.drop_table("notify_attempts")
    op.drop_index("ix_notify_deliveries_due", table_name="notify_deliveries")
    op.drop_index("ix_notify_deliveries_notification_id", table_name="notify_deliveries")
    op.drop_table("notify_deliveries")
    op.drop_index("ix_notifications_member_idx", table_name="notifications")
    op.drop_index("ix_notifications_act_idx", table_name="notifications")
    op.drop_table("notifications")
