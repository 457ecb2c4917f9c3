"""The act envelope of log format version 1.

An act is one statement signed by a delegate. Its envelope is a JSON object::

    {"v": 1, "kind": "case.lodge", "mechanism": "istanbul-2025",
     "author": {"member": "PK", "delegate": "pk-officer", "key": "<RFC 7638 thumbprint>"},
     "at": "2025-10-12T08:00:00Z", "refs": ["<hex leaf hash>", ...],
     "audience": "all" | "mediators" | "public" | ["PK", "TR", "QA"],
     "body_digest": "sha256:<hex of the RFC 8785 bytes of the body>",
     "sig": "<unpadded base64url Ed25519 signature>"}

``sig`` is an Ed25519 signature (RFC 8032) over the RFC 8785 canonical bytes of the
envelope without ``sig``. The log leaf is the RFC 8785 bytes of the whole signed
envelope, so the log commits to the body only through its digest: bodies travel beside
the log and are disclosed to the act's audience alone, yet anyone holding a body can
check it against the logged digest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from truce.ledger import jcs
from truce.ledger.errors import DigestMismatchError, ImplausibleTimeError, MalformedActError
from truce.ledger.keys import PublicKey, SigningKey, b64url_decode, b64url_encode
from truce.ledger.merkle import hash_leaf

_T = TypeVar("_T")
VERSION = 1
ENVELOPE_KEYS = frozenset(
    {"v", "kind", "mechanism", "author", "at", "refs", "audience", "body_digest", "sig"}
)
AUTHOR_KEYS = frozenset({"member", "delegate", "key"})
Audience = Literal["all", "mediators", "public"] | tuple[str, ...]

_KIND = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
_CODE = re.compile(r"^[A-Z]{2,4}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SIG = re.compile(r"^[A-Za-z0-9_-]{86}$")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_LEAF_HASH = re.compile(r"^[0-9a-f]{64}$")
_RFC3339_UTC = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$")


def _canonical_envelope(envelope: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of an envelope that :meth:`Envelope.from_dict` accepted.

    Every value of such an envelope is an ASCII string matched by a pattern, a list of
    them, or the integer 1, and every key is ASCII: for these, sorted keys, no spaces and
    the standard string escapes are exactly RFC 8785, so the general canonicaliser's
    checks for floats and non-BMP keys can be skipped on this hot path.
    """
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_time(text: object, *, field: str = "at") -> datetime:
    """Parse an RFC 3339 UTC timestamp (``Z`` suffix, at most microseconds).

    Raises :class:`ImplausibleTimeError` for a date that cannot exist (30 February,
    hour 24) and :class:`MalformedActError` for anything not of that form.
    """
    if not isinstance(text, str) or not (match := _RFC3339_UTC.match(text)):
        raise MalformedActError(
            f"{field} must be an RFC 3339 UTC time like 2025-10-12T08:00:00Z, not {text!r}",
            field=field,
        )
    year, month, day, hour, minute, second, frac = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((frac or "0").ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise ImplausibleTimeError(
            f"{field} {text} is not a real time: {exc}", field=field
        ) from exc


def format_time(moment: datetime) -> str:
    """The RFC 3339 UTC form used in envelopes, to the second when that is exact."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _audience(value: object) -> Audience:
    if value == "all" or value == "mediators" or value == "public":
        return value
    if (
        isinstance(value, list)
        and value
        and all(isinstance(code, str) and _CODE.match(code) for code in value)
        and len(set(value)) == len(value)
    ):
        return tuple(value)
    raise MalformedActError(
        'audience must be "all", "mediators", "public" or a non-empty list of distinct '
        "member codes",
        field="audience",
    )


def _text(value: object, pattern: re.Pattern[str], field: str, what: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise MalformedActError(f"{field} must be {what}, not {value!r}", field=field)
    return value


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed, well-formed act envelope (signature not yet checked)."""

    kind: str
    mechanism: str
    member: str
    delegate: str
    key_id: str
    at: str
    refs: tuple[str, ...]
    audience: Audience
    body_digest: str
    sig: str
    _cache: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def from_dict(cls, data: object) -> Envelope:
        """Check the shape of a version 1 envelope; raise :class:`MalformedActError`."""
        if not isinstance(data, Mapping):
            raise MalformedActError("an act envelope must be a JSON object", field="envelope")
        keys = set(data)
        if missing := ENVELOPE_KEYS - keys:
            raise MalformedActError(
                f"the envelope lacks {', '.join(sorted(missing))}", field=sorted(missing)[0]
            )
        if extra := keys - ENVELOPE_KEYS:
            raise MalformedActError(
                f"the envelope has unknown fields {', '.join(sorted(extra))}",
                field=sorted(extra)[0],
            )
        if type(data["v"]) is not int or data["v"] != VERSION:
            raise MalformedActError(f"v must be {VERSION}, not {data['v']!r}", field="v")
        author = data["author"]
        if not isinstance(author, Mapping) or set(author) != AUTHOR_KEYS:
            raise MalformedActError(
                "author must be an object with exactly member, delegate and key",
                field="author",
            )
        refs = data["refs"]
        if not isinstance(refs, list) or len(refs) > 64:
            raise MalformedActError("refs must be a list of at most 64 leaf hashes", field="refs")
        for ref in refs:
            _text(ref, _LEAF_HASH, "refs", "a lowercase hex SHA-256 leaf hash")
        sig = data["sig"]
        # One signature, one spelling: a lenient decoder would let the same signature be
        # re-encoded (padding, stray bits) into a new leaf that escapes replay detection.
        if (
            not isinstance(sig, str)
            or not _SIG.match(sig)
            or b64url_encode(b64url_decode(sig)) != sig
        ):
            raise MalformedActError(
                "sig must be the 86-character unpadded base64url of an Ed25519 signature",
                field="sig",
            )
        at = data["at"]
        parse_time(at)
        return cls(
            kind=_text(data["kind"], _KIND, "kind", "a dotted act kind like case.lodge"),
            mechanism=_text(data["mechanism"], _NAME, "mechanism", "a mechanism id"),
            member=_text(author["member"], _CODE, "author.member", "a member code"),
            delegate=_text(author["delegate"], _NAME, "author.delegate", "a delegate id"),
            key_id=_text(author["key"], _KEY_ID, "author.key", "an RFC 7638 key thumbprint"),
            at=at,
            refs=tuple(refs),
            audience=_audience(data["audience"]),
            body_digest=_text(
                data["body_digest"], _DIGEST, "body_digest", "sha256: and 64 hex digits"
            ),
            sig=sig,
        )

    def unsigned_dict(self) -> dict[str, Any]:
        """The envelope without ``sig``: what the signature covers."""
        return {
            "v": VERSION,
            "kind": self.kind,
            "mechanism": self.mechanism,
            "author": {"member": self.member, "delegate": self.delegate, "key": self.key_id},
            "at": self.at,
            "refs": list(self.refs),
            "audience": self.audience if isinstance(self.audience, str) else list(self.audience),
            "body_digest": self.body_digest,
        }

    def to_dict(self) -> dict[str, Any]:
        """The signed envelope as a JSON object."""
        signed = self.unsigned_dict()
        signed["sig"] = self.sig
        return signed

    def _memo(self, name: str, make: Callable[[], _T]) -> _T:
        """The value of ``make()``, computed once per envelope (envelopes are immutable)."""
        if name not in self._cache:
            self._cache[name] = make()
        value: _T = self._cache[name]
        return value

    def signing_bytes(self) -> bytes:
        """RFC 8785 bytes of the envelope without ``sig``."""
        return self._memo("signing", lambda: _canonical_envelope(self.unsigned_dict()))

    def leaf_bytes(self) -> bytes:
        """RFC 8785 bytes of the signed envelope: the log leaf."""
        return self._memo("leaf", lambda: _canonical_envelope(self.to_dict()))

    def leaf_hash(self) -> bytes:
        """RFC 6962 leaf hash of :meth:`leaf_bytes`."""
        return self._memo("hash", lambda: hash_leaf(self.leaf_bytes()))

    @property
    def time(self) -> datetime:
        """``at`` as an aware UTC datetime."""
        return self._memo("time", lambda: parse_time(self.at))

    def verify_signature(self, key: PublicKey) -> bool:
        """True when ``sig`` is ``key``'s Ed25519 signature of :meth:`signing_bytes`.

        The answer is kept with the envelope: asked again for the same key, it is not
        computed again (see :meth:`verified_by`).
        """
        return self._memo(
            f"verified:{key.text}",
            lambda: key.verify(b64url_decode(self.sig), self.signing_bytes()),
        )

    def verified_by(self, key: PublicKey) -> bool | None:
        """What :meth:`verify_signature` answered for ``key``; None if it was not asked."""
        found: bool | None = self._cache.get(f"verified:{key.text}")
        return found

    def check_body(self, body: object) -> bytes:
        """Return the body's RFC 8785 bytes if they match ``body_digest``; raise otherwise."""
        canonical = jcs.canonicalize(body)
        if jcs.digest_bytes(canonical) != self.body_digest:
            raise DigestMismatchError(
                f"the body's digest {jcs.digest_bytes(canonical)} differs from the "
                f"envelope's body_digest {self.body_digest}",
                field="body",
            )
        return canonical


def stored_audience(value: object) -> Audience:
    """An audience as stored in JSON (a string or a list) back in envelope form."""
    return _audience(value)


def audience_includes(
    audience: Audience, author_member: str, reader_member: str, reader_is_mediator: bool
) -> bool:
    """Whether a reader of ``reader_member`` may see a body addressed to ``audience``.

    The author's own member always may; ``mediators`` adds every mediator; a list adds
    the listed members; ``all`` is every member of the mechanism, and so is ``public``,
    which the public record also shows to anyone (where the scenario's publication
    policy lets the act's kind be addressed to the public).
    """
    if audience == "all" or audience == "public" or reader_member == author_member:
        return True
    if audience == "mediators":
        return reader_is_mediator
    return reader_member in audience


@dataclass(frozen=True, slots=True)
class SignedAct:
    """A signed envelope with the body it commits to."""

    envelope: Envelope
    body: Any

    def to_dict(self) -> dict[str, Any]:
        """The JSON form posted to ``/log/v1/acts``."""
        return {"envelope": self.envelope.to_dict(), "body": self.body}


def sign_act(
    *,
    kind: str,
    mechanism: str,
    member: str,
    delegate: str,
    key: SigningKey,
    body: Any,
    at: datetime | str,
    refs: Sequence[str] = (),
    audience: Literal["all", "mediators", "public"] | Sequence[str] = "all",
) -> SignedAct:
    """Build and sign an act; the body is canonicalised to compute its digest."""
    unsigned = {
        "v": VERSION,
        "kind": kind,
        "mechanism": mechanism,
        "author": {"member": member, "delegate": delegate, "key": key.key_id},
        "at": at if isinstance(at, str) else format_time(at),
        "refs": list(refs),
        "audience": audience if isinstance(audience, str) else sorted(audience),
        "body_digest": jcs.sha256_digest(body),
    }
    signature = key.sign(jcs.canonicalize(unsigned))
    envelope = Envelope.from_dict({**unsigned, "sig": b64url_encode(signature)})
    return SignedAct(envelope=envelope, body=body)
