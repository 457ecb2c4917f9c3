"""C2SP checkpoints and Ed25519 cosignatures: known answers, parsing rules, refusals.

Known answers, each verified here byte for byte:

- c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature: the ``example.com/behind-the-sofa``
  checkpoint, its cosignature line (whose timestamp is the ``time 1679315147`` of the
  spec's example signed message) and that signed message itself.
- ``transparency-dev/formats`` log/note_test.go: a ``sum.golang.org`` checkpoint (origin
  ``go.sum database tree``) and the verifier key of ``sum.golang.org``.
- ``transparency-dev/formats`` note/note_cosigv1_test.go: a cosignature whose timestamp
  is 1727964367, a signature that is not a cosignature, and the verifier key of the
  ``remora.n621.de`` witness (type 0x04).
- A checkpoint published by the ``arche2025h1.staging.ct.transparency.dev`` log, signed
  by the log (type 0x01), by the log again as an RFC 6962 tree head (type 0x05) and
  cosigned by five witnesses, ``remora.n621.de`` among them. Both the log's Ed25519
  signature and the remora cosignature verify here against the keys below.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truce.errors import InputError, MalformedCheckpointError, MalformedNoteError, ProofError
from truce.ledger.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    cosign,
    cosignature_message,
    cosignature_timestamp,
    log_verifier,
    open_checkpoint,
    sign_checkpoint,
    verify_cosignature,
    witness_name,
    witness_verifier,
)
from truce.ledger.keys import SigningKey
from truce.ledger.merkle import EMPTY_ROOT, MerkleTree
from truce.ledger.note import (
    SIGNATURE_TYPE_COSIGNATURE_V1,
    Note,
    Signature,
    Verifier,
    add_signature,
    sign_note,
    verify_note,
)

# c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature, the examples.
SOFA_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_NOTE = (
    SOFA_BODY
    + "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URY"
    "N7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dl"
    "rDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
SOFA_MESSAGE = (
    "cosignature/v1\n"
    "time 1679315147\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)

# transparency-dev/formats, log/note_test.go.
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_NOTE = (
    "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n"
    "— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nP"
    "RYfvimWEPWL+o3GeoWwOoAw=\n"
)

# transparency-dev/formats, note/note_cosigv1_test.go.
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
COSIGNATURE_1727964367 = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOwor"
    "DcFiEBYJXORmnFBOBA=="
)
NOT_A_COSIGNATURE = (
    "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY="
)

# A published checkpoint of the arche2025h1 staging log, with its witnesses' cosignatures.
ARCHE_VKEY = (
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
)
ARCHE_NOTE = (
    "arche2025h1.staging.ct.transparency.dev\n"
    "1432088532\n"
    "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
    "\n"
    "— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6"
    "hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"
    "— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwh"
    "UkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n"
    "— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/"
    "KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n"
    "— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0W"
    "H+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"
    "— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVC"
    "IobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n"
    "— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOU"
    "vVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"
)
ARCHE_REMORA_TIMESTAMP = 1779573024

ORIGIN = "truce.example/istanbul-2025"


def a_key(label: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(f"test-checkpoint:{label}".encode()).digest())


LOG_KEY = a_key("log")
LOG = log_verifier(ORIGIN, LOG_KEY.public_key)


def a_checkpoint(size: int = 7, extensions: tuple[str, ...] = ()) -> Checkpoint:
    tree = MerkleTree.from_entries(f"act {i}".encode() for i in range(size))
    return Checkpoint(ORIGIN, size, tree.root(), extensions)


def signature_named(note: Note, name: str) -> Signature:
    (sig,) = [sig for sig in note.signatures if sig.name == name]
    return sig


# --------------------------------------------------------------------------- known answers


def test_spec_checkpoint_body_parses_and_round_trips() -> None:
    checkpoint = Checkpoint.parse(SOFA_BODY)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.body() == SOFA_BODY


def test_spec_cosigned_checkpoint_parses_and_its_message_is_the_spec_example() -> None:
    note = Note.parse(SOFA_NOTE)
    assert note.text == SOFA_BODY
    assert note.serialize() == SOFA_NOTE
    log_sig, witness_sig = note.signatures
    assert log_sig.name == "example.com/behind-the-sofa"
    assert len(log_sig.signature) == 64
    assert witness_sig.name == "witness.example.com/w1"
    assert len(witness_sig.signature) == 8 + 64
    stamp = cosignature_timestamp(witness_sig)
    assert stamp == 1679315147
    assert cosignature_message(Checkpoint.parse(note.text), stamp) == SOFA_MESSAGE.encode()


def test_sumdb_checkpoint_opens() -> None:
    sumdb = Verifier.parse(SUMDB_VKEY)
    checkpoint, note = open_checkpoint(SUMDB_NOTE.encode(), sumdb)
    assert checkpoint.origin == "go.sum database tree"
    assert checkpoint.size == 6476701
    assert base64.b64encode(checkpoint.root) == b"mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="
    assert note.serialize() == SUMDB_NOTE
    assert open_checkpoint(SUMDB_NOTE.encode(), sumdb, origin="go.sum database tree")
    with pytest.raises(ProofError, match="not 'Go rocks'"):
        open_checkpoint(SUMDB_NOTE.encode(), sumdb, origin="Go rocks")


def test_transparency_dev_cosignature_timestamps() -> None:
    raw = base64.b64decode(COSIGNATURE_1727964367)
    cosig = Signature("w", raw[:4], raw[4:])
    assert cosignature_timestamp(cosig) == 1727964367
    raw = base64.b64decode(NOT_A_COSIGNATURE)
    with pytest.raises(ProofError, match="not an Ed25519 cosignature"):
        cosignature_timestamp(Signature("w", raw[:4], raw[4:]))


def test_published_checkpoint_and_its_remora_cosignature_verify() -> None:
    arche = Verifier.parse(ARCHE_VKEY)
    remora = Verifier.parse(REMORA_VKEY)
    assert remora.signature_type == SIGNATURE_TYPE_COSIGNATURE_V1
    checkpoint, note = open_checkpoint(ARCHE_NOTE.encode(), arche)
    assert (checkpoint.origin, checkpoint.size) == (arche.name, 1432088532)
    assert note.serialize() == ARCHE_NOTE
    cosig = signature_named(note, "remora.n621.de")
    assert verify_cosignature(checkpoint, cosig, remora) == ARCHE_REMORA_TIMESTAMP
    # As a plain note, both keys verify and every other signature is ignored.
    assert verify_note(note, [remora, arche]) == (arche, remora)
    # Another tree size: neither the log signature nor the cosignature verifies.
    other = dataclasses.replace(checkpoint, size=42)
    with pytest.raises(ProofError, match="does not verify"):
        verify_cosignature(other, cosig, remora)
    forged = ARCHE_NOTE.replace("\n1432088532\n", "\n42\n")
    with pytest.raises(ProofError, match=r"log signature of .* does not verify"):
        open_checkpoint(forged.encode(), arche)


# --------------------------------------------------------------------------- the body


def test_body_layout() -> None:
    root = bytes(range(32))
    checkpoint = Checkpoint("log.example", 0, root, ("ext one", "ext two"))
    expected = f"log.example\n0\n{base64.b64encode(root).decode()}\next one\next two\n"
    assert checkpoint.body() == expected
    assert Checkpoint.parse(expected) == checkpoint


def test_empty_tree_checkpoint() -> None:
    checkpoint = Checkpoint(ORIGIN, 0, EMPTY_ROOT)
    assert checkpoint.body().split("\n")[1] == "0"
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


def test_origin_may_hold_spaces() -> None:
    """tlog-checkpoint: clients MUST NOT assume the origin is a URL (sum.golang.org isn't)."""
    checkpoint = Checkpoint("go.sum database tree", 1, bytes(32))
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


ROOT_B64 = base64.b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"o\n7\n{ROOT_B64}", "ends with a newline"),
        ("o\n7\n", "at least three lines"),
        ("o\n", "at least three lines"),
        ("", "ends with a newline"),
        (f"\n7\n{ROOT_B64}\n", "origin must not be empty"),
        (f"o\n\n{ROOT_B64}\n", "ASCII decimal"),
        (f"o\n07\n{ROOT_B64}\n", "no leading zero"),
        (f"o\n00\n{ROOT_B64}\n", "no leading zero"),
        (f"o\n+7\n{ROOT_B64}\n", "ASCII decimal"),
        (f"o\n-7\n{ROOT_B64}\n", "ASCII decimal"),
        (f"o\n 7\n{ROOT_B64}\n", "ASCII decimal"),
        (f"o\n7 \n{ROOT_B64}\n", "ASCII decimal"),
        (f"o\n1_000\n{ROOT_B64}\n", "ASCII decimal"),
        (f"o\n\u0667\n{ROOT_B64}\n", "ASCII decimal"),  # ARABIC-INDIC DIGIT SEVEN
        (f"o\n0x7\n{ROOT_B64}\n", "ASCII decimal"),
        (f"o\n{2**64}\n{ROOT_B64}\n", "outside 0 to 2\\^64 - 1"),
        ("o\n7\n\n", "root hash .*32 bytes"),
        ("o\n7\nYmFuYW5hcw==\n", "32 bytes"),  # transparency-dev/formats: 7-byte "bananas"
        ("o\n7\nThisIsn'tBase64\n", "not valid base64"),
        (f"o\n7\n{ROOT_B64[:-2]}\n", "not valid base64"),
        (f"o\n7\n{ROOT_B64[:-2]}B=\n", "not canonical base64"),
        (f"o\n7\n{ROOT_B64}\n\n", "extension line must not be empty"),
        (f"o\n7\n{ROOT_B64}\next\n\nmore\n", "extension line must not be empty"),
        (f"o\n7\n{ROOT_B64}\ntab\there\n", "control character U\\+0009"),
        (f"o\r\n7\n{ROOT_B64}\n", "control character U\\+000D"),
    ],
)
def test_malformed_bodies_are_refused(text: str, reason: str) -> None:
    with pytest.raises(MalformedCheckpointError, match=reason):
        Checkpoint.parse(text)


def test_largest_tree_size_is_accepted() -> None:
    text = f"o\n{MAX_TREE_SIZE}\n{ROOT_B64}\n"
    assert Checkpoint.parse(text).size == MAX_TREE_SIZE


def test_constructor_rules() -> None:
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("", 1, bytes(32))
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("a\nb", 1, bytes(32))
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("o", -1, bytes(32))
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("o", True, bytes(32))
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("o", 1, bytes(31))
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("o", 1, bytes(32), ("",))
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("o", 1, bytes(32), ("a\nb",))


LINE_CHARS = st.characters(min_codepoint=0x20, codec="utf-8")


@given(
    origin=st.text(LINE_CHARS, min_size=1, max_size=30),
    size=st.integers(0, MAX_TREE_SIZE),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(
        st.text(LINE_CHARS, min_size=1),
        max_size=3,
    ),
)
def test_body_round_trip(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


# --------------------------------------------------------------------------- the log


def test_sign_and_open_round_trip() -> None:
    checkpoint = a_checkpoint(extensions=("an extension",))
    note = sign_checkpoint(checkpoint, ORIGIN, LOG_KEY)
    assert note.text == checkpoint.body()
    opened, parsed = open_checkpoint(note.to_bytes(), LOG, origin=ORIGIN)
    assert opened == checkpoint
    assert parsed == note
    assert LOG_KEY.public_key.verify(note.signatures[0].signature, checkpoint.body().encode())


def test_missing_log_signature_is_refused() -> None:
    note = sign_checkpoint(a_checkpoint(), "someone.else", a_key("other"))
    with pytest.raises(ProofError, match="no signature from the log"):
        open_checkpoint(note.to_bytes(), LOG)


def test_log_name_with_an_unknown_key_is_refused() -> None:
    note = sign_checkpoint(a_checkpoint(), ORIGIN, a_key("impostor"))
    with pytest.raises(ProofError, match=r"signed as .* by an unknown key"):
        open_checkpoint(note.to_bytes(), LOG)


def test_bad_log_signature_is_refused() -> None:
    note = sign_checkpoint(a_checkpoint(), ORIGIN, LOG_KEY)
    (sig,) = note.signatures
    flipped = bytes([sig.signature[0] ^ 1]) + sig.signature[1:]
    forged = Note(note.text, (dataclasses.replace(sig, signature=flipped),))
    with pytest.raises(ProofError, match=r"log signature .* does not verify"):
        open_checkpoint(forged.to_bytes(), LOG)


def test_tampered_body_is_refused() -> None:
    data = sign_checkpoint(a_checkpoint(7), ORIGIN, LOG_KEY).serialize()
    with pytest.raises(ProofError, match="does not verify"):
        open_checkpoint(data.replace("\n7\n", "\n8\n").encode(), LOG)


def test_signed_text_that_is_not_a_checkpoint_is_refused_after_verifying() -> None:
    note = sign_checkpoint(a_checkpoint(), ORIGIN, LOG_KEY)
    other = Note("just a line\n", note.signatures)
    with pytest.raises(ProofError):  # the signature covers another text
        open_checkpoint(other.to_bytes(), LOG)
    signed = sign_note("not\na checkpoint\n", ORIGIN, LOG_KEY)
    with pytest.raises(MalformedCheckpointError, match="at least three lines"):
        open_checkpoint(signed.to_bytes(), LOG)


def test_open_refuses_a_malformed_note_and_a_cosignature_key_as_log_key() -> None:
    with pytest.raises(MalformedNoteError):
        open_checkpoint(a_checkpoint().body().encode(), LOG)
    with pytest.raises(InputError, match="type 0x01"):
        open_checkpoint(SUMDB_NOTE.encode(), witness_verifier("w", LOG_KEY.public_key))


def test_other_signatures_do_not_disturb_the_log_signature() -> None:
    checkpoint = a_checkpoint()
    note = sign_checkpoint(checkpoint, ORIGIN, LOG_KEY)
    junk = Signature("unknown.example", b"\x01\x02\x03\x04", b"\x00" * 64)
    note = add_signature(note, junk)
    name = witness_name(ORIGIN, "PK")
    note = add_signature(note, cosign(checkpoint, name, a_key("PK"), 1_760_000_000))
    assert open_checkpoint(note.to_bytes(), LOG)[0] == checkpoint


# --------------------------------------------------------------------------- cosignatures


def witness(member: str) -> tuple[str, SigningKey, Verifier]:
    name = witness_name(ORIGIN, member)
    key = a_key(member)
    return name, key, witness_verifier(name, key.public_key)


def test_cosign_and_verify_round_trip() -> None:
    checkpoint = a_checkpoint(extensions=("ext",))
    name, key, verifier = witness("PK")
    cosig = cosign(checkpoint, name, key, 1_760_000_000)
    assert cosig.name == name == f"{ORIGIN}/witness/PK"
    assert cosig.key_id == verifier.key_id
    assert (
        cosig.key_id == hashlib.sha256(name.encode() + b"\n\x04" + key.public_key.raw).digest()[:4]
    )
    assert cosig.signature[:8] == (1_760_000_000).to_bytes(8, "big")
    assert len(cosig.signature) == 72
    message = b"cosignature/v1\ntime 1760000000\n" + checkpoint.body().encode()
    assert cosignature_message(checkpoint, 1_760_000_000) == message
    assert key.public_key.verify(cosig.signature[8:], message)
    assert verify_cosignature(checkpoint, cosig, verifier) == 1_760_000_000


def test_cosigned_note_round_trip() -> None:
    checkpoint = a_checkpoint()
    note = sign_checkpoint(checkpoint, ORIGIN, LOG_KEY)
    witnesses = [witness(member) for member in ("PK", "AF", "TR")]
    for offset, (name, key, _) in enumerate(witnesses):
        note = add_signature(note, cosign(checkpoint, name, key, 1_760_000_000 + offset))
    opened, parsed = open_checkpoint(note.to_bytes(), LOG)
    assert parsed == note
    stamps = [
        verify_cosignature(opened, signature_named(parsed, name), verifier)
        for name, _, verifier in witnesses
    ]
    assert stamps == [1_760_000_000, 1_760_000_001, 1_760_000_002]
    assert verify_note(parsed, [LOG, *(v for _, _, v in witnesses)]) == (
        LOG,
        *(v for _, _, v in witnesses),
    )


def test_tampered_timestamp_is_refused() -> None:
    checkpoint = a_checkpoint()
    name, key, verifier = witness("PK")
    cosig = cosign(checkpoint, name, key, 1_760_000_000)
    later = (1_760_000_001).to_bytes(8, "big") + cosig.signature[8:]
    with pytest.raises(ProofError, match="does not verify"):
        verify_cosignature(checkpoint, dataclasses.replace(cosig, signature=later), verifier)


def test_cosignature_of_another_checkpoint_is_refused() -> None:
    name, key, verifier = witness("PK")
    cosig = cosign(a_checkpoint(7), name, key, 1_760_000_000)
    for other in (
        a_checkpoint(8),
        dataclasses.replace(a_checkpoint(7), origin="truce.example/other"),
        a_checkpoint(7, extensions=("added",)),
    ):
        with pytest.raises(ProofError, match="does not verify over this checkpoint"):
            verify_cosignature(other, cosig, verifier)


def test_every_tampered_cosignature_byte_is_refused() -> None:
    checkpoint = a_checkpoint()
    name, key, verifier = witness("PK")
    cosig = cosign(checkpoint, name, key, 1_760_000_000)
    for i in range(len(cosig.signature)):
        flipped = bytearray(cosig.signature)
        flipped[i] ^= 0x80
        with pytest.raises(ProofError):
            verify_cosignature(
                checkpoint, dataclasses.replace(cosig, signature=bytes(flipped)), verifier
            )


def test_cosignature_from_another_witness_is_refused() -> None:
    checkpoint = a_checkpoint()
    name, key, _ = witness("PK")
    _, _, other = witness("AF")
    cosig = cosign(checkpoint, name, key, 1_760_000_000)
    with pytest.raises(ProofError, match="not from the witness"):
        verify_cosignature(checkpoint, cosig, other)
    # The same name with another key has another key ID.
    impostor = witness_verifier(name, a_key("impostor").public_key)
    with pytest.raises(ProofError, match="not from the witness"):
        verify_cosignature(checkpoint, cosig, impostor)


def test_log_signature_is_not_a_cosignature() -> None:
    """The same key under types 0x01 and 0x04 has two key IDs and two message formats."""
    checkpoint = a_checkpoint()
    note = sign_checkpoint(checkpoint, ORIGIN, LOG_KEY)
    as_witness = witness_verifier(ORIGIN, LOG_KEY.public_key)
    assert as_witness.key_id != LOG.key_id
    with pytest.raises(ProofError, match="not from the witness"):
        verify_cosignature(checkpoint, note.signatures[0], as_witness)
    with pytest.raises(InputError, match="type 0x04"):
        verify_cosignature(checkpoint, note.signatures[0], LOG)


def test_future_cosignature_is_refused_only_when_asked() -> None:
    checkpoint = a_checkpoint()
    name, key, verifier = witness("PK")
    cosig = cosign(checkpoint, name, key, 1_760_003_600)
    assert verify_cosignature(checkpoint, cosig, verifier) == 1_760_003_600
    assert verify_cosignature(checkpoint, cosig, verifier, not_after=1_760_003_600)
    with pytest.raises(ProofError, match="after 1760000000"):
        verify_cosignature(checkpoint, cosig, verifier, not_after=1_760_000_000)


def test_timestamp_bounds() -> None:
    checkpoint = a_checkpoint()
    name, key, verifier = witness("PK")
    top = cosign(checkpoint, name, key, 2**63 - 1)
    assert verify_cosignature(checkpoint, top, verifier) == 2**63 - 1
    assert verify_cosignature(checkpoint, cosign(checkpoint, name, key, 0), verifier) == 0
    for bad in (-1, 2**63, True):
        with pytest.raises(InputError, match="2\\^63 - 1"):
            cosign(checkpoint, name, key, bad)
    over = (2**63).to_bytes(8, "big") + top.signature[8:]
    with pytest.raises(ProofError, match="above 2\\^63 - 1"):
        verify_cosignature(checkpoint, dataclasses.replace(top, signature=over), verifier)


def test_malformed_cosignature_length_is_refused() -> None:
    checkpoint = a_checkpoint()
    name, _, verifier = witness("PK")
    short = Signature(name, verifier.key_id, b"\x00" * 71)
    with pytest.raises(ProofError, match="not an Ed25519 cosignature"):
        verify_cosignature(checkpoint, short, verifier)


def test_witness_names() -> None:
    assert witness_name("truce.example/log", "PK") == "truce.example/log/witness/PK"
    for origin, member in (("go.sum database tree", "PK"), ("o", "P K"), ("o", "a+b"), ("", "PK")):
        with pytest.raises(InputError, match="not a valid witness key name"):
            witness_name(origin, member)
    with pytest.raises(InputError):
        witness_name("o", "")
    with pytest.raises(InputError, match="control character"):
        witness_name("o", "P\x01K")
