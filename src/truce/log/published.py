"""The keys anyone needs to check the log, published without sign-in (``GET /log/v1/``).

An auditor who knows nothing of truce needs three things to check a checkpoint: the
log's origin, the log's verifier key and the verifier key of each witness. They are
written as C2SP signed-note verifier keys (``<name>+<hex key ID>+<base64(type ||
public key)>``), the form ``golang.org/x/mod/sumdb/note`` reads: type 0x01 (Ed25519)
for the log (c2sp.org/tlog-checkpoint), type 0x04 (cosignature/v1) for the witnesses
(c2sp.org/tlog-cosignature). Each witness's key name is the one the scenario gives it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from truce.ledger.checkpoint import log_verifier, witness_verifier
from truce.ledger.keys import PublicKey
from truce.log.queries import witness_keys
from truce.scenario.rules import Scenario

#: Where the log's read API lives; C2SP tlog-tiles paths are relative to it.
PREFIX = "/log/v1"


def log_vkey(origin: str, checkpoint_key: PublicKey) -> str:
    """The log's verifier key: named after the origin, type 0x01 (signed-note Ed25519)."""
    return log_verifier(origin, checkpoint_key).text


def published_keys(connection: Connection, scenario: Scenario) -> dict[str, Any]:
    """The origin, the log's verifier key and every live witness key, as JSON.

    Witness keys are those the members' heads registered with the role ``witness`` and
    have not revoked; a member may have several while it rolls its key over.
    """
    origin = scenario.mechanism.origin
    checkpoint_key = PublicKey.from_text(scenario.mechanism.checkpoint_key)
    names = scenario.witness_key_names
    witnesses = [
        {
            "member": member,
            "name": names[member],
            "vkey": witness_verifier(names[member], PublicKey.from_text(public_key)).text,
            "public_key": public_key,
        }
        for member, public_key in witness_keys(connection)
        if member in names
    ]
    return {
        "origin": origin,
        "mechanism": scenario.mechanism.id,
        "log": {
            "name": origin,
            "vkey": log_vkey(origin, checkpoint_key),
            "public_key": checkpoint_key.text,
        },
        "witnesses": witnesses,
        "witness_names": names,
        "witness_quorum": scenario.witness_threshold,
        "checkpoint": f"{PREFIX}/checkpoint",
    }
