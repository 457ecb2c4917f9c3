"""What a verifier reads of the scenario: the genesis body, or the member's own file.

Entry 0 of a log (``mechanism.genesis``, docs/log-format.md) carries the whole scenario
as its body. A verifier needs only a few of its fields: the mechanism's id, its origin
line and checkpoint key, each member's code, kind and root key (the registry's first
keys), and the witness quorum. :func:`read_genesis` reads exactly those, with the same
rules the scenario's schema (:mod:`truce.scenario.rules`) applies to them, so that the
offline verifier depends on nothing of truce outside :mod:`truce.ledger` and
:mod:`truce.verify`; the rest of the body is the projections' business, not the
verifier's. Its signature is checked with entry 0, by the secretariat's root key that
the body itself names.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from truce.ledger.checkpoint import witness_name
from truce.ledger.errors import InputError, MalformedActError
from truce.ledger.keys import PublicKey
from truce.ledger.note import is_valid_key_name

__all__ = ["Genesis", "GenesisMember", "MemberKind", "read_genesis", "read_scenario_file"]

MemberKind = Literal["party", "mediator", "secretariat"]
_KINDS: Final[tuple[MemberKind, ...]] = ("party", "mediator", "secretariat")
#: The patterns of :mod:`truce.scenario.rules` for these fields.
_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MEMBER_CODE: Final = re.compile(r"[A-Z][A-Z0-9]{1,7}")
_ORIGIN: Final = re.compile(r"(?![^/]*://)[\x21-\x2a\x2c-\x7e]{1,255}")
#: The file a scenario directory holds (:data:`truce.scenario.rules.SCENARIO_FILE_NAME`).
SCENARIO_FILE_NAME: Final = "mechanism.toml"


@dataclass(frozen=True, slots=True)
class GenesisMember:
    """A member as the verifier knows it: its root key signs as delegate ``root``."""

    code: str
    kind: MemberKind
    root_key: PublicKey
    witness: str | None = None
    """The key name of the member's witness, when the scenario names it."""


@dataclass(frozen=True, slots=True)
class Genesis:
    """The fields of the genesis scenario a verifier uses."""

    mechanism: str
    origin: str
    checkpoint_key: PublicKey
    members: tuple[GenesisMember, ...]
    witness_quorum: int | None = None

    def member(self, code: str) -> GenesisMember | None:
        """The member with this code, or None."""
        return next((m for m in self.members if m.code == code), None)

    @property
    def secretariat(self) -> GenesisMember:
        """The one member of kind ``secretariat`` (:func:`read_genesis` checks it)."""
        return next(m for m in self.members if m.kind == "secretariat")

    @property
    def witnesses(self) -> tuple[GenesisMember, ...]:
        """The members that run witnesses: the parties and the mediators."""
        return tuple(m for m in self.members if m.kind in ("party", "mediator"))

    def witness_key_name(self, code: str) -> str:
        """The key name ``code``'s witness cosigns under: the scenario's, or
        ``<origin>/witness/<CODE>`` when the scenario names none."""
        member = self.member(code)
        if member is not None and member.witness is not None:
            return member.witness
        return witness_name(self.origin, code)

    @property
    def witness_threshold(self) -> int:
        """How many member cosignatures make a checkpoint witnessed (default: all)."""
        return self.witness_quorum or len(self.witnesses)


def _fail(where: str, message: str) -> MalformedActError:
    return MalformedActError(f"the genesis scenario: {where}: {message}", field=f"body.{where}")


def _table(data: object, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _fail(where, "must be an object")
    return data


def _text(table: Mapping[str, Any], name: str, where: str, pattern: re.Pattern[str]) -> str:
    value = table.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _fail(f"{where}.{name}", f"must match {pattern.pattern}, not {value!r}")
    return value


def _key(table: Mapping[str, Any], name: str, where: str) -> PublicKey:
    value = table.get(name)
    if not isinstance(value, str):
        raise _fail(f"{where}.{name}", "must be a public key (unpadded base64url)")
    try:
        return PublicKey.parse(value)
    except InputError as exc:
        raise _fail(f"{where}.{name}", exc.message) from exc


def _mechanism(data: object) -> tuple[str, str, PublicKey]:
    """The mechanism's id, origin and checkpoint key, from the ``mechanism`` table."""
    table = _table(data, "mechanism")
    return (
        _text(table, "id", "mechanism", _SLUG),
        _text(table, "origin", "mechanism", _ORIGIN),
        _key(table, "checkpoint_key", "mechanism"),
    )


def _witness(table: Mapping[str, Any], where: str) -> str | None:
    """The ``witness.name`` of a member, if any: a signed-note key name."""
    witness = table.get("witness")
    if witness is None:
        return None
    name = _table(witness, f"{where}.witness").get("name")
    if (
        not isinstance(name, str)
        or not is_valid_key_name(name)
        or any(ord(ch) < 0x20 for ch in name)
    ):
        raise _fail(f"{where}.witness.name", f"must be a signed-note key name, not {name!r}")
    return name


def read_genesis(body: object) -> Genesis:
    """Read the genesis body (the scenario as JSON); raise :class:`MalformedActError`.

    Checks what the verifier relies on: well-formed member codes, unique, each of a known
    kind with a canonical root key; exactly one secretariat; a positive witness quorum.
    """
    data = _table(body, "body")
    mechanism, origin, checkpoint_key = _mechanism(data.get("mechanism"))
    raw_members = data.get("members")
    if not isinstance(raw_members, list) or not raw_members:
        raise _fail("members", "must be a non-empty list")
    members: list[GenesisMember] = []
    for position, raw in enumerate(raw_members):
        where = f"members.{position}"
        table = _table(raw, where)
        code = _text(table, "code", where, _MEMBER_CODE)
        kind = table.get("kind")
        if kind not in _KINDS:
            raise _fail(f"{where}.kind", f"must be one of {', '.join(_KINDS)}, not {kind!r}")
        if any(member.code == code for member in members):
            raise _fail(f"{where}.code", f"{code} is named twice")
        members.append(
            GenesisMember(code, kind, _key(table, "root_key", where), _witness(table, where))
        )
    if sum(member.kind == "secretariat" for member in members) != 1:
        raise _fail("members", "must name exactly one secretariat")
    procedure = _table(data.get("procedure", {}), "procedure")
    quorum = procedure.get("witness_quorum")
    if quorum is not None and (type(quorum) is not int or quorum < 1):
        raise _fail("procedure.witness_quorum", f"must be a positive integer, not {quorum!r}")
    return Genesis(mechanism, origin, checkpoint_key, tuple(members), quorum)


def read_scenario_file(path: Path) -> tuple[str, PublicKey]:
    """The origin and checkpoint key of a scenario file (or a directory's
    ``mechanism.toml``), as ``truce receipt check --scenario`` needs them.

    Raises :class:`InputError` for a file that cannot be read or parsed, or whose
    ``[mechanism]`` table lacks a valid ``origin`` or ``checkpoint_key``.
    """
    file = path / SCENARIO_FILE_NAME if path.is_dir() else path
    try:
        data = tomllib.loads(file.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise InputError(f"{file}: cannot be read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{file}: not a TOML scenario file: {exc}") from exc
    try:
        _, origin, key = _mechanism(data.get("mechanism"))
    except MalformedActError as exc:
        raise InputError(f"{file}: {exc.message.removeprefix('the genesis scenario: ')}") from exc
    return origin, key
