"""The errors the log format and the offline verifier raise: the root of truce's tree.

:mod:`truce.errors` re-exports every class here and adds the rest (authentication,
audiences, HTTP limits, remote servers, scenarios), so that it stays the one documented
tree; these live here because :mod:`truce.ledger` and :mod:`truce.verify` import nothing
of truce outside themselves, and the offline verifier (``truce verify``, ``truce receipt
check``) loads only those two packages. See :mod:`truce.errors` for the tree and what
each entry point does with an error's ``status``, ``slug`` and ``exit_code``.
"""

from __future__ import annotations

__all__ = [
    "CanonicalJSONError",
    "ConfigurationError",
    "DigestMismatchError",
    "ImplausibleTimeError",
    "InputError",
    "LogMisbehaviourError",
    "MalformedActError",
    "MalformedCheckpointError",
    "MalformedNoteError",
    "MalformedVerifierKeyError",
    "ProofError",
    "RefusedActError",
    "ReplayError",
    "RoleError",
    "SignatureError",
    "TruceError",
    "UnknownKeyError",
]


class TruceError(Exception):
    """Base of every error truce raises on purpose.

    ``message`` is a complete sentence for a person; ``field`` names the input field at
    fault, when there is one.
    """

    status: int = 500
    slug: str = "error"
    title: str = "Error"
    exit_code: int = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InputError(TruceError):
    """The input cannot be understood: bad JSON, a wrong type, a value out of range."""

    status = 400
    slug = "invalid-input"
    title = "Invalid input"
    exit_code = 2


class CanonicalJSONError(InputError):
    """A value that RFC 8785 cannot serialise (NaN, infinities, lone surrogates, big ints)."""

    slug = "not-canonical-json"
    title = "Not representable as canonical JSON"


class MalformedActError(InputError):
    """An act envelope or body that does not have the shape of log format version 1."""

    slug = "malformed-act"
    title = "Malformed act"


class ImplausibleTimeError(InputError):
    """A timestamp that is impossible (30 February) or implausible (far future or past)."""

    slug = "implausible-time"
    title = "Implausible time"


class MalformedNoteError(InputError):
    """Text that breaks a rule of the C2SP signed-note format (c2sp.org/signed-note)."""

    slug = "malformed-note"
    title = "Malformed signed note"


class MalformedVerifierKeyError(InputError):
    """A verifier key that is not ``<name>+<hex key ID>+<base64(type || public key)>``."""

    slug = "malformed-verifier-key"
    title = "Malformed verifier key"


class MalformedCheckpointError(InputError):
    """A note text that is not a C2SP checkpoint body (c2sp.org/tlog-checkpoint)."""

    slug = "malformed-checkpoint"
    title = "Malformed checkpoint"


class RefusedActError(TruceError):
    """A well-formed act that the ledger refuses to record. Nothing is written."""

    status = 422
    slug = "act-refused"
    title = "Act refused"
    exit_code = 4


class SignatureError(RefusedActError):
    """The Ed25519 signature does not verify over the canonical envelope."""

    slug = "bad-signature"
    title = "Signature does not verify"


class UnknownKeyError(RefusedActError):
    """The signing key is not (or no longer) registered to the act's author."""

    slug = "unknown-key"
    title = "Key not registered to the author"


class RoleError(RefusedActError):
    """The author's role does not permit this kind of act."""

    slug = "role-not-permitted"
    title = "Role not permitted"


class DigestMismatchError(RefusedActError):
    """The body's canonical SHA-256 digest differs from the envelope's ``body_digest``."""

    slug = "digest-mismatch"
    title = "Body does not match its digest"


class ReplayError(RefusedActError):
    """The very same signed act is already in the log."""

    status = 409
    slug = "replayed-act"
    title = "Act already logged"


class ProofError(TruceError):
    """A Merkle inclusion or consistency proof, or a root, that does not verify."""

    status = 422
    slug = "proof-failed"
    title = "Proof does not verify"
    exit_code = 5


class LogMisbehaviourError(ProofError):
    """The log was caught misbehaving: a rollback, a fork, a split view, a wrong genesis.

    A witness or a mirror that raises it refuses to go on and keeps the signed evidence.
    """

    slug = "log-misbehaviour"
    title = "The log misbehaved"


class ConfigurationError(TruceError):
    """The deployment is misconfigured: missing keys, an uninitialised database."""

    status = 500
    slug = "configuration"
    title = "Configuration error"
    exit_code = 6
