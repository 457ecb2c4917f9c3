"""Media monitoring: items, their candidate incidents, clusters and corroborations

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_items",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("body_digest", sa.String(length=71), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("outlet", sa.String(length=200), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published", sa.String(length=10), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_items")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_media_items_leaf_hash")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_media_items_content_hash")),
    )
    op.create_index(op.f("ix_media_items_outlet"), "media_items", ["outlet"])
    op.create_index(op.f("ix_media_items_published"), "media_items", ["published"])
    op.create_table(
        "media_incidents",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("cluster_id", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("place_id", sa.String(length=200), nullable=True),
        sa.Column("admin1", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("actors", sa.JSON(), nullable=False),
        sa.Column("killed", sa.JSON(), nullable=False),
        sa.Column("injured", sa.JSON(), nullable=False),
        sa.Column("claimed_by", sa.JSON(), nullable=False),
        sa.Column("disputed_by", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_incidents")),
    )
    for column in ("item_id", "cluster_id", "date", "place_id", "type"):
        op.create_index(op.f(f"ix_media_incidents_{column}"), "media_incidents", [column])
    op.create_table(
        "media_clusters",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("first_date", sa.String(length=10), nullable=True),
        sa.Column("last_date", sa.String(length=10), nullable=True),
        sa.Column("updated_idx", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_clusters")),
    )
    op.create_table(
        "media_corroborations",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("cluster_id", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_media_corroborations")),
    )
    for column in ("case_id", "cluster_id"):
        op.create_index(op.f(f"ix_media_corroborations_{column}"), "media_corroborations", [column])


def downgrade() -> None:
    op.drop_table("media_corroborations")
    op.drop_table("media_clusters")
    op.drop_table("media_incidents")
    op.drop_table("media_items")
