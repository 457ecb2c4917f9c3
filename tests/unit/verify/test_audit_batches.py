"""A bundle of many entry files and many batches, verified the ways ``truce verify`` can.

A real bundle holds 65,536 entries per file and ``truce verify`` hands its workers 8,192 at
a time, more than a unit test should build. Here both sizes are made small (8 entries per
file, batches of 2), so that a log of a few dozen acts crosses many files and batches:
the workers read their batches from the open bundle (threads and forked processes alike),
or are sent them when the bundle comes through a pipe.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.mechanism import Mechanism
from tests.unit.verify.test_audit import Members, cosign_latest, export, rewrite, statements
from truce.errors import ProofError
from truce.log import checkpoints
from truce.log.store import LogStore
from truce.verify import audit, bundle, replay
from truce.verify.audit import verify_bundle

PER_FILE = 8


@pytest.fixture
def small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entry files of 8 entries and batches of 2, for writing and for reading."""
    for module in (bundle, audit, replay):
        monkeypatch.setattr(module, "ENTRIES_PER_FILE", PER_FILE)
    monkeypatch.setattr(audit, "BATCH", 2)


@pytest.fixture
def long_bundle(mechanism: Mechanism, tmp_path: Path, small_files: None) -> Path:
    for _ in range(6):
        statements(mechanism, count=4)
    cosign_latest(mechanism)
    return export(mechanism, tmp_path / "long.bundle")


def head_of(mechanism: Mechanism) -> tuple[int, bytes]:
    with mechanism.db.read() as connection:
        head = LogStore(connection).head()
    return head.size, head.root


def through_a_pipe(path: Path, folder: Path) -> Path:
    """A named pipe that a thread fills with the bundle once it is opened."""
    fifo = folder / "bundle.fifo"
    os.mkfifo(fifo)

    def fill() -> None:
        with fifo.open("wb") as pipe:
            pipe.write(path.read_bytes())

    threading.Thread(target=fill, daemon=True).start()
    return fifo


def test_every_way_of_reading_gives_the_logs_root(
    mechanism: Mechanism, long_bundle: Path, tmp_path: Path
) -> None:
    size, root = head_of(mechanism)
    assert size > 5 * PER_FILE
    reports = [
        verify_bundle(long_bundle, workers=2, executor="threads"),
        verify_bundle(long_bundle, workers=2, executor="processes"),
        verify_bundle(through_a_pipe(long_bundle, tmp_path), workers=2),
    ]
    for report in reports:
        assert (report.size, report.root) == (size, root)
        assert report.witnessed
    assert len({report.bodies_checked for report in reports}) == 1


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_a_bad_signature_in_a_later_file_is_named(
    long_bundle: Path, tmp_path: Path, executor: audit.Executors
) -> None:
    def edit(members: Members) -> Members:
        result = []
        for name, data in members:
            if name == "entries/000003.bin":
                leaves = bundle.split_leaves(data)
                # The signature of the third leaf of the fourth file (entry 3 * 8 + 2)
                # gets another letter of its alphabet, so the leaf stays well formed.
                at = leaves[2].index(b'"sig":"') + 12
                letter = b"B" if leaves[2][at : at + 1] == b"A" else b"A"
                leaves[2] = leaves[2][:at] + letter + leaves[2][at + 1 :]
                data = b"".join(len(leaf).to_bytes(4, "big") + leaf for leaf in leaves)
            result.append((name, data))
        return result

    broken = rewrite(long_bundle, tmp_path / "broken", edit)
    with pytest.raises(ProofError, match=rf"^entry {3 * PER_FILE + 2}: the signature"):
        verify_bundle(broken, workers=2, executor=executor)


def test_a_trusted_checkpoint_inside_a_later_batch(
    mechanism: Mechanism, tmp_path: Path, small_files: None
) -> None:
    for _ in range(3):
        statements(mechanism, count=4)
    with mechanism.db.read() as connection:
        earlier = checkpoints.cosigned_note(connection).to_bytes()
        trusted_size = LogStore(connection).head().size
    for _ in range(3):
        statements(mechanism, count=4)
    cosign_latest(mechanism)
    path = export(mechanism, tmp_path / "b")
    report = verify_bundle(path, trusted_checkpoint=earlier, workers=2, executor="processes")
    assert report.trusted_size == trusted_size
    assert trusted_size > 2 * PER_FILE
    assert report.size > trusted_size
