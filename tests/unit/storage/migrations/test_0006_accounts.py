"""Migration 0006: the tokens of a 0005 database keep working under the new accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from truce.accounts import service as accounts
from truce.errors import AuthenticationError
from truce.storage import schema
from truce.storage.db import Database, make_engine

#: Tokens as 0005 stored them: one row per token, naming its delegate.
OLD_TOKENS = {
    "token-of-the-af-officer": ("AF", "af-officer"),
    "second-token-of-the-af-officer": ("AF", "af-officer"),
    "token-of-the-pk-root": ("PK", "root"),
    "token-of-a-delegate-without-key": ("PK", "pk-nokey"),
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    yield built
    built.dispose()


def _at_0005_with_tokens(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(schema.alembic_config(connection), "0005")
        connection.execute(
            text("INSERT INTO members (code, name, kind) VALUES (:c, :n, :k)"),
            [
                {"c": "AF", "n": "Afghanistan", "k": "party"},
                {"c": "PK", "n": "Pakistan", "k": "party"},
            ],
        )
        connection.execute(
            text(
                "INSERT INTO delegate_keys (key_id, member, delegate, role, public_key,"
                " registered_idx, revoked_idx) VALUES (:k, :m, :d, :r, :p, :i, NULL)"
            ),
            [
                {"k": "k1", "m": "AF", "d": "af-officer", "r": "observer", "p": "x", "i": 1},
                {"k": "k2", "m": "AF", "d": "af-officer", "r": "officer", "p": "y", "i": 5},
                {"k": "k3", "m": "PK", "d": "root", "r": "head", "p": "z", "i": 0},
            ],
        )
        connection.execute(
            text(
                "INSERT INTO accounts (token_hash, member, delegate, created_at)"
                " VALUES (:h, :m, :d, :t)"
            ),
            [
                {
                    "h": accounts.token_hash(token),
                    "m": member,
                    "d": delegate,
                    "t": datetime(2025, 10, 1, tzinfo=UTC),
                }
                for token, (member, delegate) in OLD_TOKENS.items()
            ],
        )


def test_upgrading_a_0005_database_keeps_every_token_working(
    engine: Engine, database_url: str
) -> None:
    _at_0005_with_tokens(engine)
    schema.upgrade(engine)
    head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
    assert schema.current_revision(engine) == head
    db = Database.from_url(database_url)
    try:
        for token, (member, delegate) in OLD_TOKENS.items():
            found = accounts.authenticate(db, token)
            assert (found.member, found.delegate) == (member, delegate)
        listed = {(a.member, a.delegate): a for a in accounts.list_accounts(db)}
        assert set(listed) == {("AF", "af-officer"), ("PK", "root"), ("PK", "pk-nokey")}
        assert listed["AF", "af-officer"].role == "officer"  # its newest key's role
        assert listed["AF", "af-officer"].active_tokens == 2
        assert listed["PK", "root"].role == "head"
        assert listed["PK", "pk-nokey"].role == "officer"
        assert not any(a.has_password or a.disabled_at for a in listed.values())
        assert accounts.authenticate(db, "token-of-the-pk-root").account_id == (
            listed["PK", "root"].id
        )
        with pytest.raises(AuthenticationError):
            accounts.authenticate(db, "a-token-never-issued")
    finally:
        db.dispose()


def test_after_the_upgrade_new_accounts_and_tokens_can_be_added(
    engine: Engine, database_url: str
) -> None:
    _at_0005_with_tokens(engine)
    schema.upgrade(engine)
    db = Database.from_url(database_url)
    try:
        created = accounts.create_account(db, member="AF", delegate="af-new", role="observer")
        assert created.account_id not in {a.id for a in accounts.list_accounts(db, "PK")}
        token = accounts.issue_token(db, "AF", "af-new")
        assert accounts.authenticate(db, token) == created
        migrated = accounts.list_tokens(db, "AF", "af-officer")
        accounts.revoke_token(db, "AF", "af-officer", migrated[0].token_id)
        remaining = {t.token_id for t in accounts.list_tokens(db, "AF", "af-officer")} - {
            migrated[0].token_id
        }
        assert remaining
        working = [
            token
            for token, owner in OLD_TOKENS.items()
            if owner == ("AF", "af-officer") and accounts.token_hash(token) in remaining
        ]
        assert accounts.authenticate(db, working[0]).delegate == "af-officer"
    finally:
        db.dispose()
