"""Accounts: roles, argon2 passwords, API tokens, and refusals that store nothing."""

from __future__ import annotations

import stat
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.mechanism import Mechanism
from truce.accounts import service as accounts
from truce.accounts.service import SIGN_IN_FAILED, Identity
from truce.errors import AuthenticationError, ConflictError, InputError, NotFoundError
from truce.storage.models import Account, ApiToken, DelegateKey

GOOD = "correct horse battery staple"


def stored(mechanism: Mechanism) -> dict[str, Any]:
    """Every account and token row, as stored."""
    with mechanism.db.read() as connection:
        return {
            "accounts": sorted(tuple(row) for row in connection.execute(select(Account)).all()),
            "tokens": sorted(tuple(row) for row in connection.execute(select(ApiToken)).all()),
        }


def password_hash(mechanism: Mechanism, member: str, delegate: str) -> str | None:
    with mechanism.db.read() as connection:
        found: str | None = connection.execute(
            select(Account.password_hash).where(
                Account.member == member, Account.delegate == delegate
            )
        ).scalar_one()
    return found


def test_the_demo_gives_every_delegate_an_account_a_token_and_a_password(
    mechanism: Mechanism,
) -> None:
    with mechanism.db.read() as connection:
        keys = {
            (row.member, row.delegate): row.role
            for row in connection.execute(select(DelegateKey)).all()
        }
    listed = accounts.list_accounts(mechanism.db)
    assert {(a.member, a.delegate): a.role for a in listed} == keys
    for info in listed:
        stem = info.delegate if info.delegate != "root" else f"{info.member.lower()}-root"
        for suffix in ("token", "password"):
            mode = (mechanism.keys_dir / f"{stem}.{suffix}").stat().st_mode
            assert stat.S_IMODE(mode) == 0o600, (stem, suffix)
        assert accounts.authenticate(mechanism.db, mechanism.token(stem)) == info.identity
        password = (mechanism.keys_dir / f"{stem}.password").read_text().strip()
        signed_in = accounts.verify_password(mechanism.db, info.member, info.delegate, password)
        assert signed_in == info.identity
        assert info.active_tokens == 1
        # a demo delegate speaks its member's first language
        assert info.language == {"PK": "ur", "AF": "ps", "TR": "tr", "QA": "ar"}.get(
            info.member, "en"
        )
        assert info.disabled_at is None


@pytest.mark.usefixtures("production_password_hashing")
def test_a_demo_password_is_rehashed_at_full_strength_at_its_first_sign_in(
    mechanism: Mechanism,
) -> None:
    password = (mechanism.keys_dir / "pk-officer.password").read_text().strip()
    before = password_hash(mechanism, "PK", "pk-officer")
    assert before is not None
    assert PasswordHasher().check_needs_rehash(before)
    accounts.verify_password(mechanism.db, "PK", "pk-officer", password)
    after = password_hash(mechanism, "PK", "pk-officer")
    assert after is not None
    assert after != before
    assert not PasswordHasher().check_needs_rehash(after)
    accounts.verify_password(mechanism.db, "PK", "pk-officer", password)
    assert password_hash(mechanism, "PK", "pk-officer") == after


def test_create_account_then_sign_in_with_its_password(mechanism: Mechanism) -> None:
    created = accounts.create_account(
        mechanism.db,
        member="AF",
        delegate="af-analyst",
        role="observer",
        password=GOOD,
        language="ps",
        display_name="Analyst",
    )
    assert created == Identity("AF", "af-analyst", "observer", created.account_id)
    assert accounts.verify_password(mechanism.db, "AF", "af-analyst", GOOD) == created
    info = accounts.get_account(mechanism.db, "AF", "af-analyst")
    assert (info.language, info.display_name, info.has_password, info.active_tokens) == (
        "ps",
        "Analyst",
        True,
        0,
    )
    stored_hash = password_hash(mechanism, "AF", "af-analyst")
    assert stored_hash is not None
    assert stored_hash.startswith("$argon2id$")
    assert GOOD not in stored_hash


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"role": "admiral"}, InputError, "role"),
        ({"delegate": "-leading-dash"}, InputError, "delegate"),
        ({"delegate": "x" * 65}, InputError, "delegate"),
        ({"member": "ZZ"}, NotFoundError, "member"),
        ({"role": "secretariat"}, InputError, "role"),
        ({"member": "SEC", "role": "officer"}, InputError, "role"),
        ({"password": "too short"}, InputError, "password"),
        ({"password": "x" * (accounts.MAX_PASSWORD_LENGTH + 1)}, InputError, "password"),
        ({"language": "English"}, InputError, "language"),
        ({"display_name": "n" * 201}, InputError, "display_name"),
        ({"delegate": "af-officer"}, ConflictError, "delegate"),
    ],
)
def test_a_refused_account_stores_nothing(
    mechanism: Mechanism, changes: dict[str, Any], error: type[Exception], field: str
) -> None:
    before = stored(mechanism)
    arguments: dict[str, Any] = {"member": "AF", "delegate": "af-new", "role": "officer"}
    arguments.update(changes)
    with pytest.raises(error) as caught:
        accounts.create_account(mechanism.db, **arguments)
    assert getattr(caught.value, "field", None) == field
    assert stored(mechanism) == before


def test_every_failed_sign_in_reads_the_same(mechanism: Mechanism) -> None:
    accounts.create_account(mechanism.db, member="TR", delegate="tr-api", role="officer")
    accounts.set_password(mechanism.db, "TR", "tr-officer", GOOD)
    attempts = [
        ("TR", "tr-officer", GOOD + "!"),  # wrong password
        ("TR", "tr-nobody", GOOD),  # no such delegate
        ("XX", "tr-officer", GOOD),  # no such member
        ("TR", "tr-api", GOOD),  # an account without a password
        ("TR", "tr-officer", ""),  # no password at all
    ]
    for member, delegate, password in attempts:
        with pytest.raises(AuthenticationError) as caught:
            accounts.verify_password(mechanism.db, member, delegate, password)
        assert caught.value.message == SIGN_IN_FAILED, (member, delegate)
    assert accounts.verify_password(mechanism.db, "TR", "tr-officer", GOOD).delegate == "tr-officer"


def test_set_password_replaces_the_old_one_and_enforces_the_length(mechanism: Mechanism) -> None:
    old = (mechanism.keys_dir / "af-officer.password").read_text().strip()
    accounts.set_password(mechanism.db, "AF", "af-officer", GOOD)
    with pytest.raises(AuthenticationError):
        accounts.verify_password(mechanism.db, "AF", "af-officer", old)
    assert accounts.verify_password(mechanism.db, "AF", "af-officer", GOOD).member == "AF"
    longest = "p" * accounts.MAX_PASSWORD_LENGTH
    accounts.set_password(mechanism.db, "AF", "af-officer", longest)
    with pytest.raises(AuthenticationError):  # not accepted for being its prefix
        accounts.verify_password(mechanism.db, "AF", "af-officer", longest + "p")
    assert accounts.verify_password(mechanism.db, "AF", "af-officer", longest).member == "AF"
    before = stored(mechanism)
    with pytest.raises(InputError, match="at least 12 characters"):
        accounts.set_password(mechanism.db, "AF", "af-officer", "short")
    with pytest.raises(NotFoundError):
        accounts.set_password(mechanism.db, "AF", "af-nobody", GOOD)
    assert stored(mechanism) == before


def test_a_disabled_account_is_refused_until_enabled(mechanism: Mechanism) -> None:
    token = mechanism.token("qa-officer")
    accounts.set_password(mechanism.db, "QA", "qa-officer", GOOD)
    accounts.disable_account(mechanism.db, "QA", "qa-officer")
    accounts.disable_account(mechanism.db, "QA", "qa-officer")  # twice changes nothing
    assert accounts.get_account(mechanism.db, "QA", "qa-officer").disabled_at is not None
    with pytest.raises(AuthenticationError, match="disabled"):
        accounts.authenticate(mechanism.db, token)
    with pytest.raises(AuthenticationError, match="disabled"):
        accounts.verify_password(mechanism.db, "QA", "qa-officer", GOOD)
    with pytest.raises(AuthenticationError) as caught:  # a guesser learns nothing
        accounts.verify_password(mechanism.db, "QA", "qa-officer", "not the password")
    assert caught.value.message == SIGN_IN_FAILED
    accounts.enable_account(mechanism.db, "QA", "qa-officer")
    assert accounts.authenticate(mechanism.db, token).delegate == "qa-officer"
    assert accounts.verify_password(mechanism.db, "QA", "qa-officer", GOOD).delegate == "qa-officer"


def test_tokens_are_issued_listed_and_revoked(mechanism: Mechanism) -> None:
    first = accounts.issue_token(mechanism.db, "PK", "pk-observer", "laptop")
    second = accounts.issue_token(mechanism.db, "PK", "pk-observer")
    assert len({first, second, mechanism.token("pk-observer")}) == 3
    listed = {t.token_id: t for t in accounts.list_tokens(mechanism.db, "PK", "pk-observer")}
    assert set(listed) == {accounts.token_hash(t) for t in (first, second)} | {
        accounts.token_hash(mechanism.token("pk-observer"))
    }
    assert listed[accounts.token_hash(first)].label == "laptop"
    assert all(first not in t.token_id for t in listed.values())
    revoked = accounts.revoke_token(
        mechanism.db, "PK", "pk-observer", accounts.token_hash(first)[:8]
    )
    assert revoked.token_id == accounts.token_hash(first)
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError, match="revoked"):
        accounts.authenticate(mechanism.db, first)
    assert accounts.authenticate(mechanism.db, second).delegate == "pk-observer"
    again = accounts.revoke_token(mechanism.db, "PK", "pk-observer", revoked.token_id)
    assert again.revoked_at == revoked.revoked_at
    assert accounts.get_account(mechanism.db, "PK", "pk-observer").active_tokens == 2


def test_a_token_is_revoked_only_through_its_own_account(mechanism: Mechanism) -> None:
    other = accounts.token_hash(mechanism.token("af-officer"))
    before = stored(mechanism)
    with pytest.raises(NotFoundError):
        accounts.revoke_token(mechanism.db, "PK", "pk-officer", other)
    for bad in ("abc", "not-hex-at-all", ""):
        with pytest.raises(InputError):
            accounts.revoke_token(mechanism.db, "PK", "pk-officer", bad)
    with pytest.raises(NotFoundError):
        accounts.issue_token(mechanism.db, "PK", "pk-nobody")
    with pytest.raises(InputError):
        accounts.issue_token(mechanism.db, "PK", "pk-officer", "l" * 101)
    assert stored(mechanism) == before
    assert accounts.authenticate(mechanism.db, mechanism.token("af-officer")).member == "AF"


def test_unknown_tokens_authenticate_no_one(mechanism: Mechanism) -> None:
    for token in ("", "x", mechanism.token("af-officer") + "x", accounts.token_hash("y")):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(mechanism.db, token)


def test_language_and_listing(mechanism: Mechanism) -> None:
    accounts.set_language(mechanism.db, "AF", "af-officer", "fa-AF")
    assert accounts.get_account(mechanism.db, "AF", "af-officer").language == "fa-AF"
    with pytest.raises(InputError):
        accounts.set_language(mechanism.db, "AF", "af-officer", "not a tag")
    with pytest.raises(NotFoundError):
        accounts.set_language(mechanism.db, "AF", "af-nobody", "en")
    af = accounts.list_accounts(mechanism.db, "AF")
    assert [a.delegate for a in af] == sorted(a.delegate for a in af)
    assert {a.member for a in af} == {"AF"}
    assert len(af) == 4
    assert accounts.list_accounts(mechanism.db, "ZZ") == []
    with pytest.raises(NotFoundError):
        accounts.get_account(mechanism.db, "AF", "af-nobody")
