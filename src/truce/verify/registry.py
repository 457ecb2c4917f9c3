"""The key registry: which delegate key may sign what, at each point of the log.

One registry, with one set of rules, for the three that judge signers: admission
(:mod:`truce.log.admission`, before an act enters the log), the mirror
(:mod:`truce.log.mirror`, as it copies the log) and the offline verifier
(:mod:`truce.verify.replay`, from an audit bundle). The rules, after docs/log-format.md
("Keys"):

1. A key's id is the RFC 7638 JWK thumbprint of its Ed25519 key: the same key always
   has the same id, and a ``member.key`` body registers the id its key gives.
2. The genesis scenario names each member's root key, which signs as delegate ``root``
   with the role ``head`` (``secretariat`` for the secretariat), from entry 0
   (:meth:`KeyRegistry.from_genesis`).
3. An act is signed by a key registered to its author, member and delegate, and not
   revoked (:meth:`KeyRegistry.signer`), whose role may sign the act's kind
   (:data:`PERMISSIONS`, :meth:`KeyRegistry.check_role`; only ``head`` and
   ``secretariat`` keys sign ``member.key`` acts).
4. A ``member.key`` act (:meth:`KeyRegistry.check_member_key`) is addressed to ``all``
   and has a well-formed body (:func:`parse_member_key`). It registers a key to its
   author's member for the delegate and role the body names, if the key was never
   registered before; only the secretariat registers ``secretariat`` keys, and it
   registers no other. Or it revokes a key of its author's member and the body's
   delegate that is not revoked yet: the key signs nothing from then on, and its
   earlier signatures stay valid.

All three enforce every rule. Admission fills the registry from the rows the
projections keep (:meth:`KeyRegistry.add`) and checks a ``member.key`` act without
applying it (the projections record it); the mirror and the offline verifier start from
the genesis body and :meth:`KeyRegistry.apply` each ``member.key`` act in log order. So
the registry always holds the state after the entries before the one being judged.
Refusals raise :class:`~truce.errors.UnknownKeyError`, :class:`~truce.errors.RoleError`,
:class:`~truce.errors.RefusedActError` or :class:`~truce.errors.MalformedActError`; the
mirror and the verifier report them in their own terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

from truce.ledger.errors import (
    InputError,
    MalformedActError,
    RefusedActError,
    RoleError,
    UnknownKeyError,
)
from truce.ledger.keys import PublicKey
from truce.verify.genesis import Genesis

__all__ = [
    "GENESIS",
    "MEMBER_KEY",
    "PERMISSIONS",
    "ROLES",
    "SECRETARIAT_ROLES",
    "KeyChange",
    "KeyRegistry",
    "RegisteredKey",
    "Role",
    "parse_member_key",
]

GENESIS: Final = "mechanism.genesis"
MEMBER_KEY: Final = "member.key"

Role = Literal["officer", "head", "observer", "secretariat", "witness", "clock"]
ROLES: tuple[Role, ...] = get_args(Role)
"""``witness`` keys sign no acts: they only cosign checkpoints (``truce witness``).
``clock`` keys, the secretariat's, sign only ``case.lapse``: that a deadline passed."""
#: The roles only the secretariat gives, and the only ones it gives.
SECRETARIAT_ROLES: frozenset[Role] = frozenset({"secretariat", "clock"})

#: Which roles may sign each kind. ``mechanism.genesis`` is special: only the
#: secretariat's root key signs it, and only as the first entry of the log.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "mechanism.genesis": frozenset({"secretariat"}),
    "member.key": frozenset({"head", "secretariat"}),
    "statement.publish": frozenset({"head", "officer", "secretariat"}),
    "case.lodge": frozenset({"head", "officer"}),
    "case.respond": frozenset({"head"}),
    "case.evidence": frozenset({"head", "officer"}),
    "case.investigate": frozenset({"head", "officer"}),
    "case.request_info": frozenset({"head", "officer"}),
    "case.provide_info": frozenset({"head", "officer"}),
    "case.finding": frozenset({"head"}),
    "case.rule": frozenset({"head"}),
    "case.new_round": frozenset({"head"}),
    "case.refer": frozenset({"head", "secretariat"}),
    "case.lapse": frozenset({"clock"}),
    "case.extend": frozenset({"head"}),
    "case.appeal": frozenset({"head"}),
    "case.waive_appeal": frozenset({"head"}),
    "case.penalty": frozenset({"head"}),
    "case.withdraw": frozenset({"head"}),
    "case.close": frozenset({"head", "secretariat"}),
    "compliance.attest": frozenset({"head", "officer"}),
    "compliance.review": frozenset({"head", "officer"}),
    "crossing.status": frozenset({"head", "officer", "secretariat"}),
    "joint.request": frozenset({"head", "officer"}),
    "joint.report": frozenset({"head", "officer"}),
    "joint.extend": frozenset({"head"}),
    "media.item": frozenset({"head", "officer", "secretariat"}),
    "media.corroborate": frozenset({"head", "officer"}),
    "report.publish": frozenset({"head", "officer", "secretariat"}),
    "report.approve": frozenset({"head"}),
    "report.withdraw": frozenset({"head", "officer", "secretariat"}),
}

#: The ``member.key`` body's fields: those of :class:`truce.acts.bodies.MemberKeyBody`.
_DELEGATE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_PUBLIC_KEY: Final = re.compile(r"[A-Za-z0-9_-]{43}")
_FIELDS: Final = frozenset({"action", "delegate", "role", "public_key", "reason"})
_REASON_MAX: Final = 500


@dataclass(slots=True)
class RegisteredKey:
    """A registered key: to whom, with which role, from which log index, revoked when."""

    key_id: str
    member: str
    delegate: str
    role: str
    public_key: PublicKey
    registered: int
    revoked: int | None = None


@dataclass(frozen=True, slots=True)
class KeyChange:
    """A ``member.key`` body, parsed: register or revoke ``public_key`` for ``delegate``."""

    action: Literal["register", "revoke"]
    delegate: str
    role: Role
    public_key: PublicKey
    reason: str | None = None


def _bad(name: str, message: str) -> MalformedActError:
    return MalformedActError(f"member.key body: {name}: {message}", field=f"body.{name}")


def parse_member_key(body: object) -> KeyChange:
    """Read a ``member.key`` body strictly; raise :class:`MalformedActError`.

    Accepts exactly what :class:`truce.acts.bodies.MemberKeyBody` accepts (a test feeds
    both the same bodies), and also requires the key to be a canonical Ed25519 point
    that is not of small order, as every key from outside the log must be.
    """
    if not isinstance(body, Mapping):
        raise MalformedActError("member.key body: must be an object", field="body")
    extra = sorted(str(name) for name in body if name not in _FIELDS)
    if extra:
        raise _bad(extra[0], "Extra inputs are not permitted")
    action = body.get("action")
    if action not in ("register", "revoke"):
        raise _bad("action", "must be 'register' or 'revoke'")
    delegate = body.get("delegate")
    if not isinstance(delegate, str) or not _DELEGATE.fullmatch(delegate):
        raise _bad("delegate", f"must match {_DELEGATE.pattern}")
    role = body.get("role")
    if role not in ROLES:
        raise _bad("role", f"must be one of {', '.join(ROLES)}")
    text = body.get("public_key")
    if not isinstance(text, str) or not _PUBLIC_KEY.fullmatch(text):
        raise _bad("public_key", "must be 43 characters of unpadded base64url")
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > _REASON_MAX):
        raise _bad("reason", f"must be a string of at most {_REASON_MAX} characters")
    try:
        key = PublicKey.parse(text)
    except InputError as exc:
        raise _bad("public_key", str(exc)) from exc
    return KeyChange(action, delegate, role, key, reason)


class KeyRegistry:
    """Registered keys by key id, and the rules that say who may sign what.

    ``secretariat`` is the code of the scenario's secretariat. A registry starts empty
    (admission and the mirror fill it from the rows they keep, :meth:`add`) or from the
    genesis scenario (:meth:`from_genesis`), then follows the log with :meth:`apply`.
    """

    __slots__ = ("keys", "secretariat")

    def __init__(self, secretariat: str, keys: Iterable[RegisteredKey] = ()) -> None:
        self.secretariat = secretariat
        self.keys: dict[str, RegisteredKey] = {key.key_id: key for key in keys}

    @classmethod
    def from_genesis(cls, genesis: Genesis) -> KeyRegistry:
        """The registry at entry 0: each member's root key, as delegate ``root``."""
        return cls(
            genesis.secretariat.code,
            (
                RegisteredKey(
                    key_id=member.root_key.key_id,
                    member=member.code,
                    delegate="root",
                    role="secretariat" if member.kind == "secretariat" else "head",
                    public_key=member.root_key,
                    registered=0,
                )
                for member in genesis.members
            ),
        )

    def add(self, key: RegisteredKey) -> None:
        """Put a key as stored (a row of the registry's projection) into the registry."""
        self.keys[key.key_id] = key

    def get(self, key_id: str) -> RegisteredKey | None:
        """The key registered under this id (revoked or not), or None."""
        return self.keys.get(key_id)

    # -- signers ----------------------------------------------------------------------

    @staticmethod
    def permitted(kind: str) -> frozenset[Role]:
        """The roles that may sign ``kind``; :class:`MalformedActError` if it is unknown."""
        allowed = PERMISSIONS.get(kind)
        if allowed is None:
            raise MalformedActError(f"unknown act kind {kind!r}", field="kind")
        return allowed

    def signer(self, key_id: str, member: str, delegate: str) -> RegisteredKey:
        """The key an act names, if registered to its author and not revoked.

        Raises :class:`UnknownKeyError` otherwise. The caller then verifies the signature
        with the key, and checks the role (:meth:`check_role`).
        """
        key = self.keys.get(key_id)
        if key is None or key.member != member or key.delegate != delegate:
            raise UnknownKeyError(
                f"key {key_id} is not registered to {member}/{delegate}", field="author.key"
            )
        if key.revoked is not None:
            raise UnknownKeyError(
                f"key {key_id} of {member}/{delegate} was revoked at log index {key.revoked}",
                field="author.key",
            )
        return key

    @staticmethod
    def check_role(key: RegisteredKey, kind: str) -> None:
        """Raise :class:`RoleError` unless the key's role may sign ``kind``."""
        allowed = KeyRegistry.permitted(kind)
        if key.role not in allowed:
            raise RoleError(
                f"a {key.role} may not sign {kind} (allowed: {', '.join(sorted(allowed))})",
                field="kind",
            )

    # -- member.key -------------------------------------------------------------------

    def check_member_key(self, author: str, to_all: bool, body: object) -> KeyChange:
        """Check a ``member.key`` act by ``author`` against the registry; return its change.

        Raises :class:`MalformedActError` for a malformed body, :class:`RoleError` when
        the secretariat rule is broken, :class:`RefusedActError` otherwise (not addressed
        to ``all``, a key registered twice, revoking another's key or a revoked key).
        """
        if not to_all:
            raise RefusedActError(
                'a member.key act is addressed to "all": every member must be able to check '
                "the signatures made with the key",
                field="audience",
            )
        change = parse_member_key(body)
        key_id = change.public_key.key_id
        known = self.keys.get(key_id)
        if change.action == "register":
            if known is not None:
                raise RefusedActError(
                    f"key {key_id} is already registered (to {known.member}/{known.delegate})",
                    field="body.public_key",
                )
            if change.role in SECRETARIAT_ROLES and author != self.secretariat:
                raise RoleError(
                    f"only the secretariat registers {change.role} keys", field="body.role"
                )
            if change.role not in SECRETARIAT_ROLES and author == self.secretariat:
                raise RoleError(
                    "the secretariat registers only its own staff's keys", field="body.role"
                )
            return change
        if known is None or known.member != author or known.delegate != change.delegate:
            raise RefusedActError(
                f"key {key_id} is not registered to {author}/{change.delegate}",
                field="body.public_key",
            )
        if known.revoked is not None:
            raise RefusedActError(
                f"key {key_id} was already revoked at log index {known.revoked}",
                field="body.public_key",
            )
        return change

    def apply(self, index: int, author: str, to_all: bool, body: object) -> KeyChange:
        """Check (:meth:`check_member_key`), then record the ``member.key`` act at ``index``."""
        change = self.check_member_key(author, to_all, body)
        key = change.public_key
        if change.action == "register":
            self.keys[key.key_id] = RegisteredKey(
                key.key_id, author, change.delegate, change.role, key, index
            )
        else:
            self.keys[key.key_id].revoked = index
        return change
