"""A witness's signed report that the log misbehaves, so that every member learns of it.

A witness that pulls (``truce witness``) and finds that the checkpoint it is offered
does not extend what it cosigned (``inconsistent``, ``rollback``, ``fork``) or differs
from what a peer was shown (``split-view``) keeps the evidence and refuses to cosign
(:meth:`truce.log.witness.Witness.keep_evidence`); it also posts this report to the
server (``POST /log/v1/witness-reports``), which alarms every party and mediator
(:func:`truce.notify.alarms.report`).

The report is a C2SP signed note signed by the witness's own key (Ed25519, type 0x01,
under the key name the scenario gives its witness)::

    truce witness report
    <origin>
    <reason>
    <size of the offered checkpoint> <its root, base64>
    <size the witness last cosigned>

The server accepts it only with a valid signature of a registered (unrevoked) witness
key, so nobody else can raise the alarm in a witness's name; the signature covers the
whole text, so nothing in it can be changed on the way.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from sqlalchemy import Connection

from truce.errors import InputError
from truce.ledger.keys import SigningKey
from truce.ledger.note import Note, Verifier, sign_note, verify_note
from truce.log.checkpoints import witness_verifiers

HEADER = "truce witness report"
REASONS = ("inconsistent", "rollback", "fork", "split-view")
#: The largest report accepted.
MAX_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Report:
    """What a witness reported: its member, why, the checkpoint it refused (size and
    root) and the size it last cosigned."""

    member: str
    reason: str
    size: int
    root: bytes
    since: int


def sign_report(
    origin: str, reason: str, size: int, root: bytes, since: int, name: str, key: SigningKey
) -> bytes:
    """The signed note of a report by the witness key ``key`` named ``name``."""
    if reason not in REASONS:
        raise InputError(f"a witness reports one of {', '.join(REASONS)}, not {reason!r}")
    text = f"{HEADER}\n{origin}\n{reason}\n{size} {base64.b64encode(root).decode()}\n{since}\n"
    return sign_note(text, name, key).to_bytes()


def open_report(connection: Connection, data: bytes, origin: str) -> Report:
    """The report in ``data`` once its signature verifies with a registered witness key
    (InputError or ProofError otherwise)."""
    if len(data) > MAX_BYTES:
        raise InputError(f"a witness report is at most {MAX_BYTES} bytes")
    note = Note.parse(data)
    lines = note.text.split("\n")
    if len(lines) != 6 or lines[0] != HEADER or lines[5] != "":
        raise InputError(f"a witness report is five lines, the first {HEADER!r}")
    if lines[1] != origin:
        raise InputError(f"this report is about the log {lines[1]!r}, not {origin!r}")
    reason = lines[2]
    if reason not in REASONS:
        raise InputError(f"a witness reports one of {', '.join(REASONS)}, not {reason!r}")
    try:
        size_text, root_text = lines[3].split(" ")
        size, since = int(size_text), int(lines[4])
        root = base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise InputError("a witness report gives a size, a base64 root and a size") from exc
    if len(root) != 32 or size < 0 or since < 0:
        raise InputError("a witness report's root is 32 bytes and its sizes not negative")
    members: dict[Verifier, str] = {}
    for member, verifiers in witness_verifiers(connection).items():
        for verifier in verifiers:
            members[Verifier(verifier.name, verifier.public_key)] = member
    signed = verify_note(note, members)
    return Report(members[signed[0]], reason, size, root, since)
