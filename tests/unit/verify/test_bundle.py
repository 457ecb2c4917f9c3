"""The bundle format: a strict ustar archive written and read one member at a time."""

from __future__ import annotations

import io
import itertools
import tarfile

import pytest

from truce.verify import bundle
from truce.verify.bundle import (
    ENTRIES_PER_FILE,
    BundleError,
    BundleWriter,
    iter_bodies,
    iter_leaves,
    make_manifest,
    manifest_bytes,
    read_members,
    readme_text,
    record_offsets,
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


def _write(leaves: list[bytes], bodies: dict[int, bytes] | None = None) -> bytes:
    manifest = _manifest(len(leaves))
    out = io.BytesIO()
    writer = BundleWriter(out, mtime=1_700_000_000)
    writer.add_file("README.txt", readme_text(manifest).encode())
    writer.add_file("manifest.json", manifest_bytes(manifest))
    writer.add_file("scenario.json", b"{}")
    writer.add_file("checkpoint.txt", b"note\n")
    pairs = [(leaf, (bodies or {}).get(n)) for n, leaf in enumerate(leaves)]
    writer.add_entries(pairs[: len(leaves) // 2])
    writer.add_entries(pairs[len(leaves) // 2 :])
    writer.close()
    return out.getvalue()


def test_a_bundle_is_a_plain_tar_in_the_stated_order() -> None:
    leaves = [f'{{"n":{i}}}'.encode() for i in range(ENTRIES_PER_FILE + 3)]
    data = _write(leaves, {1: b'{"a":1}', ENTRIES_PER_FILE + 2: b"[]"})
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|") as archive:
        names = [member.name for member in archive]
    assert names == [
        "README.txt",
        "manifest.json",
        "scenario.json",
        "checkpoint.txt",
        "entries/000000.bin",
        "bodies/000000.bin",
        "entries/000001.bin",
        "bodies/000001.bin",
    ]
    members = list(read_members(io.BytesIO(data)))
    assert [m.name for m in members] == names
    first, second = (list(iter_leaves(m.data or b"")) for m in (members[4], members[6]))
    assert len(first) == ENTRIES_PER_FILE
    assert first + second == leaves
    bodies = [list(iter_bodies(m.data or b"")) for m in (members[5], members[7])]
    assert bodies[0][:3] == [None, b'{"a":1}', None]
    assert bodies[1] == [None, None, b"[]"]
    assert members[1].data == manifest_bytes(_manifest(len(leaves)))
    assert _manifest(len(leaves))["entry_files"] == [names[4], names[6]]


def test_members_can_be_skipped_and_reading_can_stop() -> None:
    data = _write([b"x", b"y"], {0: b"1"})
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
        writer.add_entries([(b"x", None)])
    for name in bundle.FIXED_MEMBERS[1:]:
        writer.add_file(name, b"")
    with pytest.raises(BundleError, match="a leaf of 0 bytes"):
        writer.add_entries([(b"", None)])
    with pytest.raises(BundleError, match="a body of 0 bytes"):
        writer.add_entries([(b"x", b"")])


@pytest.mark.parametrize(
    ("where", "message"),
    [(148, "checksum"), (0, "checksum"), (600, "padding"), (-1, "marker"), (-1000, "damaged")],
)
def test_damage_is_refused(where: int, message: str) -> None:
    data = bytearray(_write([b"leaf"]))
    if where == 600:  # inside the padding after README.txt
        readme_size = len(readme_text(_manifest(1)).encode())
        where = 512 + readme_size + 1
    data[where] ^= 0x01
    with pytest.raises(BundleError, match=message):
        list(read_members(io.BytesIO(bytes(data))))


def test_data_after_the_end_is_refused() -> None:
    with pytest.raises(BundleError, match="after its end"):
        list(read_members(io.BytesIO(_write([b"leaf"]) + b"\x01")))


def test_truncation_is_refused() -> None:
    data = _write([b"leaf"])
    with pytest.raises(BundleError, match="truncated"):
        list(read_members(io.BytesIO(data[:-1100])))


@pytest.mark.parametrize(
    "data",
    [b"\x00\x00\x00", b"\x00\x00\x00\x05abc", b"\x00\x00\x00\x00", b"\xff\xff\xff\xffabc"],
)
def test_entry_files_are_strict(data: bytes) -> None:
    with pytest.raises(BundleError):
        list(iter_leaves(data))


@pytest.mark.parametrize("data", [b"\x00\x00\x00", b"\x00\x00\x00\x05abc"])
def test_body_files_are_strict(data: bytes) -> None:
    with pytest.raises(BundleError):
        list(iter_bodies(data))
    with pytest.raises(BundleError):
        record_offsets(data, 2, leaves=False, name="bodies/000000.bin")


def test_record_offsets_cut_a_file_into_batches() -> None:
    leaves = [bytes([n]) * (n + 1) for n in range(5)]
    data = b"".join(len(leaf).to_bytes(4, "big") + leaf for leaf in leaves)
    offsets, count = record_offsets(data, 2, leaves=True, name="entries/000000.bin")
    assert count == 5
    assert [list(iter_leaves(data[a:b])) for a, b in itertools.pairwise(offsets)] == [
        leaves[0:2],
        leaves[2:4],
        leaves[4:],
    ]
    assert record_offsets(bytes(8), 1, leaves=False, name="b") == ([0, 4, 8], 2)
    with pytest.raises(BundleError, match="impossible length 0"):
        record_offsets(bytes(8), 1, leaves=True, name="e")


def test_names_are_short_and_ascii() -> None:
    assert bundle.body_file_name(3) == "bodies/000003.bin"
    assert bundle.entry_file_names(2 * ENTRIES_PER_FILE + 1)[-1] == "entries/000002.bin"
    with pytest.raises(BundleError, match="longer than 100"):
        BundleWriter(io.BytesIO())._member("x" * 101, b"")


def test_the_readme_says_how_to_verify() -> None:
    text = readme_text(_manifest(12))
    assert "truce verify" in text
    assert "first 12" in text
    assert "PK/pk-officer" in text
