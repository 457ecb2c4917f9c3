"""A member's witness: check each new checkpoint, then cosign it.

What a witness proves for its member, run from the member's own machine:

- the log it cosigns only ever grew: each new checkpoint is checked against the last one
  this witness cosigned with an RFC 6962 consistency proof, so a rollback or a rewrite
  is refused;
- the log is the mechanism its member agreed to: on its first run the witness checks
  that entry 0 is the genesis act carrying exactly the scenario file it was given, and
  that every checkpoint it cosigns includes that entry;
- every member was shown the same log: the served checkpoint carries the other members'
  cosignatures, and ``--peer`` compares it with checkpoints obtained elsewhere (another
  member's mirror), so two different trees of one size are caught.

On any conflict the witness refuses to cosign, keeps both signed checkpoints (and the
proof it was given) under ``STATE/evidence/``, and says what it saw in plain words.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx

from truce.errors import ConfigurationError, LogMisbehaviourError, ProofError, TruceError
from truce.ledger import jcs, merkle
from truce.ledger.checkpoint import (
    Checkpoint,
    cosign,
    log_verifier,
    open_checkpoint,
    witness_name,
)
from truce.ledger.envelope import Envelope
from truce.ledger.keys import KeyFile, PublicKey
from truce.ledger.note import Note, add_signature
from truce.log.witness_report import sign_report
from truce.scenario.rules import Scenario

TRUSTED = "trusted.json"
COSIGNED = "cosigned.txt"
EVIDENCE = "evidence"
#: Where a witness posts its signed report of a misbehaving log.
REPORTS = "/log/v1/witness-reports"


@dataclass(frozen=True, slots=True)
class Trusted:
    """What the witness pinned on its first run."""

    server: str
    origin: str
    checkpoint_key: str
    genesis_leaf_hash: str
    member: str
    witness_name: str | None = None
    """The key name to cosign under, from the scenario; state pinned before scenarios
    named witnesses has none, and cosigns as ``<origin>/witness/<MEMBER>``."""

    def key_name(self) -> str:
        """The key name this witness cosigns under."""
        return self.witness_name or witness_name(self.origin, self.member)

    def verifier_key(self) -> PublicKey:
        """The checkpoint key every checkpoint must be signed with."""
        return PublicKey.parse(self.checkpoint_key)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run did."""

    size: int
    root: bytes
    previous_size: int | None
    added: bool
    cosigners: int


def _get(client: httpx.Client, path: str, **params: Any) -> httpx.Response:
    try:
        response = client.get(path, params=params or None)
    except httpx.HTTPError as exc:
        raise ConfigurationError(f"cannot reach the server: {exc}") from exc
    if response.status_code != 200:
        raise ProofError(f"the server answered {response.status_code} to GET {path}")
    return response


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class Witness:
    """One member's witness over one log, with its state in a folder."""

    def __init__(
        self,
        client: httpx.Client,
        key_file: KeyFile,
        state_dir: Path,
        *,
        scenario: Scenario | None = None,
        peers: Sequence[httpx.Client] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if key_file.role != "witness":
            raise ConfigurationError(
                f"{key_file.member}/{key_file.delegate} is a {key_file.role} key; "
                "a witness cosigns with a key registered with the role witness"
            )
        self.client = client
        self.key_file = key_file
        self.state_dir = state_dir
        self.scenario = scenario
        self.peers = peers
        self.clock = clock

    # -- state ----------------------------------------------------------------------------

    def trusted(self) -> Trusted:
        """The pinned facts, established on the first run from the member's scenario."""
        path = self.state_dir / TRUSTED
        if path.exists():
            trusted = Trusted(**json.loads(path.read_text(encoding="utf-8")))
            if trusted.member != self.key_file.member:
                raise ConfigurationError(
                    f"{self.state_dir} is the state of {trusted.member}'s witness, "
                    f"not {self.key_file.member}'s"
                )
            return trusted
        if self.scenario is None:
            raise ConfigurationError(
                "the first run needs --scenario: the scenario file your member agreed to"
            )
        trusted = self._pin_genesis(self.scenario)
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomically(path, json.dumps(dataclasses.asdict(trusted), indent=2).encode())
        return trusted

    def _pin_genesis(self, scenario: Scenario) -> Trusted:
        entries = _get(self.client, "/log/v1/entries", start=0, end=0).json()["entries"]
        leaf = base64.b64decode(entries[0]["leaf"])
        envelope = Envelope.from_dict(json.loads(leaf))
        if envelope.kind != "mechanism.genesis":
            raise LogMisbehaviourError("entry 0 of this log is not a mechanism.genesis act")
        expected = jcs.sha256_digest(scenario.model_dump(mode="json"))
        if envelope.body_digest != expected:
            raise LogMisbehaviourError(
                "this log was started with a different scenario than the one given: "
                f"its genesis body is {envelope.body_digest}, the file is {expected}"
            )
        if not envelope.verify_signature(scenario.secretariat.public_key()):
            raise LogMisbehaviourError(
                "the genesis act is not signed by the scenario's secretariat root key"
            )
        return Trusted(
            server=str(self.client.base_url),
            origin=scenario.mechanism.origin,
            checkpoint_key=scenario.mechanism.checkpoint_key,
            genesis_leaf_hash=merkle.hash_leaf(leaf).hex(),
            member=self.key_file.member,
            witness_name=scenario.witness_key_name(self.key_file.member),
        )

    def last_cosigned(self, trusted: Trusted) -> tuple[Checkpoint, bytes] | None:
        """The last checkpoint this witness cosigned, re-verified from its state."""
        path = self.state_dir / COSIGNED
        if not path.exists():
            return None
        data = path.read_bytes()
        verifier = log_verifier(trusted.origin, trusted.verifier_key())
        checkpoint, _ = open_checkpoint(data, verifier, origin=trusted.origin)
        return checkpoint, data

    # -- one run --------------------------------------------------------------------------

    def run_once(self) -> Outcome:
        """Fetch, check, and cosign the newest checkpoint; raise on any conflict."""
        trusted = self.trusted()
        verifier = log_verifier(trusted.origin, trusted.verifier_key())
        offered_bytes = _get(self.client, "/log/v1/checkpoint").content
        offered, note = open_checkpoint(offered_bytes, verifier, origin=trusted.origin)
        previous = self.last_cosigned(trusted)
        if previous is None:
            self.check_genesis_included(trusted, offered)
        else:
            self._check_growth(previous, offered, offered_bytes)
        for peer in self.peers:
            self._check_peer(peer, verifier, trusted, offered, offered_bytes)
        timestamp = int(self.clock().timestamp())
        signature = cosign(offered, trusted.key_name(), self.key_file.key, timestamp)
        cosigned = add_signature(note, signature)
        try:
            response = self.client.post(
                "/log/v1/cosignatures",
                content=cosigned.to_bytes(),
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
        except httpx.HTTPError as exc:
            raise ConfigurationError(f"cannot reach the server: {exc}") from exc
        if response.status_code != 200:
            detail = response.json().get("detail", response.text) if response.content else ""
            raise ProofError(f"the server refused the cosignature: {detail}")
        write_atomically(self.state_dir / COSIGNED, cosigned.to_bytes())
        return Outcome(
            size=offered.size,
            root=offered.root,
            previous_size=None if previous is None else previous[0].size,
            added=bool(response.json()["added"]),
            cosigners=len(cosigned.signatures) - 1,
        )

    def check_genesis_included(self, trusted: Trusted, offered: Checkpoint) -> None:
        """Check, through the server, that ``offered`` includes the pinned genesis act."""
        if offered.size < 1:
            raise LogMisbehaviourError("the checkpoint covers an empty log")
        proof = _get(self.client, "/log/v1/proof/inclusion", index=0, size=offered.size).json()
        merkle.verify_inclusion(
            bytes.fromhex(trusted.genesis_leaf_hash),
            0,
            offered.size,
            [base64.b64decode(node) for node in proof["audit_path"]],
            offered.root,
        )

    def _check_growth(
        self, previous: tuple[Checkpoint, bytes], offered: Checkpoint, offered_bytes: bytes
    ) -> None:
        old, old_bytes = previous
        if offered.size < old.size:
            self.keep_evidence(
                "rollback",
                f"rollback: the server now offers a log of {offered.size} entries, but this "
                f"witness already cosigned {old.size} entries",
                old_bytes,
                offered_bytes,
            )
        if offered.size == old.size:
            if offered.root != old.root:
                self.keep_evidence(
                    "fork",
                    f"two different roots for the same size {old.size}: the log was rewritten",
                    old_bytes,
                    offered_bytes,
                )
            return
        proof = _get(
            self.client, "/log/v1/proof/consistency", first=old.size, second=offered.size
        ).json()
        hashes = [base64.b64decode(node) for node in proof["consistency"]]
        try:
            merkle.verify_consistency(old.size, offered.size, old.root, offered.root, hashes)
        except ProofError as exc:
            self.keep_evidence(
                "inconsistent",
                f"the log of {offered.size} entries does not extend the {old.size} entries this "
                f"witness cosigned ({exc})",
                old_bytes,
                offered_bytes,
                proof,
            )

    def _check_peer(
        self,
        peer: httpx.Client,
        verifier: Any,
        trusted: Trusted,
        offered: Checkpoint,
        offered_bytes: bytes,
    ) -> None:
        peer_bytes = _get(peer, "/log/v1/checkpoint").content
        seen, _ = open_checkpoint(peer_bytes, verifier, origin=trusted.origin)
        if seen.size == offered.size:
            if seen.root != offered.root:
                self.keep_evidence(
                    "split-view",
                    f"split view: {peer.base_url} was shown a different tree of the same size "
                    f"{seen.size}",
                    peer_bytes,
                    offered_bytes,
                )
            return
        small, large, source = (
            (seen, offered, self.client) if seen.size < offered.size else (offered, seen, peer)
        )
        proof = _get(source, "/log/v1/proof/consistency", first=small.size, second=large.size)
        hashes = [base64.b64decode(node) for node in proof.json()["consistency"]]
        try:
            merkle.verify_consistency(small.size, large.size, small.root, large.root, hashes)
        except ProofError as exc:
            self.keep_evidence(
                "split-view",
                f"split view: the tree {peer.base_url} was shown ({seen.size} entries) and the "
                f"one offered here ({offered.size}) are not one log ({exc})",
                peer_bytes,
                offered_bytes,
                proof.json(),
            )

    def keep_evidence(
        self,
        reason: str,
        message: str,
        earlier: bytes,
        offered: bytes,
        proof: dict[str, Any] | None = None,
    ) -> NoReturn:
        """Keep both signed checkpoints (and the proof) under ``evidence/``, then raise
        :class:`~truce.errors.LogMisbehaviourError` saying what was seen."""
        stamp = self.clock().strftime("%Y%m%dT%H%M%SZ")
        folder = self.state_dir / EVIDENCE / f"{stamp}-{reason}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "earlier-checkpoint.txt").write_bytes(earlier)
        (folder / "offered-checkpoint.txt").write_bytes(offered)
        if proof is not None:
            (folder / "proof.json").write_text(json.dumps(proof, indent=2), encoding="utf-8")
        told = self.report(reason, offered)
        raise LogMisbehaviourError(
            f"{message}. Refusing to cosign; both signed checkpoints are kept in {folder}{told}"
        )

    def report(self, reason: str, offered: bytes) -> str:
        """Post a signed report of ``reason`` about the ``offered`` checkpoint to the
        server, whose members are then alarmed (:mod:`truce.log.witness_report`); say
        in a sentence whether the server took it (the evidence is kept either way)."""
        try:
            trusted = self.trusted()
            checkpoint = Checkpoint.parse(Note.parse(offered).text)
            previous = self.last_cosigned(trusted)
            body = sign_report(
                trusted.origin,
                reason,
                checkpoint.size,
                checkpoint.root,
                previous[0].size if previous else 0,
                trusted.key_name(),
                self.key_file.key,
            )
            answer = self.client.post(
                REPORTS,
                content=body,
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
        except (httpx.HTTPError, TruceError) as exc:
            return f"; the report to the server failed: {exc}"
        if answer.status_code != 200:
            return f"; the server refused the report ({answer.status_code})"
        return "; the server was sent a signed report and alarms every member"
