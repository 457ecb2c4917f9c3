"""Ed25519 keys (RFC 8032) for delegates, members and the secretariat.

A public key is written as the unpadded base64url of its 32 raw bytes, as in the JWK
``x`` member of RFC 8037. A key's id is its RFC 7638 JWK thumbprint: SHA-256 over the
canonical JWK ``{"crv":"Ed25519","kty":"OKP","x":...}``, unpadded base64url. Any JOSE
library computes the same id from the same key, so ids need no registry to agree on.

A key file holds one delegate's private key with who it signs for. It is JSON, written
with mode 0600; a key file that others can read is refused, as ``ssh`` does.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from nacl.bindings import crypto_sign_open as _sodium_open_checked
from nacl.exceptions import BadSignatureError

try:  # libsodium itself, as PyNaCl loads it: PyNaCl's wrapper costs ~5 % of a verification
    _sodium: Any = importlib.import_module("nacl._sodium")
    _ffi, _lib = _sodium.ffi, _sodium.lib
except ImportError:  # pragma: no cover - a PyNaCl without its cffi module
    _ffi = _lib = None

from truce.ledger.errors import ConfigurationError, InputError

KEY_FILE_KIND = "truce-ed25519-key"

_KEY_SIZE = 32
_SIGNATURE_SIZE = 64

# edwards25519 (RFC 8032 §5.1): field prime, curve constant d, and sqrt(-1).
_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 4648 §5), as JOSE uses it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded (or padded) base64url; raise :class:`InputError` on bad input."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise InputError(f"not valid base64url: {text[:40]!r}") from exc


def _decode_point(raw: bytes) -> tuple[int, int] | None:
    """Decode a 32-byte point as RFC 8032 §5.1.3 does; None if it is not on the curve."""
    y = int.from_bytes(raw, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= _P:
        return None
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if (v * x * x - u) % _P != 0:
        if (v * x * x + u) % _P != 0:
            return None
        x = x * _SQRT_M1 % _P
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y


def _add_points(p: tuple[int, int], q: tuple[int, int]) -> tuple[int, int]:
    """The complete affine addition law of edwards25519 (a = -1)."""
    (x1, y1), (x2, y2) = p, q
    t = _D * x1 * x2 * y1 * y2 % _P
    return (
        (x1 * y2 + y1 * x2) * pow(1 + t, -1, _P) % _P,
        (y1 * y2 + x1 * x2) * pow(1 - t, -1, _P) % _P,
    )


def check_public_key(raw: bytes) -> None:
    """Refuse bytes that are not a usable Ed25519 public key.

    ``cryptography`` accepts any 32 bytes. A key must also decode to a curve point
    (RFC 8032 §5.1.3) that is not of small order: with a small-order key, signatures
    that nobody made would verify. Raises :class:`InputError`.
    """
    if len(raw) != 32:
        raise InputError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    point = _decode_point(raw)
    if point is None:
        raise InputError("not an Ed25519 public key (not a point on the curve)")
    multiple = point
    for _ in range(3):
        multiple = _add_points(multiple, multiple)
    if multiple == (0, 1):
        raise InputError("a weak Ed25519 public key (a point of small order)")


def verify_raw(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Ed25519 verification of ``signature`` over ``message`` by a raw 32-byte key: the
    one acceptance rule of truce.

    Every verifier (admission, the witness, checkpoints and cosignatures, ``truce
    verify``) calls this function, so a signature one accepts is a signature all accept.
    It is libsodium's ``crypto_sign_open`` (through PyNaCl), the fastest well-kept
    verifier on the machine and the strictest of the common ones: RFC 8032's cofactorless
    equation, and it refuses a scalar ``S`` not below the group order, a public key or an
    ``R`` of small order, and non-canonical encodings of either (the test vectors of
    "Taming the Many EdDSAs", Chalkias, Garillot and Nikolaenko, 2020: it accepts vector 3
    only; ``tests/unit/ledger/test_ed25519_speccheck.py``). pyca/cryptography alone would
    also accept vectors 0, 1, 2 and 11 (small-order keys and ``R``, a non-canonical key).
    """
    if len(signature) != _SIGNATURE_SIZE:
        return False
    return verify_signed(public_key, signature + message)


def verify_signed(public_key: bytes, signed: bytes) -> bool:
    """:func:`verify_raw` of a signature already followed by its message
    (``signature || message``, RFC 8032 §5.1.6's ``R || S`` then ``M``), the form
    libsodium takes: the offline verifier builds it in one step.

    libsodium's ``crypto_sign_open`` is called directly, with no output buffer (it then
    only verifies), and releases the GIL while it runs.
    """
    if len(public_key) != _KEY_SIZE or len(signed) < _SIGNATURE_SIZE:
        return False
    if _lib is not None:
        null = _ffi.NULL
        return bool(_lib.crypto_sign_open(null, null, signed, len(signed), public_key) == 0)
    try:  # pragma: no cover - see the import of nacl._sodium
        _sodium_open_checked(signed, public_key)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def verify_all(public_keys: Sequence[bytes], signed: Sequence[bytes]) -> list[bool]:
    """:func:`verify_signed` of each pair of a key and a signed message, in order.

    One tight loop, so that libsodium's code and tables stay in the processor's caches
    between verifications: a batch verified this way costs measurably less than the same
    verifications interleaved with other work.
    """
    if len(public_keys) != len(signed):
        raise ValueError("as many keys as signed messages are needed")
    if _lib is None:  # pragma: no cover - see the import of nacl._sodium
        return [
            verify_signed(key, message) for key, message in zip(public_keys, signed, strict=True)
        ]
    sodium_open, null = _lib.crypto_sign_open, _ffi.NULL
    return [
        len(key) == _KEY_SIZE
        and len(message) >= _SIGNATURE_SIZE
        and sodium_open(null, null, message, len(message), key) == 0
        for key, message in zip(public_keys, signed, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key with its RFC 7638 thumbprint as id."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise InputError(f"an Ed25519 public key has 32 bytes, not {len(self.raw)}")

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """Read the unpadded base64url form of a key already checked (stored keys)."""
        return cls(b64url_decode(text))

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        """Parse and fully check a key from outside: a scenario or a ``member.key`` act.

        The text must be the canonical 43-character unpadded base64url form and the key
        must pass :func:`check_public_key`.
        """
        if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]{43}", text):
            raise InputError("a public key is 43 characters of unpadded base64url (32 raw bytes)")
        raw = b64url_decode(text)
        if b64url_encode(raw) != text:
            raise InputError("is not canonical base64url (its last character has stray bits)")
        check_public_key(raw)
        return cls(raw)

    @property
    def text(self) -> str:
        """The unpadded base64url form."""
        return b64url_encode(self.raw)

    @property
    def key_id(self) -> str:
        """RFC 7638 thumbprint of the RFC 8037 OKP JWK of this key."""
        jwk = json.dumps(
            {"crv": "Ed25519", "kty": "OKP", "x": self.text},
            separators=(",", ":"),
            sort_keys=True,
        )
        return b64url_encode(hashlib.sha256(jwk.encode("ascii")).digest())

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` is a valid Ed25519 signature of ``message``."""
        return verify_raw(self.raw, signature, message)


class SigningKey:
    """An Ed25519 private key. Never leaves the delegate's machine."""

    __slots__ = ("_key", "public_key")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key = PublicKey(raw)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh random key from the operating system's CSPRNG."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """The key whose RFC 8032 private seed is these 32 bytes."""
        if len(seed) != 32:
            raise InputError(f"an Ed25519 seed has 32 bytes, not {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def seed(self) -> bytes:
        """The 32-byte private seed (for writing key files only)."""
        return self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    @property
    def key_id(self) -> str:
        """The RFC 7638 thumbprint of the public key."""
        return self.public_key.key_id

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._key.sign(message)


def demo_signing_key(insecure_seed: str, code: str) -> SigningKey:
    """The demo key of ``code``, derived from a scenario's public demo seed.

    Anyone who reads the scenario can derive it: it exists so that a demo mechanism can
    be recreated with keys that match the public keys committed in its scenario. A real
    deployment generates every key with ``truce keygen`` instead.
    """
    material = f"truce-demo-key:{insecure_seed}:{code}".encode()
    return SigningKey.from_seed(hashlib.sha256(material).digest())


@dataclass(frozen=True, slots=True)
class KeyFile:
    """A delegate's key with the identity it signs for."""

    member: str
    delegate: str
    role: str
    key: SigningKey

    def to_json(self) -> str:
        """The JSON text written to disk."""
        return json.dumps(
            {
                "kind": KEY_FILE_KIND,
                "member": self.member,
                "delegate": self.delegate,
                "role": self.role,
                "key_id": self.key.key_id,
                "public_key": self.key.public_key.text,
                "private_key": b64url_encode(self.key.seed),
            },
            indent=2,
        )

    def save(self, path: Path) -> None:
        """Write the file with mode 0600, creating it exclusively (never overwrite a key)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.to_json() + "\n")

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read a key file; refuse one that group or others may read."""
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read key file {path}: {exc.strerror}") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError(
                f"key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); "
                "run chmod 600 on it"
            )
        try:
            data = json.loads(text)
            if data.get("kind") != KEY_FILE_KIND:
                raise ValueError("not a truce key file")
            key = SigningKey.from_seed(b64url_decode(data["private_key"]))
            if data.get("public_key") not in (None, key.public_key.text):
                raise ValueError("its public key does not match its private key")
            return cls(
                member=str(data["member"]),
                delegate=str(data["delegate"]),
                role=str(data["role"]),
                key=key,
            )
        except (ValueError, KeyError, TypeError, InputError) as exc:
            raise ConfigurationError(f"key file {path} is not valid: {exc}") from exc
