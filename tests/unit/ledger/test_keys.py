"""Ed25519 keys: RFC 8032 and RFC 8037 known answers, strict parsing, key files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from truce.errors import ConfigurationError, InputError
from truce.ledger.keys import KeyFile, PublicKey, SigningKey, b64url_encode, demo_signing_key

# RFC 8032 §7.1, TEST 1 (the key RFC 8037 Appendix A uses too).
SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
    "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_rfc8032_test_vector_1() -> None:
    key = SigningKey.from_seed(SECRET)
    assert key.public_key.raw == PUBLIC
    assert key.sign(b"") == SIGNATURE
    assert key.public_key.verify(SIGNATURE, b"")
    assert not key.public_key.verify(SIGNATURE, b"x")
    assert not key.public_key.verify(SIGNATURE[:-1] + b"\x00", b"")


def test_key_ids_are_rfc7638_thumbprints_as_in_rfc8037() -> None:
    public = PublicKey(PUBLIC)
    assert public.text == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert public.key_id == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_parse_accepts_a_real_key_and_round_trips() -> None:
    key = SigningKey.generate().public_key
    assert PublicKey.parse(key.text) == key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("AAAA", "43 characters"),
        ("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "43 characters"),
        ("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp", "not canonical"),
        ("AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a point"),
        ("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "small order"),
    ],
)
def test_parse_refuses_keys_that_are_not_usable(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        PublicKey.parse(text)


def test_demo_keys_are_derived_reproducibly() -> None:
    first = demo_signing_key("seed", "PK")
    assert first.public_key == demo_signing_key("seed", "PK").public_key
    assert first.public_key != demo_signing_key("seed", "AF").public_key
    assert first.public_key != demo_signing_key("other", "PK").public_key


def test_key_files_round_trip_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "pk-officer.key"
    original = KeyFile(
        member="PK", delegate="pk-officer", role="officer", key=SigningKey.generate()
    )
    original.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = KeyFile.load(path)
    assert (loaded.member, loaded.delegate, loaded.role) == ("PK", "pk-officer", "officer")
    assert loaded.key.public_key == original.key.public_key
    with pytest.raises(FileExistsError):
        original.save(path)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    KeyFile(member="PK", delegate="d", role="officer", key=SigningKey.generate()).save(path)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        KeyFile.load(path)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(kind="something-else"),
        lambda d: d.update(private_key="AAAA"),
        lambda d: d.update(public_key=b64url_encode(PUBLIC)),
        lambda d: d.pop("member"),
    ],
)
def test_a_damaged_key_file_is_refused(tmp_path: Path, mutate: object) -> None:
    path = tmp_path / "k.key"
    KeyFile(member="PK", delegate="d", role="officer", key=SigningKey.generate()).save(path)
    data = json.loads(path.read_text())
    mutate(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigurationError, match="not valid"):
        KeyFile.load(path)


def test_a_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read key file"):
        KeyFile.load(tmp_path / "absent.key")
