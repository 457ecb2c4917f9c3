"""One Ed25519 acceptance rule everywhere, on the vectors of "Taming the Many EdDSAs".

The 12 vectors of ed25519-speccheck (tests/assets/ed25519-speccheck) probe what Ed25519
verifiers disagree on: small-order keys and ``R``, a scalar ``S`` beyond the group
order, non-canonical encodings, cofactored against cofactorless equations. truce's rule
is libsodium's, which accepts vector 3 only; every verifier path of truce must give that
same verdict on each vector: admission (its batch of jobs, threaded or not), envelopes
and the witness (``PublicKey.verify``), signed notes (checkpoints and their log
signature), and ``truce verify`` (``truce.verify.leaves``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from truce.errors import InputError
from truce.ledger import keys
from truce.ledger.keys import (
    PublicKey,
    check_public_key,
    verify_all,
    verify_raw,
    verify_signed,
)
from truce.ledger.note import SIGNATURE_TYPE_ED25519, Verifier
from truce.log.signatures import PARALLEL_FROM, Signatures
from truce.verify import leaves

CASES = Path(__file__).resolve().parents[2] / "assets" / "ed25519-speccheck" / "cases.json"
#: The libsodium row of the paper's table: V for vector 3 only.
ACCEPTED = {3}
#: The PyCA (OpenSSL) row of the same table, for contrast: V V V V X X X X X X X V.
PYCA_ACCEPTS = {0, 1, 2, 3, 11}


def vectors() -> list[tuple[bytes, bytes, bytes]]:
    data: list[dict[str, Any]] = json.loads(CASES.read_text(encoding="utf-8"))
    return [
        (bytes.fromhex(v["pub_key"]), bytes.fromhex(v["signature"]), bytes.fromhex(v["message"]))
        for v in data
    ]


def pyca(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def test_the_vectors_are_read_as_the_paper_reads_them() -> None:
    found = vectors()
    assert len(found) == 12
    assert {i for i, job in enumerate(found) if pyca(*job)} == PYCA_ACCEPTS


@pytest.mark.parametrize("index", range(12))
def test_every_verifier_path_gives_the_same_verdict(index: int) -> None:
    public_key, signature, message = vectors()[index]
    expected = index in ACCEPTED
    note_verifier = Verifier("speccheck", PublicKey(public_key), SIGNATURE_TYPE_ED25519)
    verdicts = {
        "verify_raw (admission)": verify_raw(public_key, signature, message),
        "verify_signed": verify_signed(public_key, signature + message),
        "verify_all (truce verify)": verify_all([public_key], [signature + message])[0],
        "PublicKey.verify (envelopes, witness)": PublicKey(public_key).verify(signature, message),
        "signed note, type 0x01 (checkpoints)": note_verifier.verify(message, signature),
        "admission batch": next(iter(Signatures.verify_jobs([(public_key, signature, message)]))),
    }
    assert verdicts == dict.fromkeys(verdicts, expected)


def test_admission_threads_agree_with_the_rule() -> None:
    jobs = vectors() * (PARALLEL_FROM // 12 + 2)
    assert len(jobs) >= PARALLEL_FROM
    assert list(Signatures.verify_jobs(jobs)) == [i % 12 in ACCEPTED for i in range(len(jobs))]


def test_truce_verify_uses_the_same_function() -> None:
    assert leaves.verify_all is keys.verify_all


@pytest.mark.parametrize("index", range(12))
def test_pynacls_public_binding_gives_the_same_verdict(
    index: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without PyNaCl's cffi module, the rule falls back to its public binding: the same
    libsodium function, so the same verdicts."""
    public_key, signature, message = vectors()[index]
    monkeypatch.setattr(keys, "_lib", None)
    expected = index in ACCEPTED
    assert verify_raw(public_key, signature, message) is expected
    assert verify_all([public_key], [signature + message]) == [expected]


def test_verify_all_keeps_the_order_and_refuses_misshapen_input() -> None:
    found = vectors()
    jobs = [found[i % 12] for i in range(40)]
    verdicts = verify_all([job[0] for job in jobs], [job[1] + job[2] for job in jobs])
    assert verdicts == [i % 12 in ACCEPTED for i in range(40)]
    public_key, signature, message = found[3]
    assert verify_all([public_key[:31], public_key], [signature + message, signature[:63]]) == [
        False,
        False,
    ]
    with pytest.raises(ValueError, match="as many keys"):
        verify_all([public_key], [])


def test_keys_that_the_rule_refuses_cannot_be_registered() -> None:
    """A small-order or non-canonical key (vectors 0, 1, 10, 11) is refused before any
    signature is looked at, so no registered key is one the rule would judge apart."""
    found = vectors()
    for index in (0, 1, 10, 11):
        with pytest.raises(InputError):
            check_public_key(found[index][0])
    check_public_key(found[3][0])
