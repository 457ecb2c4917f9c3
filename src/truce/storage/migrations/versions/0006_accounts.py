"""Accounts with roles, passwords and languages; API tokens; web sessions; key requests

Revision ID: 0006
Revises: 0005

The token table of 0001 (one row per token, naming its delegate) becomes ``api_tokens``
pointing at one ``accounts`` row per delegate. Each existing delegate keeps its tokens;
its role is taken from its newest registered key, or ``officer`` when it has none.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    old_tokens = bind.execute(
        sa.text("SELECT token_hash, member, delegate, created_at FROM accounts")
    ).all()
    roles = {
        (row.member, row.delegate): row.role
        for row in bind.execute(
            sa.text("SELECT member, delegate, role FROM delegate_keys ORDER BY registered_idx")
        )
    }
    op.drop_table("accounts")
    accounts = op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("member", "delegate", name=op.f("uq_accounts_member")),
    )
    tokens = op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_api_tokens_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_api_tokens")),
    )
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_account_id"), ["account_id"])
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_web_sessions_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_account_id"), ["account_id"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempts")),
    )
    with op.batch_alter_table("sign_in_attempts") as batch_op:
        batch_op.create_index("ix_sign_in_attempts_subject_at", ["subject", "at"])
    op.create_table(
        "key_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_requests")),
        sa.UniqueConstraint("key_id", name=op.f("uq_key_requests_key_id")),
    )
    with op.batch_alter_table("key_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_key_requests_member"), ["member"])

    ids: dict[tuple[str, str], int] = {}
    for token in old_tokens:
        owner = (token.member, token.delegate)
        if owner not in ids:
            ids[owner] = len(ids) + 1
            op.bulk_insert(
                accounts,
                [
                    {
                        "id": ids[owner],
                        "member": token.member,
                        "delegate": token.delegate,
                        "role": roles.get(owner, "officer"),
                        "language": "en",
                        "created_at": _as_datetime(token.created_at),
                    }
                ],
            )
        op.bulk_insert(
            tokens,
            [
                {
                    "token_hash": token.token_hash,
                    "account_id": ids[owner],
                    "label": "migrated",
                    "created_at": _as_datetime(token.created_at),
                }
            ],
        )
    if ids and bind.dialect.name == "postgresql":
        bind.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('accounts', 'id'), :n)"),
            {"n": len(ids)},
        )


def _as_datetime(value: object) -> datetime:
    """SQLite hands back text for a DateTime read through raw SQL."""
    if isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def downgrade() -> None:
    op.drop_table("key_requests")
    op.drop_table("sign_in_attempts")
    op.drop_table("web_sessions")
    op.drop_table("api_tokens")
    op.drop_table("accounts")
    op.create_table(
        "accounts",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=8), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_accounts")),
    )
