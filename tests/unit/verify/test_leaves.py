"""The per-entry checks of offline verification, batch by batch.

The fast path (one exact pattern for canonical envelopes) must never decide anything the
general parser would decide otherwise: every single-byte change of real leaves is checked
both ways.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from truce.errors import TruceError
from truce.ledger import jcs, merkle
from truce.ledger.envelope import Envelope, sign_act
from truce.ledger.keys import SigningKey
from truce.verify import leaves
from truce.verify.leaves import (
    BODY_ABSENT,
    BODY_MISMATCH,
    BODY_OK,
    SIG_BAD,
    SIG_OK,
    SIG_UNKNOWN_KEY,
    BatchResult,
    canonical,
    check_batch,
    subtrees,
)

KEY = SigningKey.from_seed(bytes(range(32)))
KEYS = {KEY.key_id: KEY.public_key.raw}
BODY = {"title": "Statement", "text": "Holds.", "language": "en"}


def act(**overrides: Any) -> tuple[bytes, bytes]:
    """A signed leaf and its body's RFC 8785 bytes."""
    fields: dict[str, Any] = {
        "kind": "statement.publish",
        "mechanism": "istanbul-2025",
        "member": "PK",
        "delegate": "pk-officer",
        "key": KEY,
        "body": BODY,
        "at": "2025-10-12T08:00:00Z",
    }
    fields.update(overrides)
    signed = sign_act(**fields)
    return signed.envelope.leaf_bytes(), jcs.canonicalize(signed.body)


def records(items: list[bytes | None]) -> bytes:
    return b"".join(len(item or b"").to_bytes(4, "big") + (item or b"") for item in items)


def check(
    leaves: list[bytes], bodies: list[bytes | None] | None = None, first: int = 0
) -> BatchResult:
    return check_batch(
        first, records(list(leaves)), records(bodies or [None] * len(leaves)), KEYS, True
    )


def reference(leaf: bytes) -> tuple[str, ...] | None:
    """What the general parser makes of a leaf: its signer and signature verdict, or None."""
    try:
        envelope = Envelope.from_dict(json.loads(leaf))
        if envelope.leaf_bytes() != leaf:
            return None
    except (ValueError, RecursionError, TruceError):
        return None
    verified = envelope.key_id in KEYS and envelope.verify_signature(KEY.public_key)
    return (
        envelope.kind,
        envelope.member,
        envelope.delegate,
        envelope.key_id,
        envelope.mechanism,
        str(envelope.audience == "all"),
        str(verified),
    )


VARIANTS = [
    act(),
    act(audience="mediators", refs=["ab" * 32, "cd" * 32]),
    act(audience=["TR", "AF"], at="2025-10-12T08:00:00.123Z"),
]


def test_good_leaves_pass_with_their_signers_and_bodies() -> None:
    leaves = [leaf for leaf, _ in VARIANTS]
    bodies: list[bytes | None] = [VARIANTS[0][1], None, b'{"tampered":1}']
    result = check(leaves, bodies, first=4)
    assert result.error is None
    assert list(result.flags) == [SIG_OK + BODY_OK, SIG_OK + BODY_ABSENT, SIG_OK + BODY_MISMATCH]
    assert result.digests == {2: jcs.sha256_digest(BODY)}
    assert result.bodies == {}  # only genesis and member.key bodies are handed back
    signers = [result.signers[number] for number in result.ids]
    assert [signer[5] for signer in signers] == [True, False, False]
    assert {signer[:5] for signer in signers} == {
        ("statement.publish", "PK", "pk-officer", KEY.key_id, "istanbul-2025")
    }
    hashes = [merkle.hash_leaf(leaf) for leaf in leaves]
    assert result.leaf_hashes == b"".join(hashes)
    assert result.subtrees == [(1, merkle.hash_children(*hashes[:2])), (0, hashes[2])]


def test_unknown_keys_and_bad_signatures() -> None:
    other = SigningKey.from_seed(bytes(32))
    leaf, _ = act(key=other)
    assert check([leaf]).flags == bytes([SIG_UNKNOWN_KEY + BODY_ABSENT])
    # The key id names another key than the one that signed.
    result = check_batch(0, records([leaf]), records([None]), {other.key_id: KEY.public_key.raw})
    assert result.flags == bytes([SIG_BAD + BODY_ABSENT])


def test_key_registration_bodies_are_handed_back() -> None:
    body = {
        "action": "register",
        "delegate": "pk-witness",
        "role": "witness",
        "public_key": SigningKey.from_seed(bytes(32)).public_key.text,
    }
    leaf, content = act(kind="member.key", body=body, delegate="root")
    result = check([leaf], [content])
    assert result.bodies == {0: content}


@pytest.mark.parametrize(
    ("leaf", "message"),
    [
        (b"{", "not a JSON act envelope"),
        (b"[]", "malformed envelope"),
        (act(audience=["AF", "TR"])[0].replace(b'"AF"', b'"TR"'), "distinct member codes"),
        (
            act()[0].replace(b"2025-10-12T08", b"2025-02-30T08"),
            "malformed envelope: at 2025-02-30T08:00:00Z is not a real time",
        ),
        (act()[0].replace(b'{"at"', b'{ "at"'), "canonical"),
    ],
)
def test_malformed_leaves_stop_the_batch_with_a_reason(leaf: bytes, message: str) -> None:
    good = act()[0]
    result = check([good, leaf, good])
    assert result.error is not None
    assert result.error[0] == 1
    assert message in result.error[1]
    assert len(result.flags) == 1
    assert result.subtrees == [(0, merkle.hash_leaf(good))]


@pytest.mark.parametrize("variant", range(len(VARIANTS)))
def test_every_changed_byte_is_judged_as_the_general_parser_judges_it(variant: int) -> None:
    leaf = VARIANTS[variant][0]
    judged = 0
    for position in range(len(leaf)):
        for replacement in {leaf[position] ^ 0x01, leaf[position] ^ 0x20, ord("0"), ord('"')}:
            changed = leaf[:position] + bytes([replacement]) + leaf[position + 1 :]
            if changed == leaf:
                continue
            expected = reference(changed)
            result = check([changed])
            if expected is None:
                assert result.error is not None, changed
            else:
                assert result.error is None, changed
                signer = result.signers[result.ids[0]]
                verdict = result.flags[0] & ~3 == SIG_OK
                assert (*signer[:5], str(signer[5]), str(verdict)) == expected, changed
            judged += 1
    assert judged > 3 * len(leaf)


def test_the_fast_canonical_form_is_rfc_8785() -> None:
    for leaf, _ in VARIANTS:
        envelope = Envelope.from_dict(json.loads(leaf))
        assert canonical(envelope) == envelope.leaf_bytes() == leaf


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 13])
def test_subtrees_make_the_root_of_an_aligned_batch(count: int) -> None:
    hashes = [merkle.hash_leaf(bytes([n])) for n in range(count)]
    frontier = merkle.Frontier.empty()
    for leaf_hash in hashes:
        frontier.append(leaf_hash)
    made = subtrees(hashes)
    assert [level for level, _ in made] == [
        level for level in range(count.bit_length(), -1, -1) if count >> level & 1
    ]
    assert [node for _, node in made] == frontier.hashes


def test_a_leaf_addressed_to_the_public_passes_the_fast_path() -> None:
    leaf, body = act(audience="public")
    assert leaves._CANONICAL.fullmatch(leaf) is not None  # no detour through the parser
    assert reference(leaf) is not None  # which accepts it too
    result = check([leaf], [body])
    assert result.error is None
    assert list(result.flags) == [SIG_OK + BODY_OK]
    assert [result.signers[number][5] for number in result.ids] == [False]  # not "all"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 64, 100, 2047, 2048])
def test_subtrees_are_the_trees_own(size: int) -> None:
    """Each complete subtree is the range hash of the RFC 6962 tree over those leaves,
    largest first, and together they fold into the tree's root."""
    hashes = [merkle.hash_leaf(number.to_bytes(4, "big")) for number in range(size)]
    tree = merkle.MerkleTree(hashes)
    found = subtrees(hashes)
    start = 0
    for level, node in found:
        assert node == tree.range_hash(start, start + (1 << level))
        start += 1 << level
    assert start == size
    assert [level for level, _ in found] == sorted((level for level, _ in found), reverse=True)
    assert merkle.Frontier(size, [node for _, node in found]).root() == tree.root()
