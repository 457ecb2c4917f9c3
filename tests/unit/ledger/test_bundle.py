"""The bundle format: a strict ustar archive written and read one member at a time."""

from __future__ import annotations

import io
import tarfile

import pytest

from truce.ledger import bundle
from truce.ledger.bundle import (
    ENTRIES_PER_FILE,
    BundleError,
    BundleWriter,
    iter_leaves,
    make_manifest,
    manifest_bytes,
    read_members,
    readme_text,
)


def _manifest(size: int) -> dict[str, object]:
    return make_manifest(
        mechanism="istanbul-2025",
        origin="truce.example/istanbul-2025",
        checkpoint_key="k" * 43,
        member="PK",
        delegate="pk-officer",
        exported_at="2025-11-08T09:30:00Z",
        size=size,
    )


def _write(leaves: list[bytes], bodies: dict[str, bytes]) -> bytes:
    manifest = _manifest(len(leaves))
    out = io.BytesIO()
    writer = BundleWriter(out, mtime=1_700_000_000)
    writer.add_file("README.txt", readme_text(manifest).encode())
    writer.add_file("manifest.json", manifest_bytes(manifest))
    writer.add_file("scenario.json", b"{}")
    writer.add_file("checkpoint.txt", b"note\n")
    writer.add_entries(leaves[: len(leaves) // 2])
    writer.add_entries(leaves[len(leaves) // 2 :])
    for digest, content in bodies.items():
        writer.add_body(digest, content)
    writer.close()
    return out.getvalue()


def test_a_bundle_is_a_plain_tar_in_the_stated_order() -> None:
    leaves = [f'{{"n":{i}}}'.encode() for i in range(ENTRIES_PER_FILE + 3)]
    digest = "sha256:" + "ab" * 32
    data = _write(leaves, {digest: b'{"a":1}'})
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|") as archive:
        names = [member.name for member in archive]
    assert names == [
        "README.txt",
        "manifest.json",
        "scenario.json",
        "checkpoint.txt",
        "entries/000000.bin",
        "entries/000001.bin",
        f"bodies/{'ab' * 32}.json",
    ]
    members = list(read_members(io.BytesIO(data)))
    assert [m.name for m in members] == names
    first, second = (list(iter_leaves(m.data or b"")) for m in members[4:6])
    assert len(first) == ENTRIES_PER_FILE
    assert first + second == leaves
    assert members[6].data == b'{"a":1}'
    assert members[1].data == manifest_bytes(_manifest(len(leaves)))
    assert _manifest(len(leaves))["entry_files"] == names[4:6]


def test_members_can_be_skipped_and_reading_can_stop() -> None:
    data = _write([b"x", b"y"], {"sha256:" + "cd" * 32: b"1"})
    members = list(
        read_members(
            io.BytesIO(data),
            skip=lambda name: not name.startswith("entries/"),
            stop_after="entries/000000.bin",
        )
    )
    assert [(m.name, m.data is None) for m in members] == [
        ("README.txt", True),
        ("manifest.json", True),
        ("scenario.json", True),
        ("checkpoint.txt", True),
        ("entries/000000.bin", False),
    ]


def test_the_writer_keeps_the_order() -> None:
    writer = BundleWriter(io.BytesIO())
    with pytest.raises(BundleError, match="out of order"):
        writer.add_file("manifest.json", b"{}")
    writer.add_file("README.txt", b"")
    with pytest.raises(BundleError, match="entries come after"):
        writer.add_entries([b"x"])
    with pytest.raises(BundleError, match="bodies come after"):
        writer.add_body("sha256:" + "00" * 32, b"")


@pytest.mark.parametrize(
    ("where", "message"),
    [(148, "checksum"), (0, "checksum"), (600, "padding"), (-1, "marker"), (-1000, "damaged")],
)
def test_damage_is_refused(where: int, message: str) -> None:
    data = bytearray(_write([b"leaf"], {}))
    if where == 600:  # inside the padding after README.txt
        readme_size = len(readme_text(_manifest(1)).encode())
        where = 512 + readme_size + 1
    data[where] ^= 0x01
    with pytest.raises(BundleError, match=message):
        list(read_members(io.BytesIO(bytes(data))))


def test_data_after_the_end_is_refused() -> None:
    with pytest.raises(BundleError, match="after its end"):
        list(read_members(io.BytesIO(_write([b"leaf"], {}) + b"\x01")))


def test_truncation_is_refused() -> None:
    data = _write([b"leaf"], {})
    with pytest.raises(BundleError, match="truncated"):
        list(read_members(io.BytesIO(data[:-1100])))


@pytest.mark.parametrize(
    "data",
    [b"\x00\x00\x00", b"\x00\x00\x00\x05abc", b"\x00\x00\x00\x00", b"\xff\xff\xff\xffabc"],
)
def test_entry_files_are_strict(data: bytes) -> None:
    with pytest.raises(BundleError):
        list(iter_leaves(data))


def test_names_are_short_and_ascii() -> None:
    assert bundle.body_name("sha256:" + "ef" * 32) == f"bodies/{'ef' * 32}.json"
    assert bundle.entry_file_names(2 * ENTRIES_PER_FILE + 1)[-1] == "entries/000002.bin"
    with pytest.raises(BundleError, match="longer than 100"):
        BundleWriter(io.BytesIO())._member("x" * 101, b"")


def test_the_readme_says_how_to_verify() -> None:
    text = readme_text(_manifest(12))
    assert "truce verify" in text
    assert "first 12" in text
    assert "PK/pk-officer" in text
