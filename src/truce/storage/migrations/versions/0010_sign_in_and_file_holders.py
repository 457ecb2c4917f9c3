"""Who was given each file; known sign-in devices; the record of sign-in throttles

Revision ID: 0010
Revises: 0009

``file_uploads`` records every member that uploaded a stored file (``files.uploaded_by``
kept only the first), because citing a file in an evidence act is allowed only to a
member that has been given it; existing files are given to their first uploader.

Sign-in no longer locks a delegate's account: failures are slowed down by address and by
(address, delegate). ``known_devices`` holds the SHA-256 of the cookie of each browser a
delegate signed in from, so that a known device is not held back by an address's
failures; ``sign_in_events`` is the record, for the secretariat, of the throttles that
began and of delegates guessed at.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_uploads",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["files.sha256"], name=op.f("fk_file_uploads_sha256_files")
        ),
        sa.PrimaryKeyConstraint("sha256", "member", name=op.f("pk_file_uploads")),
    )
    op.execute(
        "INSERT INTO file_uploads (sha256, member, uploaded_at) "
        "SELECT sha256, uploaded_by, uploaded_at FROM files"
    )
    op.create_table(
        "known_devices",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_known_devices_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id_hash", "account_id", name=op.f("pk_known_devices")),
    )
    op.create_table(
        "sign_in_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=True),
        sa.Column("delegate", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_events")),
    )
    op.create_index("ix_sign_in_events_at", "sign_in_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_events_at", table_name="sign_in_events")
    op.drop_table("sign_in_events")
    op.drop_table("known_devices")
    op.drop_table("file_uploads")
