"""Log, bodies, accounts and foundation projections

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_accounts")),
    )
    op.create_table(
        "acts",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("body_digest", sa.String(length=71), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_acts")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_acts_leaf_hash")),
    )
    with op.batch_alter_table("acts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acts_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_acts_body_digest"), ["body_digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_acts_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_acts_member"), ["member"], unique=False)

    op.create_table(
        "bodies",
        sa.Column("digest", sa.String(length=71), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_bodies")),
    )
    op.create_table(
        "delegate_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("registered_idx", sa.BigInteger(), nullable=False),
        sa.Column("revoked_idx", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_delegate_keys")),
    )
    with op.batch_alter_table("delegate_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_delegate_keys_member_delegate", ["member", "delegate"], unique=False
        )

    op.create_table(
        "log_entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_log_entries")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_log_entries_leaf_hash")),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "mechanism",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("scenario", sa.JSON(), nullable=False),
        sa.Column("genesis_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mechanism")),
    )
    op.create_table(
        "members",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_members")),
    )


def downgrade() -> None:
    op.drop_table("members")
    op.drop_table("mechanism")
    op.drop_table("log_nodes")
    op.drop_table("log_head")
    op.drop_table("log_entries")
    with op.batch_alter_table("delegate_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_delegate_keys_member_delegate")

    op.drop_table("delegate_keys")
    op.drop_table("bodies")
    with op.batch_alter_table("acts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acts_member"))
        batch_op.drop_index(batch_op.f("ix_acts_kind"))
        batch_op.drop_index(batch_op.f("ix_acts_body_digest"))
        batch_op.drop_index(batch_op.f("ix_acts_at"))

    op.drop_table("acts")
    op.drop_table("accounts")
