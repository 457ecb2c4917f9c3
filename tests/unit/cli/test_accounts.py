"""``truce account``: one line per result, one line per error, passwords never in argv."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests.mechanism import Mechanism
from truce.accounts import service as accounts
from truce.accounts.enrolment import CodeRefusedError, redeem_code
from truce.cli.main import main

GOOD = "correct horse battery staple"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    def lines(self) -> list[str]:
        return self.stdout.strip().splitlines()

    def error(self) -> str:
        assert self.code != 0
        assert self.stdout == ""
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("error: "), self.stderr
        return lines[0]


Invoke = Callable[..., Outcome]


@pytest.fixture
def run(
    mechanism: Mechanism, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Invoke:
    def invoke(*args: str, stdin: str = "") -> Outcome:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["account", *args, "--database", mechanism.url])
        captured = capsys.readouterr()
        return Outcome(int(exited.value.code or 0), captured.out, captured.err)

    return invoke


def test_add_with_a_password_from_stdin_then_list(run: Invoke, mechanism: Mechanism) -> None:
    added = run("add", "AF", "af-analyst", "--role", "observer", "--stdin", stdin=GOOD + "\n")
    assert (added.code, added.lines()) == (0, ["created AF/af-analyst (observer)"])
    assert accounts.verify_password(mechanism.db, "AF", "af-analyst", GOOD).role == "observer"
    listed = run("list", "--member", "AF")
    assert listed.code == 0
    assert "AF/af-analyst observer en active password tokens=0" in listed.lines()
    assert len(listed.lines()) == 5
    without = run("add", "AF", "af-bot", "--role", "officer")
    assert without.code == 0
    assert not accounts.get_account(mechanism.db, "AF", "af-bot").has_password


def test_token_tokens_revoke_disable_enable(run: Invoke, mechanism: Mechanism) -> None:
    issued = run("token", "PK", "pk-officer", "--label", "ci")
    token = issued.lines()[0]
    assert issued.code == 0
    assert len(issued.lines()) == 1
    assert accounts.authenticate(mechanism.db, token).delegate == "pk-officer"
    tokens = run("tokens", "PK", "pk-officer").lines()
    assert len(tokens) == 2
    assert any(
        line.startswith(accounts.token_hash(token)) and line.endswith(" ci") for line in tokens
    )
    revoked = run("revoke", "PK", "pk-officer", accounts.token_hash(token)[:12])
    assert revoked.lines() == [f"token {accounts.token_hash(token)[:12]} of PK/pk-officer revoked"]
    assert "revoked" in run("tokens", "PK", "pk-officer").stdout
    assert run("disable", "PK", "pk-officer").lines() == ["PK/pk-officer disabled"]
    assert "disabled since" in run("list", "--member", "PK").stdout
    assert run("enable", "PK", "pk-officer").lines() == ["PK/pk-officer enabled"]
    assert accounts.authenticate(mechanism.db, mechanism.token("pk-officer")).member == "PK"


def test_password_is_read_from_stdin_not_argv(run: Invoke, mechanism: Mechanism) -> None:
    done = run("password", "TR", "tr-officer", stdin=GOOD + "\n")
    assert done.lines() == ["password of TR/tr-officer set"]
    assert accounts.verify_password(mechanism.db, "TR", "tr-officer", GOOD).member == "TR"
    assert run("password", "TR", "tr-officer", GOOD).code == 2  # no password argument


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("password", "TR", "tr-officer"), "short\n", "at least 12 characters"),
        (("password", "TR", "tr-officer"), "", "no password on standard input"),
        (("password", "TR", "tr-nobody"), GOOD, "no account for TR/tr-nobody"),
        (("add", "AF", "af-officer", "--role", "officer"), "", "already has an account"),
        (("add", "AF", "af-x", "--role", "admiral"), "", "unknown role"),
        (("add", "ZZ", "zz-x", "--role", "officer"), "", "not a member"),
        (("revoke", "AF", "af-officer", "abc"), "", "first 8 digits"),
        (("revoke", "AF", "af-officer", "abcdef12"), "", "has no token"),
        (("disable", "AF", "af-nobody"), "", "no account"),
        (("token", "AF", "af-nobody"), "", "no account"),
    ],
)
def test_each_error_is_one_line(
    run: Invoke, mechanism: Mechanism, args: tuple[str, ...], stdin: str, says: str
) -> None:
    before = accounts.list_accounts(mechanism.db)
    line = run(*args, stdin=stdin).error()
    assert says in line
    assert accounts.list_accounts(mechanism.db) == before


def test_an_enrolment_code_is_printed_once_and_opens_the_account_once(
    run: Invoke, mechanism: Mechanism
) -> None:
    issued = run("enrol-code", "PK", "pk-officer", "--hours", "2")
    assert issued.code == 0
    first, until = issued.lines()
    assert first.startswith("enrolment code for PK/pk-officer: ")
    assert until.startswith("valid once, until ")
    code = first.rsplit(" ", 1)[1]
    now = datetime.now(UTC)
    assert redeem_code(mechanism.db, "PK", "pk-officer", code, now).role == "officer"
    with pytest.raises(CodeRefusedError) as refused:
        redeem_code(mechanism.db, "PK", "pk-officer", code, now)
    assert refused.value.reason == "used"
    assert run("enrol-code", "PK", "nobody").error() == "error: no account for PK/nobody"
