"""The one error tree of truce.

Every refusal in truce is a :class:`TruceError`. Each class carries what the three entry
points need to report it without a traceback:

- the API turns it into an RFC 9457 ``application/problem+json`` response, using
  :attr:`TruceError.status`, :attr:`TruceError.slug` (the problem ``type`` is
  ``https://truce.example/problems/<slug>``) and :attr:`TruceError.title`;
- the CLI prints ``error: <message>`` on one line and exits with :attr:`TruceError.exit_code`;
- the web shows the message next to the field named by :attr:`TruceError.field`.

The tree::

    TruceError
    ├── InputError                    400  the input cannot be understood
    │   ├── CanonicalJSONError             not representable as RFC 8785 canonical JSON
    │   ├── MalformedActError              an envelope or body of the wrong shape
    │   ├── FetchError                     a feed or article page that could not be fetched
    │   ├── ImplausibleTimeError           an impossible or implausible timestamp
    │   ├── ScenarioError                  a scenario file with problems (all listed)
    │   ├── MalformedNoteError             not a C2SP signed note
    │   ├── MalformedVerifierKeyError      not a C2SP signed-note verifier key
    │   └── MalformedCheckpointError       not a C2SP tlog-checkpoint body
    ├── AuthenticationError           401  no or bad credentials
    ├── RefusedActError               422  a well-formed act the ledger will not record
    │   ├── SignatureError                 the signature does not verify
    │   ├── UnknownKeyError                the key is not registered to the author
    │   ├── RoleError                      the author's role may not perform this act
    │   ├── DigestMismatchError            the body does not match ``body_digest``
    │   └── ReplayError                    the act is already in the log
    ├── ForbiddenError                403  the reader is outside the audience
    │   └── NotPermittedError              the caller's role may not do this
    ├── NotFoundError                 404  no such entry, body or tree size
    ├── ConflictError                 409  it already exists (an account)
    ├── PayloadTooLargeError          413  the upload exceeds the configured limit
    ├── ProofError                    422  a Merkle proof or root that does not verify
    ├── ReadOnlyError                 405  a write sent to a read-only mirror
    │   └── LogMisbehaviourError           a rollback, fork or split view, with evidence
    ├── RemoteError                   502  another server failed (mirror, client)
    │   └── RemoteRefusalError             it refused the request, saying why
    └── ConfigurationError            500  the deployment itself is misconfigured
"""

from __future__ import annotations


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


class FetchError(InputError):
    """A feed or page that could not be fetched (network, HTTP status, content)."""

    slug = "fetch-failed"
    title = "Fetch failed"


class ImplausibleTimeError(InputError):
    """A timestamp that is impossible (30 February) or implausible (far future or past)."""

    slug = "implausible-time"
    title = "Implausible time"


class ScenarioError(InputError):
    """A scenario file with problems; ``problems`` lists each with its line."""

    slug = "invalid-scenario"
    title = "Invalid scenario"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


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


class AuthenticationError(TruceError):
    """No credentials, or credentials that match no delegate."""

    status = 401
    slug = "unauthenticated"
    title = "Authentication required"
    exit_code = 3


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


class ForbiddenError(TruceError):
    """The reader is authenticated but outside the audience of what it asked for."""

    status = 403
    slug = "forbidden"
    title = "Outside the audience"
    exit_code = 3


class NotPermittedError(ForbiddenError):
    """The caller is authenticated, but its role may not do this (administer accounts)."""

    slug = "not-permitted"
    title = "Not permitted"


class NotFoundError(TruceError):
    """No such entry, body, or tree size."""

    status = 404
    slug = "not-found"
    title = "Not found"
    exit_code = 2


class ConflictError(TruceError):
    """What the request would create already exists (a second account for a delegate)."""

    status = 409
    slug = "conflict"
    title = "Already exists"
    exit_code = 2


class PayloadTooLargeError(TruceError):
    """The request or upload is larger than the configured limit."""

    status = 413
    slug = "payload-too-large"
    title = "Payload too large"
    exit_code = 2


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


class RemoteError(TruceError):
    """Another truce server could not be reached, failed, or answered something unreadable."""

    status = 502
    slug = "remote"
    title = "The server failed"
    exit_code = 7


class RemoteRefusalError(RemoteError):
    """Another truce server refused a request; its problem's detail says why."""

    slug = "remote-refusal"
    title = "The server refused"
    exit_code = 4


class ConfigurationError(TruceError):
    """The deployment is misconfigured: missing keys, an uninitialised database."""

    status = 500
    slug = "configuration"
    title = "Configuration error"
    exit_code = 6


class ReadOnlyError(TruceError):
    """A write sent to a read-only mirror (``TRUCE_READ_ONLY``): it records nothing.

    405, not 503: the refusal is a lasting property of this deployment, not a passing
    outage, so a client must not retry here but submit to the secretariat's server.
    RFC 9110 §15.5.6 and §10.2.1 allow a 405 with an empty ``Allow`` for a resource
    disabled by configuration; 503 would invite retries that can never succeed.
    """

    status = 405
    slug = "read-only"
    title = "Read-only mirror"
    exit_code = 4
