"""Offline verification of audit bundles, and the attacks it must refuse.

Each test builds a real bundle from the istanbul-2025 demo mechanism (on SQLite and on
PostgreSQL), then checks it as it is or after rewriting it the way an attacker would.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.mechanism import Mechanism
from truce.accounts.service import Identity
from truce.errors import LogMisbehaviourError, ProofError, UnknownKeyError
from truce.ledger.checkpoint import Checkpoint, cosign, sign_checkpoint
from truce.ledger.envelope import sign_act
from truce.ledger.keys import SigningKey
from truce.ledger.note import Note, Signature, add_signature
from truce.log import checkpoints
from truce.log.checkpoints import LogSigner
from truce.log.export import export_bundle
from truce.log.store import LogStore
from truce.verify import bundle as bundle_format
from truce.verify.audit import AuditError, verify_bundle

Members = list[tuple[str, bytes]]

# -- helpers (also used by the functional tests) ----------------------------------------


def cosign_latest(mechanism: Mechanism, members: list[str] | None = None) -> int:
    """Have the witnesses of ``members`` (default: all) cosign the newest checkpoint."""
    codes = members if members is not None else [m.code for m in mechanism.scenario.witnesses]
    with mechanism.db.write() as connection:
        note = checkpoints.cosigned_note(connection)
        checkpoint = Checkpoint.parse(note.text)
        timestamp = int(mechanism.clock().timestamp())
        for code in codes:
            key = mechanism.key(f"{code.lower()}-witness").key
            note = add_signature(
                note,
                cosign(checkpoint, mechanism.scenario.witness_key_name(code), key, timestamp),
            )
        checkpoints.add_cosignatures(
            connection, note.to_bytes(), mechanism.clock(), timedelta(seconds=60)
        )
    return checkpoint.size


def statements(mechanism: Mechanism, count: int = 3) -> None:
    """Log a few statements with distinct bodies, one addressed to the mediators only."""
    mechanism.clock.advance(seconds=1)
    tag = mechanism.clock().isoformat()
    acts = [
        mechanism.act(
            "pk-officer",
            body={"title": f"Statement {i}", "text": f"Holds at {tag}.", "language": "en"},
        )
        for i in range(count)
    ]
    acts.append(
        mechanism.act(
            "tr-officer",
            body={"title": "Mediators only", "text": f"Private, {tag}.", "language": "en"},
            audience="mediators",
        )
    )
    mechanism.admission.submit_many(acts)


def export(mechanism: Mechanism, path: Path, who: str = "pk-officer") -> Path:
    """Export the bundle of demo delegate ``who``."""
    key_file = mechanism.key(who)
    export_bundle(mechanism.db, path, Identity(key_file.member, key_file.delegate))
    return path


def members_of(path: Path) -> Members:
    with tarfile.open(path, mode="r:") as archive:
        return [
            (info.name, archive.extractfile(info).read())  # type: ignore[union-attr]
            for info in archive.getmembers()
        ]


def write_members(path: Path, members: Members) -> Path:
    """Write members as a plain ustar archive (what an attacker's tar would do)."""
    with tarfile.open(path, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def rewrite(source: Path, target: Path, edit: Callable[[Members], Members]) -> Path:
    """Copy a bundle member by member through ``edit``."""
    return write_members(target, edit(members_of(source)))


def flip(source: Path, target: Path, name: str, offset: int) -> Path:
    """Copy a bundle with one bit of one byte of member ``name`` flipped."""

    def edit(members: Members) -> Members:
        result = []
        for member, data in members:
            if member == name:
                changed = bytearray(data)
                changed[offset] ^= 0x01
                data = bytes(changed)
            result.append((member, data))
        return result

    return rewrite(source, target, edit)


def flip_file(source: Path, target: Path, offset: int) -> Path:
    """Copy a bundle with one byte of the file itself flipped (headers included)."""
    data = bytearray(source.read_bytes())
    data[offset] ^= 0x01
    target.write_bytes(bytes(data))
    return target


def leaves_of(members: Members) -> list[bytes]:
    return [
        leaf
        for name, data in members
        if name.startswith("entries/")
        for leaf in bundle_format.iter_leaves(data)
    ]


def bodies_of(members: Members) -> list[bytes | None]:
    """The body beside each entry (``None`` where the bundle withholds it)."""
    return [
        body
        for name, data in members
        if name.startswith("bodies/")
        for body in bundle_format.iter_bodies(data)
    ]


def body_offset(members: Members, index: int) -> int:
    """Where the record of entry ``index`` (of the first file) starts in its body file."""
    bodies = bodies_of(members)
    return sum(4 + len(body or b"") for body in bodies[:index])


def with_leaves(
    members: Members,
    leaves: list[bytes],
    fix_manifest: bool = True,
    bodies: list[bytes | None] | None = None,
) -> Members:
    """The members with the entries (and bodies) replaced, the manifest and README to match."""
    chunk = b"".join(len(leaf).to_bytes(4, "big") + leaf for leaf in leaves)
    body_chunk = b"".join(
        len(body or b"").to_bytes(4, "big") + (body or b"")
        for body in (bodies if bodies is not None else bodies_of(members))
    )
    result: Members = []
    manifest = json.loads(dict(members)["manifest.json"])
    if fix_manifest:
        manifest["size"] = len(leaves)
    for name, data in members:
        if name == "README.txt":
            data = bundle_format.readme_text(manifest).encode()
        elif name == "manifest.json":
            data = bundle_format.manifest_bytes(manifest)
        elif name == "entries/000000.bin":
            data = chunk
        elif name == "bodies/000000.bin":
            data = body_chunk
        result.append((name, data))
    return result


def bad(path: Path, match: str, **kwargs: object) -> str:
    with pytest.raises(ProofError, match=match) as caught:
        verify_bundle(path, workers=2, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


@pytest.fixture
def witnessed(mechanism: Mechanism, tmp_path: Path) -> Path:
    """The PK officer's bundle of a log with statements and a witnessed checkpoint."""
    statements(mechanism)
    cosign_latest(mechanism)
    return export(mechanism, tmp_path / "pk.bundle")


# -- success ------------------------------------------------------------------------------


def test_a_witnessed_bundle_verifies(mechanism: Mechanism, witnessed: Path) -> None:
    seen: list[tuple[int, int]] = []
    report = verify_bundle(witnessed, workers=2, progress=lambda d, t: seen.append((d, t)))
    with mechanism.db.read() as connection:
        head = LogStore(connection).head()
    assert (report.size, report.root) == (head.size, head.root)
    assert report.witnessed
    assert report.cosigned_by == ("AF", "PK", "QA", "TR")
    assert report.checkpoint_key_source == "scenario"
    assert report.bodies_outside_audience == 1
    assert report.bodies_checked == head.size - 1
    assert seen[-1] == (head.size, head.size)
    line = report.summary()
    assert f"verified {head.size:,} entries up to checkpoint {head.size}" in line
    assert "4 of 4 witnesses" in line
    assert "1 outside your audience" in line


def test_processes_give_the_same_report(witnessed: Path) -> None:
    threads = verify_bundle(witnessed, workers=2)
    processes = verify_bundle(witnessed, workers=2, executor="processes")
    assert (threads.size, threads.root, threads.bodies_checked) == (
        processes.size,
        processes.root,
        processes.bodies_checked,
    )


def test_bodies_outside_the_audience_are_never_exported(
    mechanism: Mechanism, witnessed: Path, tmp_path: Path
) -> None:
    with mechanism.db.read() as connection:
        [(index, digest)] = connection.exec_driver_sql(
            "SELECT idx, body_digest FROM acts WHERE audience = '\"mediators\"'"
            if mechanism.url.startswith("sqlite")
            else "SELECT idx, body_digest FROM acts WHERE audience::text = '\"mediators\"'"
        ).all()
    assert bodies_of(members_of(witnessed))[index] is None
    mediator = export(mechanism, tmp_path / "tr.bundle", "tr-officer")
    body = bodies_of(members_of(mediator))[index]
    assert body is not None
    assert bundle_format.sha256_hex(body) == digest.removeprefix("sha256:")
    assert verify_bundle(mediator).bodies_outside_audience == 0


def test_an_unwitnessed_checkpoint_is_reported(mechanism: Mechanism, tmp_path: Path) -> None:
    statements(mechanism)
    cosign_latest(mechanism, ["PK", "TR"])
    report = verify_bundle(export(mechanism, tmp_path / "b"))
    assert not report.witnessed
    assert report.cosigned_by == ("PK", "TR")
    assert "NOT WITNESSED" in report.summary()


def test_the_newest_witnessed_checkpoint_is_exported(mechanism: Mechanism, tmp_path: Path) -> None:
    statements(mechanism)
    size = cosign_latest(mechanism)
    statements(mechanism)
    report = verify_bundle(export(mechanism, tmp_path / "b"))
    assert report.size == size
    assert report.witnessed


def test_a_log_key_given_by_the_user(mechanism: Mechanism, witnessed: Path) -> None:
    key = mechanism.scenario.mechanism.checkpoint_key
    assert verify_bundle(witnessed, log_key=key).checkpoint_key_source == "--log-key"
    bad(witnessed, "unknown key", log_key=SigningKey.generate().public_key.text)


# -- tampering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "where", "reason"),
    [
        # a length prefix
        ("entries/000000.bin", 2, r"entries/000000\.bin holds an entry of impossible length \d+"),
        # inside the genesis envelope
        ("entries/000000.bin", 300, r"entry 0: malformed envelope: .*"),
        # the end of the last envelope
        ("entries/000000.bin", -3, r"entry \d+: the entry is not a JSON act envelope: .*"),
        # the length of the genesis body
        ("bodies/000000.bin", 2, r"bodies/000000\.bin holds a body of impossible length \d+"),
        # inside the genesis body (the scenario)
        ("bodies/000000.bin", 100, r"entry 0: the genesis body does not match its body_digest"),
        # the end of the last body
        ("bodies/000000.bin", -3, r"bodies/000000\.bin holds a body of impossible length \d+"),
        # the origin line; size or root
        ("checkpoint.txt", 5, r"checkpoint\.txt: the log signature of .* does not verify .*"),
        ("checkpoint.txt", 40, r"checkpoint\.txt: the log signature of .* does not verify .*"),
        ("scenario.json", 100, r"scenario\.json differs from the scenario of the genesis entry"),
        ("README.txt", 10, r"README\.txt differs from the README of this manifest"),
        ("manifest.json", 5, r"manifest\.json: the format is not truce-bundle/2"),
    ],
)
def test_a_flipped_byte_is_refused(
    witnessed: Path, tmp_path: Path, member: str, where: int, reason: str
) -> None:
    """Each flipped byte is refused for what it broke, named in the audit's reason."""
    data = dict(members_of(witnessed))[member]
    offset = where % len(data)
    with pytest.raises(AuditError) as caught:
        verify_bundle(flip(witnessed, tmp_path / "x", member, offset), workers=2)
    assert re.fullmatch(reason, str(caught.value)), str(caught.value)


def test_a_flipped_byte_in_a_signature_names_the_entry(witnessed: Path, tmp_path: Path) -> None:
    data = dict(members_of(witnessed))["entries/000000.bin"]
    leaves = list(bundle_format.iter_leaves(data))
    position = sum(4 + len(leaf) for leaf in leaves[:5]) + 4 + leaves[5].index(b'"sig":"') + 20
    message = bad(flip(witnessed, tmp_path / "x", "entries/000000.bin", position), "entry 5")
    assert "signature" in message or "sig" in message


def test_a_flipped_byte_in_a_body_names_the_entry(witnessed: Path, tmp_path: Path) -> None:
    members = members_of(witnessed)
    last = len(leaves_of(members)) - 2  # a statement's body, disclosed
    offset = body_offset(members, last) + 4 + 3
    message = bad(flip(witnessed, tmp_path / "x", "bodies/000000.bin", offset), "does not match")
    assert message.startswith(f"entry {last}: its body in bodies/000000.bin does not match")


def test_a_flipped_byte_anywhere_in_the_file(witnessed: Path, tmp_path: Path) -> None:
    size = witnessed.stat().st_size
    for offset in (0, 148, 700, size // 3, size // 2, size - 2000, size - 600):
        with pytest.raises(ProofError):
            verify_bundle(flip_file(witnessed, tmp_path / f"x{offset}", offset))


def test_a_removed_entry_is_refused(witnessed: Path, tmp_path: Path) -> None:
    def edit(members: Members) -> Members:
        leaves, bodies = leaves_of(members), bodies_of(members)
        return with_leaves(members, leaves[:-3] + leaves[-2:], bodies=bodies[:-3] + bodies[-2:])

    bad(rewrite(witnessed, tmp_path / "x", edit), "covers")


def test_a_removed_key_registration_names_the_first_entry_it_breaks(
    witnessed: Path, tmp_path: Path
) -> None:
    def edit(members: Members) -> Members:
        leaves, bodies = leaves_of(members), bodies_of(members)
        return with_leaves(members, leaves[:7] + leaves[8:], bodies=bodies[:7] + bodies[8:])

    bad(rewrite(witnessed, tmp_path / "x", edit), r"entry \d+: key .* is not registered")


def test_a_removed_last_entry_is_refused(witnessed: Path, tmp_path: Path) -> None:
    def edit(members: Members) -> Members:
        leaves, bodies = leaves_of(members), bodies_of(members)
        return with_leaves(members, leaves[:-1], fix_manifest=False, bodies=bodies[:-1])

    bad(rewrite(witnessed, tmp_path / "x", edit), "entry_files|manifest|holds")


def test_swapped_entries_are_refused(witnessed: Path, tmp_path: Path) -> None:
    def edit(members: Members) -> Members:
        leaves, bodies = leaves_of(members), bodies_of(members)
        leaves[-2], leaves[-3] = leaves[-3], leaves[-2]
        bodies[-2], bodies[-3] = bodies[-3], bodies[-2]
        return with_leaves(members, leaves, bodies=bodies)

    bad(rewrite(witnessed, tmp_path / "x", edit), "reordered")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: [(n, d + bytes(4) if n == "bodies/000000.bin" else d) for n, d in m], "records"),
        (lambda m: [(n, d) for n, d in m if n != "bodies/000000.bin"], "does not follow"),
        (lambda m: [*m, ("bodies/extra.json", b"{}")], "unexpected file"),
        (lambda m: [*m, ("entries/000002.bin", bytes(4))], "out of sequence"),
    ],
)
def test_the_body_files_must_match_the_entry_files(
    witnessed: Path, tmp_path: Path, edit: Callable[[Members], Members], message: str
) -> None:
    bad(rewrite(witnessed, tmp_path / "x", edit), message)


def test_an_undisclosed_key_registration_is_refused(witnessed: Path, tmp_path: Path) -> None:
    def edit(members: Members) -> Members:
        bodies = [
            None if body is not None and body.startswith(b'{"action":"register"') else body
            for body in bodies_of(members)
        ]
        return with_leaves(members, leaves_of(members), bodies=bodies)

    bad(rewrite(witnessed, tmp_path / "x", edit), r"entry 1: key registration body not disclosed")


def test_a_checkpoint_signed_by_an_unknown_key(
    mechanism: Mechanism, witnessed: Path, tmp_path: Path
) -> None:
    origin = mechanism.scenario.mechanism.origin

    def edit(members: Members) -> Members:
        note = Note.parse(dict(members)["checkpoint.txt"])
        forged = sign_checkpoint(Checkpoint.parse(note.text), origin, SigningKey.generate())
        return [(n, forged.to_bytes() if n == "checkpoint.txt" else d) for n, d in members]

    bad(rewrite(witnessed, tmp_path / "x", edit), "checkpoint.txt: .*unknown key")


def test_a_bad_cosignature_is_refused(
    mechanism: Mechanism, witnessed: Path, tmp_path: Path
) -> None:
    def edit(members: Members) -> Members:
        note = Note.parse(dict(members)["checkpoint.txt"])
        signatures = list(note.signatures)
        witness = next(i for i, s in enumerate(signatures) if "/witness/" in s.name)
        original = signatures[witness]
        damaged = bytearray(original.signature)
        damaged[-1] ^= 0x01
        signatures[witness] = Signature(original.name, original.key_id, bytes(damaged))
        forged = Note(note.text, tuple(signatures))
        return [(n, forged.to_bytes() if n == "checkpoint.txt" else d) for n, d in members]

    bad(rewrite(witnessed, tmp_path / "x", edit), "bad cosignature")


# -- rollback and split view ------------------------------------------------------------------


def test_a_trusted_checkpoint_that_the_log_extends(mechanism: Mechanism, tmp_path: Path) -> None:
    with mechanism.db.read() as connection:
        earlier = checkpoints.cosigned_note(connection).to_bytes()
    statements(mechanism)
    cosign_latest(mechanism)
    report = verify_bundle(export(mechanism, tmp_path / "b"), trusted_checkpoint=earlier)
    assert report.trusted_size is not None
    assert report.trusted_size < report.size
    assert "consistent with your checkpoint" in report.summary()


def test_a_rolled_back_log_is_refused(mechanism: Mechanism, witnessed: Path) -> None:
    statements(mechanism)
    with mechanism.db.read() as connection:
        later = checkpoints.cosigned_note(connection).to_bytes()
    with pytest.raises(LogMisbehaviourError, match=r"rewritten .*only"):
        verify_bundle(witnessed, trusted_checkpoint=later)


def test_a_split_view_is_refused(mechanism: Mechanism, witnessed: Path) -> None:
    report = verify_bundle(witnessed)
    signer = LogSigner.from_key_file(mechanism.scenario, mechanism.log_key_file)
    origin = mechanism.scenario.mechanism.origin
    for size in (report.size, report.size - 3):
        other = sign_checkpoint(Checkpoint(origin, size, b"\x07" * 32), origin, signer.key)
        with pytest.raises(LogMisbehaviourError, match="split view"):
            verify_bundle(witnessed, trusted_checkpoint=other.to_bytes())


def test_a_trusted_checkpoint_needs_the_log_signature(witnessed: Path) -> None:
    forged = sign_checkpoint(
        Checkpoint("truce.example/istanbul-2025", 3, b"\x07" * 32),
        "truce.example/istanbul-2025",
        SigningKey.generate(),
    )
    bad(witnessed, "your trusted checkpoint", trusted_checkpoint=forged.to_bytes())


# -- revoked keys -----------------------------------------------------------------------------


def test_an_act_signed_after_its_key_was_revoked(mechanism: Mechanism, tmp_path: Path) -> None:
    officer = mechanism.key("pk-officer")
    revoke = mechanism.act(
        "pk-root",
        "member.key",
        {
            "action": "revoke",
            "delegate": "pk-officer",
            "role": "officer",
            "public_key": officer.key.public_key.text,
        },
    )
    mechanism.admission.submit_many([revoke])
    late = sign_act(
        kind="statement.publish",
        mechanism=mechanism.scenario.mechanism.id,
        member="PK",
        delegate="pk-officer",
        key=officer.key,
        body={"title": "Late", "text": "Signed after revocation.", "language": "en"},
        at=mechanism.clock(),
    )
    with pytest.raises(UnknownKeyError, match="revoked"):
        mechanism.admission.submit(late)  # the server refuses it
    signer = LogSigner.from_key_file(mechanism.scenario, mechanism.log_key_file)
    with mechanism.db.write() as connection:
        store = LogStore(connection)
        [index] = store.append(
            [(late.envelope.leaf_bytes(), late.envelope.leaf_hash())],
            [(late.envelope.body_digest, late.envelope.check_body(late.body))],
        )
        checkpoints.sign_head(store, signer, mechanism.clock())
    cosign_latest(mechanism)
    path = export(mechanism, tmp_path / "b", "pk-root")
    bad(path, f"entry {index}: key .* was revoked at log index {index - 1}")


def test_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "x").write_bytes(b"hello")
    with pytest.raises(AuditError, match="truncated"):
        verify_bundle(tmp_path / "x")
    with pytest.raises(AuditError, match="cannot read"):
        verify_bundle(tmp_path / "missing")


def test_the_fast_canonical_form_is_rfc_8785(mechanism: Mechanism) -> None:
    from truce.verify.leaves import canonical as _canonical

    for act in (
        mechanism.act("pk-officer"),
        mechanism.act("pk-officer", audience=["TR", "AF"], refs=("ab" * 32, "cd" * 32)),
        mechanism.act("tr-officer", audience="mediators"),
    ):
        assert _canonical(act.envelope) == act.envelope.leaf_bytes()
