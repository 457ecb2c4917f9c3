"""The one error tree of truce.

Every refusal in truce is a :class:`TruceError`. Each class carries what the three entry
points need to report it without a traceback:

- the API turns it into an RFC 9457 ``application/problem+json`` response, using
  :attr:`TruceError.status`, :attr:`TruceError.slug` (the problem ``type`` is
  ``https://truce.example/problems/<slug>``) and :attr:`TruceError.title`;
- the CLI prints ``error: <message>`` on one line and exits with :attr:`TruceError.exit_code`;
- the web shows the message next to the field named by :attr:`TruceError.field`.

The tree (``*``: defined in :mod:`truce.ledger.errors`, re-exported here, because the
log format and the offline verifier raise it and import nothing of truce outside
:mod:`truce.ledger` and :mod:`truce.verify`)::

    TruceError *
    ├── InputError *                  400  the input cannot be understood
    │   ├── CanonicalJSONError *           not representable as RFC 8785 canonical JSON
    │   ├── MalformedActError *            an envelope or body of the wrong shape
    │   ├── FetchError                     a feed or article page that could not be fetched
    │   ├── ReportFileError                not a report's PDF, or one without its data
    │   ├── ImplausibleTimeError *         an impossible or implausible timestamp
    │   ├── ScenarioError                  a scenario file with problems (all listed)
    │   ├── MalformedNoteError *           not a C2SP signed note
    │   ├── MalformedVerifierKeyError *    not a C2SP signed-note verifier key
    │   └── MalformedCheckpointError *     not a C2SP tlog-checkpoint body
    ├── HTTPRequestError              400  a request HTTP itself refuses (not the input)
    ├── AuthenticationError           401  no or bad credentials
    │   └── SessionEndedError              a page's script whose web session has ended
    ├── RefusedActError *             422  a well-formed act the ledger will not record
    │   ├── SignatureError *               the signature does not verify
    │   ├── UnknownKeyError *              the key is not registered to the author
    │   ├── RoleError *                    the author's role may not perform this act
    │   ├── DigestMismatchError *          the body does not match ``body_digest``
    │   └── ReplayError *                  the act is already in the log
    ├── ForbiddenError                403  the reader is outside the audience
    │   ├── NotPermittedError              the caller's role may not do this
    │   └── CsrfError                      a form or script without this session's token
    ├── NotFoundError                 404  no such entry, body or tree size
    ├── ConflictError                 409  it already exists (an account)
    ├── PayloadTooLargeError          413  the upload exceeds the configured limit
    ├── ProofError *                  422  a Merkle proof or root that does not verify
    │   ├── NotPublishedError              a PDF that is not a published report of the log
    │   └── LogMisbehaviourError *         a rollback, fork or split view, with evidence
    ├── MethodNotAllowedError         405  a method the path does not take
    ├── ReadOnlyError                 405  a write sent to a read-only mirror
    ├── RemoteError                   502  another server failed (mirror, client)
    │   └── RemoteRefusalError             it refused the request, saying why
    ├── InternalError                 500  anything unexpected; nothing was recorded
    ├── UnavailableError              503  the database cannot be reached now: retry
    └── ConfigurationError *          500  the deployment itself is misconfigured
"""

from __future__ import annotations

from truce.ledger.errors import (
    CanonicalJSONError,
    ConfigurationError,
    DigestMismatchError,
    ImplausibleTimeError,
    InputError,
    LogMisbehaviourError,
    MalformedActError,
    MalformedCheckpointError,
    MalformedNoteError,
    MalformedVerifierKeyError,
    ProofError,
    RefusedActError,
    ReplayError,
    RoleError,
    SignatureError,
    TruceError,
    UnknownKeyError,
)

__all__ = [
    "AuthenticationError",
    "CanonicalJSONError",
    "ConfigurationError",
    "ConflictError",
    "CsrfError",
    "DigestMismatchError",
    "FetchError",
    "ForbiddenError",
    "HTTPRequestError",
    "ImplausibleTimeError",
    "InputError",
    "InternalError",
    "LogMisbehaviourError",
    "MalformedActError",
    "MalformedCheckpointError",
    "MalformedNoteError",
    "MalformedVerifierKeyError",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotPermittedError",
    "NotPublishedError",
    "PayloadTooLargeError",
    "ProofError",
    "ReadOnlyError",
    "RefusedActError",
    "RemoteError",
    "RemoteRefusalError",
    "ReplayError",
    "ReportFileError",
    "RoleError",
    "ScenarioError",
    "SessionEndedError",
    "SignatureError",
    "TruceError",
    "UnavailableError",
    "UnknownKeyError",
]


class FetchError(InputError):
    """A feed or page that could not be fetched (network, HTTP status, content)."""

    slug = "fetch-failed"
    title = "Fetch failed"


class NotPublishedError(ProofError):
    """A PDF that is not a published report of the log an audit bundle holds (never put
    forward, changed, withdrawn, or still awaiting its approvals)."""

    slug = "not-published"
    title = "Not a published report"


class ReportFileError(InputError):
    """A file that is not a report's PDF, or a PDF without the report's embedded data."""

    slug = "not-a-report"
    title = "Not a report's PDF"


class ScenarioError(InputError):
    """A scenario file with problems; ``problems`` lists each with its line."""

    slug = "invalid-scenario"
    title = "Invalid scenario"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class AuthenticationError(TruceError):
    """No credentials, or credentials that match no delegate."""

    status = 401
    slug = "unauthenticated"
    title = "Authentication required"
    exit_code = 3


class SessionEndedError(AuthenticationError):
    """A page's script sent a request after its web session ended: sign in again."""

    slug = "not-authenticated"
    title = "Not authenticated"


class HTTPRequestError(TruceError):
    """A request refused by HTTP itself rather than for its content (the status says
    which: an unreadable body, a header out of place)."""

    status = 400
    slug = "http-error"
    title = "Bad request"
    exit_code = 2


class MethodNotAllowedError(TruceError):
    """The path exists but does not take this method; ``Allow`` lists those it takes."""

    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"
    exit_code = 2


class InternalError(TruceError):
    """Anything unexpected: the server failed to handle the request; nothing was recorded."""

    status = 500
    slug = "internal-error"
    title = "Internal error"
    exit_code = 1


class UnavailableError(TruceError):
    """The database cannot be reached or used just now; nothing was recorded. Retry
    after the ``Retry-After`` seconds."""

    status = 503
    slug = "unavailable"
    title = "Service unavailable"
    exit_code = 7


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


class CsrfError(ForbiddenError):
    """A form or a page's script without the anti-forgery token of this session (an old
    page, or a request forged by another site): reload the page and send it again."""

    slug = "csrf-failed"
    title = "Form expired or not from this site"


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
