"""C2SP signed notes: known answers from other implementations, every parsing rule, refusals.

Known answers, each verified here byte for byte:

- ``golang.org/x/mod/sumdb/note`` (note.go package documentation and note_test.go): the
  ``PeterNeumann`` signer and verifier keys, the note it signs and its exact signature
  line; the ``EnochRoot`` verifier key and second signature line; the malformed notes of
  ``TestOpen`` and the mangled keys of ``TestNewVerifier``.
- c2sp.org/signed-note, the example of an earlier revision of the spec: the
  ``example.com/foo`` verifier key and its signed note.
- ``transparency-dev/formats`` log/note_test.go: the ``Log`` signer and verifier keys.
- ``transparency-dev/formats`` note/note_cosigv1_test.go: the ``TEST`` verifier key
  (whose base64 contains ``+``) and the ``remora.n621.de`` cosignature (type 0x04) key.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib

import pytest

from truce.errors import (
    InputError,
    MalformedNoteError,
    MalformedVerifierKeyError,
    ProofError,
)
from truce.ledger.keys import PublicKey, SigningKey
from truce.ledger.note import (
    EM_DASH,
    MAX_SIGNATURES,
    SIGNATURE_TYPE_COSIGNATURE_V1,
    SIGNATURE_TYPE_ED25519,
    Note,
    Signature,
    Verifier,
    add_signature,
    b64decode_strict,
    cosignature_v1_message,
    is_valid_key_name,
    key_id,
    open_note,
    sign_note,
    verify_note,
)

# golang.org/x/mod/sumdb/note, note.go and note_test.go.
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
    "KvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oO"
    "TGwnWLox33WWd1RvMc+QQ=\n"
)

# c2sp.org/signed-note, example of an earlier revision.
FOO_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
FOO_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3"
    "mFXmRKuwHjG1Yu72IneyaQM=\n"
)

# transparency-dev/formats, log/note_test.go.
LOG_VKEY = "Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs"
LOG_SKEY = "PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ"

# transparency-dev/formats, note/note_cosigv1_test.go.
PLUS_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def go_signer(skey: str) -> tuple[str, SigningKey]:
    """Read a ``PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>`` key of x/mod/sumdb/note."""
    private, key, name, _hash, material = skey.split("+", 4)
    assert (private, key) == ("PRIVATE", "KEY")
    raw = base64.b64decode(material)
    assert raw[0] == SIGNATURE_TYPE_ED25519
    return name, SigningKey.from_seed(raw[1:])


def a_key(n: int) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(b"test-note-%d" % n).digest())


# --------------------------------------------------------------------------- known answers


def test_go_verifier_key_parses_and_formats_back() -> None:
    verifier = Verifier.parse(PETER_VKEY)
    assert verifier.name == "PeterNeumann"
    assert verifier.signature_type == SIGNATURE_TYPE_ED25519
    assert verifier.key_id == bytes.fromhex("c74f20a3")
    assert verifier.text == PETER_VKEY
    assert str(verifier) == PETER_VKEY


def test_go_signer_key_gives_the_verifier_key() -> None:
    name, key = go_signer(PETER_SKEY)
    assert Verifier(name, key.public_key).text == PETER_VKEY
    name, key = go_signer(LOG_SKEY)
    assert Verifier(name, key.public_key).text == LOG_VKEY


def test_go_signature_is_reproduced_byte_for_byte() -> None:
    name, key = go_signer(PETER_SKEY)
    note = sign_note(TEXT, name, key)
    assert note.serialize() == TEXT + "\n" + PETER_SIG
    assert note.to_bytes() == (TEXT + "\n" + PETER_SIG).encode()


def test_go_note_verifies() -> None:
    peter = Verifier.parse(PETER_VKEY)
    note, verified = open_note((TEXT + "\n" + PETER_SIG).encode(), [peter])
    assert note.text == TEXT
    assert verified == (peter,)
    (sig,) = note.signatures
    assert (sig.name, sig.key_id.hex()) == ("PeterNeumann", "c74f20a3")


def test_go_two_signatures_one_known_one_unknown() -> None:
    peter, enoch = Verifier.parse(PETER_VKEY), Verifier.parse(ENOCH_VKEY)
    data = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(data, [peter])[1] == (peter,)
    assert open_note(data, [enoch])[1] == (enoch,)
    assert open_note(data, [enoch, peter])[1] == (peter, enoch)
    with pytest.raises(ProofError, match="no signature from a known key"):
        open_note(data, [])


def test_signed_note_spec_example_verifies_and_round_trips() -> None:
    foo = Verifier.parse(FOO_VKEY)
    assert foo.key_id.hex() == "530d903a"
    note, verified = open_note(FOO_NOTE.encode(), [foo])
    assert note.text == "This is an example message.\n"
    assert verified == (foo,)
    assert note.serialize() == FOO_NOTE


def test_transparency_dev_verifier_keys() -> None:
    plus = Verifier.parse(PLUS_VKEY)  # its base64 holds a '+'
    assert plus.name == "TEST"
    assert plus.text == PLUS_VKEY
    remora = Verifier.parse(REMORA_VKEY)
    assert remora.signature_type == SIGNATURE_TYPE_COSIGNATURE_V1
    assert remora.key_id.hex() == "da77ade7"
    assert remora.text == REMORA_VKEY


def test_key_id_is_the_recommended_hash() -> None:
    key = Verifier.parse(PETER_VKEY).public_key.raw
    expected = hashlib.sha256(b"PeterNeumann\n\x01" + key).digest()[:4]
    assert (
        key_id("PeterNeumann", SIGNATURE_TYPE_ED25519, key) == expected == bytes.fromhex("c74f20a3")
    )
    # The type byte separates the domains: the same key and name under type 0x04.
    cosigning = key_id("PeterNeumann", SIGNATURE_TYPE_COSIGNATURE_V1, key)
    assert cosigning == hashlib.sha256(b"PeterNeumann\n\x04" + key).digest()[:4]
    assert cosigning != expected


# --------------------------------------------------------------------------- verifier keys


def test_every_go_mangling_of_the_verifier_key_is_refused() -> None:
    """x/mod/sumdb/note TestNewVerifier: every substring and every byte bumped by one."""
    raw = PETER_VKEY.encode()
    candidates = {raw[i:j] for i in range(len(raw) + 1) for j in range(i + 1, len(raw) + 1)}
    candidates.discard(raw)
    for i in range(len(raw)):
        bumped = bytearray(raw)
        bumped[i] += 1
        candidates.add(bytes(bumped))
    for candidate in sorted(candidates):
        with pytest.raises(MalformedVerifierKeyError):
            Verifier.parse(candidate.decode())


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        # x/mod/sumdb/note TestNewVerifier: wrong length key and unknown algorithm, each
        # with its key hash adjusted.
        (
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "canonical",
        ),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "type 0x65"),
        ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "lowercase"),
        ("PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "states key ID"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX", "curve"),
        ("PeterNeumann+c74f20a3", "two '\\+'"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        ("PeterNeumann+c74f20a3+", "no key"),
        # transparency-dev/formats TestCoSigV1NewVerifier: bad base64, unknown type.
        ("rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!", "base64"),
        ("rekor.sigstore.dev+12345678+AwEB", "type 0x03"),
    ],
)
def test_bad_verifier_keys_are_refused(vkey: str, reason: str) -> None:
    with pytest.raises(MalformedVerifierKeyError, match=reason):
        Verifier.parse(vkey)


def test_weak_public_key_is_refused_in_a_verifier_key() -> None:
    identity = bytes([1]) + bytes(31)  # the neutral point, of small order
    name = "weak.example"
    vkey = (
        f"{name}+{key_id(name, 1, identity).hex()}+" + base64.b64encode(b"\x01" + identity).decode()
    )
    with pytest.raises(MalformedVerifierKeyError, match="small order"):
        Verifier.parse(vkey)


def test_verifier_constructor_checks_name_and_type() -> None:
    public = a_key(1).public_key
    with pytest.raises(MalformedVerifierKeyError):
        Verifier("a+b", public)
    with pytest.raises(MalformedVerifierKeyError):
        Verifier("ab", public, 0x02)


def test_verifier_key_round_trip_for_generated_keys() -> None:
    for n in range(20):
        for kind in (SIGNATURE_TYPE_ED25519, SIGNATURE_TYPE_COSIGNATURE_V1):
            verifier = Verifier(f"truce.example/k{n}", a_key(n).public_key, kind)
            assert Verifier.parse(verifier.text) == verifier


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name", ["PeterNeumann", "example.com/foo", "sum.golang.org", "é", "a/witness/PK"]
)
def test_valid_names(name: str) -> None:
    assert is_valid_key_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a b",
        "a+b",
        "+",
        "a\tb",
        "a\nb",
        "a\u00a0b",
        "a\u2003b",
        "a\u3000b",
        "a\u2028b",
        "\ud800",
    ],
)
def test_invalid_names(name: str) -> None:
    assert not is_valid_key_name(name)


def test_sign_note_refuses_a_bad_name() -> None:
    with pytest.raises(MalformedNoteError, match="key name"):
        sign_note("text\n", "bad name", a_key(1))
    with pytest.raises(MalformedNoteError, match="key name"):
        sign_note("text\n", "bad+name", a_key(1))


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # x/mod/sumdb/note TestOpen, "Invalid encoded message syntax".
        (TEXT.encode(), "no blank line"),
        ((TEXT + "\n").encode(), "no signature line"),
        ((TEXT + "\n" + PETER_SIG[:-1]).encode(), "does not end in newline"),
        (("\x01" + TEXT + "\n" + PETER_SIG).encode(), "control character U\\+0001"),
        (b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), "not valid UTF-8"),
        (
            (TEXT + "\n" + PETER_SIG[:-1].replace("PeterNeumann", "Bad Name")).encode(),
            "does not end in newline",
        ),
        ((TEXT + "\n" + PETER_SIG + "Unexpected line.\n").encode(), "em dash"),
        # The other rules.
        ((TEXT + "\n" + PETER_SIG.replace("—", "-")).encode(), "em dash"),
        ((TEXT + "\n" + PETER_SIG.replace("— ", "—")).encode(), "em dash"),
        ((TEXT + "\n" + "— Bad Name AAAAAAAA\n").encode(), "exactly two spaces"),
        ((TEXT + "\n" + "— Bad+Name AAAAAAAA\n").encode(), "not a valid key name"),
        ((TEXT + "\n" + "—  AAAAAAAA\n").encode(), "not a valid key name"),
        ((TEXT + "\n" + "— NoSignature\n").encode(), "'— <key name> <base64 signature>'"),
        ((TEXT + "\n" + "— NoSignature \n").encode(), "'— <key name> <base64 signature>'"),
        ((TEXT + "\n" + "— Short AAAAAA==\n").encode(), "4-byte key ID"),
        ((TEXT + "\n" + "— Short AAAAAA==\n").encode(), "has 4 bytes"),
        ((TEXT + "\n" + "— Bad AAAAA!AA\n").encode(), "not valid base64"),
        ((TEXT + "\n" + "— Bad AAAAAAA\n").encode(), "not valid base64"),
        ((TEXT + "\n" + "— Bad AAAAAAB=\n").encode(), "not canonical base64"),
        ((TEXT + "\n" + PETER_SIG + "\n").encode(), "no signature line"),
        ((TEXT + "\n" + PETER_SIG.replace("\n", "\r\n")).encode(), "U\\+000D"),
        ("text\n\n— a AAAAAAAA\n\x7f".encode(), "does not end in newline"),
        ("text\x00\n\n— a AAAAAAAA\n".encode(), "U\\+0000"),
        ("text\n\n— a\u00a0b AAAAAAAA\n".encode(), "not a valid key name"),
    ],
)
def test_malformed_notes_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedNoteError, match=reason):
        Note.parse(data)


def test_malformed_note_is_an_input_error() -> None:
    with pytest.raises(InputError):
        Note.parse(b"no signatures\n")


def test_lone_surrogate_text_is_refused() -> None:
    with pytest.raises(MalformedNoteError, match="UTF-8"):
        Note.parse("\ud800\n\n" + PETER_SIG)


def test_text_may_hold_blank_lines_and_is_cut_at_the_last_one() -> None:
    name, key = go_signer(PETER_SKEY)
    text = "first\n\n\nsecond\n\n"
    note = sign_note(text, name, key)
    data = note.to_bytes()
    assert data.startswith(b"first\n\n\nsecond\n\n\n\xe2\x80\x94 ")
    parsed, verified = open_note(data, [Verifier.parse(PETER_VKEY)])
    assert parsed.text == text
    assert parsed == note
    assert verified == (Verifier.parse(PETER_VKEY),)


def test_the_shortest_note() -> None:
    note = sign_note("\n", "k", a_key(1))
    assert Note.parse(note.to_bytes()) == note
    assert note.serialize().startswith("\n\n— k ")


def test_signature_count_limit() -> None:
    peter = Verifier.parse(PETER_VKEY)
    for count in (16, MAX_SIGNATURES):
        note, verified = open_note(TEXT + "\n" + PETER_SIG * count, [peter])
        assert len(note.signatures) == count
        assert verified == (peter,)
    # x/mod/sumdb/note TestOpen: 101 signatures are refused, known or not.
    with pytest.raises(MalformedNoteError, match="101 signatures"):
        Note.parse(TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1))
    with pytest.raises(MalformedNoteError, match="101 signatures"):
        Note(TEXT, Note.parse(TEXT + "\n" + PETER_SIG).signatures * 101)


def test_note_constructor_rules() -> None:
    sig = Note.parse(TEXT + "\n" + PETER_SIG).signatures
    with pytest.raises(MalformedNoteError, match="end with a newline"):
        Note("no newline", sig)
    with pytest.raises(MalformedNoteError, match="at least one signature"):
        Note(TEXT, ())
    with pytest.raises(MalformedNoteError, match="control character"):
        Note("tab\there\n", sig)
    with pytest.raises(MalformedNoteError, match="end with a newline"):
        sign_note("abc", "k", a_key(1))  # x/mod/sumdb/note TestSign, short text


def test_signature_constructor_rules() -> None:
    with pytest.raises(MalformedNoteError, match="4 bytes"):
        Signature("a", b"\x00\x00\x00", b"sig")
    with pytest.raises(MalformedNoteError, match="at least one byte"):
        Signature("a", b"\x00" * 4, b"")
    with pytest.raises(MalformedNoteError, match="key name"):
        Signature("a b", b"\x00" * 4, b"sig")
    with pytest.raises(MalformedNoteError, match="control character"):
        Signature("a\x1fb", b"\x00" * 4, b"sig")


def test_parsed_notes_round_trip_byte_for_byte() -> None:
    for data in (
        FOO_NOTE,
        TEXT + "\n" + PETER_SIG + ENOCH_SIG,
        TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG,
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito "
        "sera.\n\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+Ehf"
        "LW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n",
    ):
        note = Note.parse(data.encode())
        assert note.serialize() == data
        assert Note.parse(note.serialize()) == note


def test_current_signed_note_spec_example_parses() -> None:
    """c2sp.org/signed-note, the example at the head of the current spec (no key given)."""
    data = (
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito "
        "sera.\n\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+Ehf"
        "LW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
    )
    note = Note.parse(data)
    assert note.text.endswith("ed è subito sera.\n")
    assert note.text.count("\n") == 4
    (sig,) = note.signatures
    assert sig.name == "quasimodo.example/salvatore"
    assert sig.key_id.hex() == "367ba04b"
    assert len(sig.signature) == 64


def test_strict_base64() -> None:
    assert b64decode_strict("AAAA", "x") == b"\x00\x00\x00"
    for bad in ("AAA", "AA=A", "AAAB=", "AB==", " AAAA", "AAAA\n", "ÀAAA", "-_-_"):
        with pytest.raises(InputError):
            b64decode_strict(bad, "x")


# --------------------------------------------------------------------------- verifying


def test_invalid_signature_from_a_known_key_refuses_the_note() -> None:
    """x/mod/sumdb/note TestOpen, "Invalid signature"."""
    peter = Verifier.parse(PETER_VKEY)
    bad = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(ProofError, match="signature of PeterNeumann \\(key ID c74f20a3\\)"):
        open_note(bad, [peter])


def test_a_bad_known_signature_refuses_even_beside_a_good_one() -> None:
    peter = Verifier.parse(PETER_VKEY)
    bad = TEXT + "\n" + PETER_SIG + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(ProofError, match="does not verify"):
        open_note(bad, [peter])


def test_unknown_signatures_are_ignored_even_when_broken() -> None:
    """x/mod/sumdb/note TestOpen: duplicated verified and unverified signatures."""
    peter = Verifier.parse(PETER_VKEY)
    broken_enoch = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    data = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + broken_enoch
    note, verified = open_note(data, [peter])
    assert verified == (peter,)
    assert len(note.signatures) == 5


def test_same_name_or_same_key_id_alone_is_an_unknown_key() -> None:
    """signed-note §Signatures: only name *and* key ID together identify a key."""
    peter = Verifier.parse(PETER_VKEY)
    _, key = go_signer(PETER_SKEY)
    renamed = TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "CarmenSandiego")
    with pytest.raises(ProofError, match="no signature from a known key"):
        open_note(renamed, [peter])
    other_id = sign_note(TEXT, "PeterNeumann", a_key(7))  # same name, another key
    with pytest.raises(ProofError, match="no signature from a known key"):
        verify_note(other_id, [peter])
    # The key that shares the name is ignored; the real one still verifies.
    both = add_signature(other_id, sign_note(TEXT, "PeterNeumann", key).signatures[0])
    assert verify_note(both, [peter]) == (peter,)


def test_tampered_text_is_refused() -> None:
    peter = Verifier.parse(PETER_VKEY)
    tampered = TEXT.replace("problem,", "problem;") + "\n" + PETER_SIG
    with pytest.raises(ProofError, match="does not verify"):
        open_note(tampered, [peter])


def test_every_tampered_signature_byte_is_refused() -> None:
    peter = Verifier.parse(PETER_VKEY)
    note = Note.parse(TEXT + "\n" + PETER_SIG)
    (sig,) = note.signatures
    for i in range(len(sig.signature)):
        flipped = bytearray(sig.signature)
        flipped[i] ^= 0x01
        forged = Note(note.text, (dataclasses.replace(sig, signature=bytes(flipped)),))
        with pytest.raises(ProofError):
            verify_note(forged, [peter])
    short = Note(note.text, (dataclasses.replace(sig, signature=sig.signature[:-1]),))
    with pytest.raises(ProofError):
        verify_note(short, [peter])


def test_key_id_byte_tampered_makes_the_signature_unknown() -> None:
    peter = Verifier.parse(PETER_VKEY)
    (sig,) = Note.parse(TEXT + "\n" + PETER_SIG).signatures
    moved = Note(TEXT, (dataclasses.replace(sig, key_id=b"\xc7\x4f\x20\xa4"),))
    with pytest.raises(ProofError, match="no signature from a known key"):
        verify_note(moved, [peter])


class _ClashingVerifier(Verifier):
    """A verifier that claims Peter's key ID for another key: a name-and-ID collision."""

    __slots__ = ()

    @property
    def key_id(self) -> bytes:
        return bytes.fromhex("c74f20a3")


def test_ambiguous_known_keys_are_a_configuration_error() -> None:
    peter = Verifier.parse(PETER_VKEY)
    note = Note.parse(TEXT + "\n" + PETER_SIG)
    assert verify_note(note, [peter, peter]) == (peter,)  # the same key twice is harmless
    clash = _ClashingVerifier("PeterNeumann", a_key(3).public_key)
    with pytest.raises(InputError, match="share the name 'PeterNeumann' and key ID c74f20a3"):
        verify_note(note, [peter, clash])


def test_add_signature_replaces_the_same_key_and_appends() -> None:
    name, key = go_signer(PETER_SKEY)
    peter = Verifier.parse(PETER_VKEY)
    enoch = Note.parse(TEXT + "\n" + ENOCH_SIG).signatures[0]
    note = add_signature(sign_note(TEXT, name, key), enoch)
    assert note.serialize() == TEXT + "\n" + PETER_SIG + ENOCH_SIG
    stale = Signature("PeterNeumann", peter.key_id, b"\x00" * 64)
    resigned = add_signature(
        add_signature(Note(TEXT, (stale, enoch)), sign_note(TEXT, name, key).signatures[0]),
        enoch,
    )
    assert resigned.serialize() == TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert verify_note(resigned, [peter, Verifier.parse(ENOCH_VKEY)]) == (
        peter,
        Verifier.parse(ENOCH_VKEY),
    )


def test_sign_and_verify_round_trip_with_unicode_text() -> None:
    key = a_key(9)
    verifier = Verifier("truce.example/log", key.public_key)
    text = "Istanbul-2025 — cessez-le-feu, آتش‌بس\n"
    note = sign_note(text, verifier.name, key)
    parsed, verified = open_note(note.to_bytes(), [verifier])
    assert parsed == note
    assert verified == (verifier,)
    assert verifier.public_key.verify(note.signatures[0].signature, text.encode())


def test_cosignature_type_verifier_verifies_timestamped_signatures() -> None:
    key = a_key(5)
    witness = Verifier("w.example", key.public_key, SIGNATURE_TYPE_COSIGNATURE_V1)
    text = "log.example\n1\n" + base64.b64encode(bytes(32)).decode() + "\n"
    stamp = 1_700_000_000
    raw = stamp.to_bytes(8, "big") + key.sign(cosignature_v1_message(stamp, text.encode()))
    signed = Note(text, (Signature(witness.name, witness.key_id, raw),))
    assert verify_note(signed, [witness]) == (witness,)
    # A plain Ed25519 signature under the cosignature key ID is refused.
    plain = Signature(witness.name, witness.key_id, key.sign(text.encode()))
    with pytest.raises(ProofError):
        verify_note(Note(text, (plain,)), [witness])
    # A timestamp above 2^63 - 1 never verifies.
    huge = (2**63).to_bytes(8, "big") + raw[8:]
    assert not witness.verify(text.encode(), huge)


def test_verifier_public_key_type() -> None:
    verifier = Verifier.parse(PETER_VKEY)
    assert isinstance(verifier.public_key, PublicKey)
    assert EM_DASH == "\u2014"
