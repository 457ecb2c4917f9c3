"""Receipts: proof, kept by the submitter, that an act is in the log.

A receipt (``GET /log/v1/receipts/{index}``, and the answer to ``POST /log/v1/acts``)
is JSON::

    {"v": 2, "mechanism", "index", "leaf": <base64 leaf bytes>,
     "leaf_hash": <base64 RFC 6962 leaf hash>, "checkpoint": <signed note>,
     "inclusion": {"size", "audit_path": [<base64 node hash>, ...]}}

Every hash is standard padded base64 (RFC 4648 §4), as C2SP tlog-checkpoint writes the
root hash and as the log's proofs carry their nodes. Version 1 receipts, issued before,
wrote ``leaf_hash`` in lowercase hex and are otherwise the same; :func:`read_receipt`
reads both, so a receipt kept from then still checks.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from truce.ledger import merkle
from truce.ledger.checkpoint import Checkpoint, log_verifier, open_checkpoint
from truce.ledger.envelope import Envelope
from truce.ledger.errors import InputError, ProofError
from truce.ledger.keys import PublicKey

__all__ = ["RECEIPT_VERSION", "Receipt", "check_receipt", "read_receipt"]

RECEIPT_VERSION: Final = 2
"""The version of the receipts the log issues: every hash in base64."""

_HEX_HASH: Final = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt read and decoded, not yet checked."""

    version: int
    mechanism: str
    index: int
    leaf: bytes
    leaf_hash: bytes
    checkpoint: bytes
    size: int
    audit_path: tuple[bytes, ...]


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"the receipt's {what} is not a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise InputError(f"the receipt's {what} is not base64") from exc
    return raw


def _hash(value: object, version: int) -> bytes:
    """A leaf hash: hex in version 1, base64 from version 2 on."""
    if version == 1:
        if not isinstance(value, str) or not _HEX_HASH.fullmatch(value):
            raise InputError("a version 1 receipt's leaf_hash is 64 lowercase hex digits")
        return bytes.fromhex(value)
    raw = _b64(value, "leaf_hash")
    if len(raw) != 32:
        raise InputError("the receipt's leaf_hash is not a 32-byte SHA-256 hash")
    return raw


def _integer(value: object, what: str) -> int:
    if type(value) is not int or value < 0:
        raise InputError(f"the receipt's {what} is not a non-negative integer")
    return value


def read_receipt(data: object) -> Receipt:
    """Read a receipt of version 1 or 2; raise :class:`InputError` when it is not one."""
    if not isinstance(data, Mapping):
        raise InputError("a receipt is a JSON object")
    version = data.get("v")
    if version not in (1, RECEIPT_VERSION) or type(version) is not int:
        raise InputError(f"receipt version {version!r} is not one this verifier reads (1, 2)")
    mechanism = data.get("mechanism")
    checkpoint = data.get("checkpoint")
    inclusion: Any = data.get("inclusion")
    if not isinstance(mechanism, str) or not isinstance(checkpoint, str):
        raise InputError("a receipt names its mechanism and carries its checkpoint as text")
    if not isinstance(inclusion, Mapping) or not isinstance(inclusion.get("audit_path"), list):
        raise InputError("a receipt carries an inclusion proof with an audit_path")
    return Receipt(
        version=version,
        mechanism=mechanism,
        index=_integer(data.get("index"), "index"),
        leaf=_b64(data.get("leaf"), "leaf"),
        leaf_hash=_hash(data.get("leaf_hash"), version),
        checkpoint=checkpoint.encode("utf-8"),
        size=_integer(inclusion.get("size"), "inclusion size"),
        audit_path=tuple(_b64(node, "audit path") for node in inclusion["audit_path"]),
    )


def check_receipt(receipt: Receipt, origin: str, log_key: PublicKey) -> tuple[Checkpoint, Envelope]:
    """Check a receipt offline; return its checkpoint and the act's envelope.

    The leaf must hash to ``leaf_hash`` (RFC 6962), the checkpoint must carry the log's
    signature under ``log_key`` for ``origin`` and be of the proof's size, and the audit
    path must lead from the leaf to the checkpoint's root. Raises :class:`ProofError`.
    """
    leaf_hash = merkle.hash_leaf(receipt.leaf)
    if leaf_hash != receipt.leaf_hash:
        raise ProofError("the receipt's leaf does not hash to its leaf_hash")
    checkpoint, _ = open_checkpoint(
        receipt.checkpoint, log_verifier(origin, log_key), origin=origin
    )
    if checkpoint.size != receipt.size:
        raise ProofError(
            f"the proof is for a tree of {receipt.size} entries, the checkpoint has "
            f"{checkpoint.size}"
        )
    merkle.verify_inclusion(
        leaf_hash, receipt.index, receipt.size, list(receipt.audit_path), checkpoint.root
    )
    try:
        envelope = Envelope.from_dict(json.loads(receipt.leaf))
    except ValueError as exc:
        raise InputError(f"the receipt's leaf is not an act envelope: {exc}") from exc
    return checkpoint, envelope
