"""Webhooks as the Standard Webhooks specification has them (www.standardwebhooks.com).

Every delivery is a ``POST`` of a thin JSON payload (:func:`payload`: the act's kind,
the case's number, its log index and leaf hash, a link; never the act's body) with the
headers ``webhook-id`` (the notification's id, the same on every retry, for receivers to
deduplicate by), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``: a space
separated list of ``v1a,<base64 Ed25519 signature>`` by the mechanism's notification key
(published as ``whpk_<base64 public key>`` at ``GET /api/v1/notifications/key``) and,
where the member registered its own ``whsec_`` secret, ``v1,<base64 HMAC-SHA256>``. Both
sign the bytes ``{webhook-id}.{webhook-timestamp}.{body}``.

An endpoint on a private, loopback or link-local address is refused unless the operator
allows it (``TRUCE_NOTIFY_ALLOW_PRIVATE_ADDRESSES``), when it is registered and again
at each delivery (a name may resolve elsewhere later). At delivery the name is resolved
once, every address it gives is checked, and the connection goes to exactly the first
address checked (the URL's host replaced by it, with the original ``Host`` header and
TLS server name, so the certificate is still checked against the name): a name that
resolves to a public address when checked and to a private one a moment later (DNS
rebinding) cannot lead a delivery to the private one. Connections are not kept alive,
so one made for one name is never reused for another on the same address.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from truce.errors import InputError
from truce.ledger.keys import SigningKey
from truce.notify.delivery import Message, Outcome

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
PUBLIC_KEY_PREFIX = "whpk_"
#: The longest wait a ``Retry-After`` may ask for (the schedule's longest step).
LONGEST_RETRY_AFTER = timedelta(hours=24)
#: Resolves a host name and port to its IP addresses (text), as the system does.
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system's resolver gives ``host`` (OSError when none)."""
    found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [str(sockaddr[0]).split("%", 1)[0] for *_, sockaddr in found]


def public_key_text(key: SigningKey) -> str:
    """The notification key's public key as Standard Webhooks writes one: ``whpk_`` and
    the 32 raw bytes in standard base64."""
    raw = key.public_key.raw
    return PUBLIC_KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def check_secret(secret: str) -> str:
    """``secret`` if it is a ``whsec_`` secret of 24 to 64 random bytes, else InputError."""
    if not secret.startswith(SECRET_PREFIX):
        raise InputError("a webhook secret starts with whsec_", field="secret")
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("a webhook secret is whsec_ and base64", field="secret") from exc
    if not 24 <= len(raw) <= 64:
        raise InputError("a webhook secret holds 24 to 64 bytes", field="secret")
    return secret


def check_url(url: str, allow_private: bool, resolver: Resolver = system_resolver) -> str:
    """``url`` if it is an ``https`` (or ``http``) URL whose host resolves only to public
    addresses (any address, with ``allow_private``); InputError otherwise."""
    _parts(url)
    if not allow_private:
        checked_addresses(url, allow_private, resolver)
    return url


def _parts(url: str) -> Any:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InputError("an endpoint is an absolute https:// or http:// URL", field="url")
    if len(url) > 2000 or any(ch.isspace() for ch in url):
        raise InputError("an endpoint's URL is at most 2000 characters, no spaces", field="url")
    return parts


def checked_addresses(
    url: str, allow_private: bool, resolver: Resolver = system_resolver
) -> list[str]:
    """The addresses ``url``'s host resolves to, once, each checked to be public (any,
    with ``allow_private``); InputError when it does not resolve or one is not."""
    parts = _parts(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = resolver(parts.hostname, port)
    except OSError as exc:
        raise InputError(f"{parts.hostname} does not resolve: {exc}", field="url") from exc
    if not found:
        raise InputError(f"{parts.hostname} does not resolve", field="url")
    for text in found:
        address = ipaddress.ip_address(text)
        if not allow_private and not address.is_global:
            raise InputError(
                f"{parts.hostname} resolves to {address}, a private or loopback address",
                field="url",
            )
    return found


def pinned(url: str, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """The request to ``url`` sent to ``address`` itself: the URL with its host
    replaced by the address, the ``Host`` header of the original, and the TLS server
    name (SNI, and the name the certificate is checked against) of the original."""
    original = httpx.URL(url)
    target = original.copy_with(host=address)
    headers = {"host": original.netloc.decode("ascii")}
    extensions: dict[str, Any] = {}
    if original.scheme == "https":
        extensions["sni_hostname"] = original.host
    return target, headers, extensions


def payload(message: Message) -> bytes:
    """The JSON body of a webhook (compact, keys sorted): thin, with no body of the act."""
    return json.dumps(
        {
            "type": message.kind,
            "timestamp": _rfc3339(message.created_at),
            "data": {
                "kind": message.kind,
                "reason": message.reason,
                "subject": message.subject,
                "subject_index": message.subject_idx,
                "case": message.number,
                "log_index": message.act_idx,
                "leaf_hash": message.leaf_hash,
                "link": message.link,
                "deadline": _rfc3339(message.due_at) if message.due_at else None,
            },
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def signature(key: SigningKey, secret: str | None, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: ``v1a`` always, ``v1`` with a member's secret."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    parts = ["v1a," + base64.b64encode(key.sign(signed)).decode("ascii")]
    if secret:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :])
        mac = hmac.new(raw, signed, hashlib.sha256).digest()
        parts.append("v1," + base64.b64encode(mac).decode("ascii"))
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a member's webhooks go."""

    id: int
    member: str
    url: str
    secret: str | None


class WebhookChannel:
    """Posts signed webhooks; one :class:`Outcome` per attempt."""

    def __init__(
        self,
        key: SigningKey,
        endpoint: Any,
        *,
        allow_private: bool = False,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.key = key
        #: A function from an endpoint id (text) to its :class:`Endpoint` (None: removed).
        self.endpoint = endpoint
        self.allow_private = allow_private
        self.resolver = resolver
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def send(self, message: Message, target: str, now: datetime) -> Outcome:
        """POST ``message`` to the endpoint ``target`` (its id) and judge the answer."""
        endpoint: Endpoint | None = self.endpoint(target)
        if endpoint is None:
            return Outcome(disable=True, detail="the endpoint was removed")
        return self.post(endpoint, message.id, payload(message), now)

    def post(self, endpoint: Endpoint, msg_id: str, body: bytes, now: datetime) -> Outcome:
        """One signed POST of ``body`` with id ``msg_id`` at ``now``."""
        try:
            addresses = checked_addresses(endpoint.url, self.allow_private, self.resolver)
        except InputError as exc:
            return Outcome(final=True, detail=str(exc))
        url, host, extensions = pinned(endpoint.url, addresses[0])
        timestamp = int(now.timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": "truce-webhooks",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(self.key, endpoint.secret, msg_id, timestamp, body),
        }
        try:
            response = self.client.post(
                url, content=body, headers=headers | host, extensions=extensions
            )
        except httpx.HTTPError as exc:
            return Outcome(detail=f"{type(exc).__name__}: {exc}"[:500])
        code = response.status_code
        if 200 <= code < 300:
            return Outcome(delivered=True, status_code=code, detail=f"HTTP {code}")
        if code == 410:
            return Outcome(disable=True, status_code=code, detail="HTTP 410 Gone: disabled")
        wait = retry_after(response.headers.get("retry-after"), now) if code in (429, 503) else None
        return Outcome(status_code=code, retry_after=wait, detail=f"HTTP {code}")

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds, or an HTTP date) as a wait from ``now``, at most
    :data:`LONGEST_RETRY_AFTER`; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(0), min(wait, LONGEST_RETRY_AFTER))
