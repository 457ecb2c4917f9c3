"""The log side of C2SP tlog-witness: push each new checkpoint to the scenario's witnesses.

A member whose scenario entry gives its witness a ``url`` runs a witness that speaks
c2sp.org/tlog-witness (``truce witness --listen``, litewitness, omniwitness ...). For
each new checkpoint the log posts to ``<url>/add-checkpoint`` the size that witness last
cosigned, the RFC 6962 consistency proof from it, and the checkpoint with the log's
signature, then:

- 200: the answer's signature lines are added to the checkpoint and stored exactly as a
  pulled cosignature is (:func:`truce.log.checkpoints.add_cosignatures` verifies each
  against the member's registered witness key, under the scenario's name);
- 409: the witness had cosigned another size, which the answer gives
  (``text/x.tlog.size``); the log sends again once with the proof from that size;
- 403, 404, 422 and anything else: the witness refused (a bad signature, an unknown log,
  an inconsistent tree); it is reported and tried again with the next checkpoint.

A ``422`` (the checkpoint does not extend what the witness cosigned) and a witness that
has cosigned more entries than the log holds (a rollback) are the witness's report that
the log misbehaves: they are also handed to ``on_refusal`` (the app alarms every member
with :func:`truce.notify.alarms.report`).

:class:`WitnessPusher` runs in ``truce serve`` as a background thread while the
scenario lists at least one witness URL; ``push`` does one round and is what the tests
call.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from truce.errors import TruceError
from truce.ledger.checkpoint import Checkpoint
from truce.ledger.note import Note, Signature, add_signature
from truce.log import checkpoints
from truce.log.store import LogStore
from truce.scenario.rules import Scenario
from truce.storage.db import Database

log = logging.getLogger(__name__)

SIZE_TYPE = "text/x.tlog.size"
ClientFor = Callable[[str], httpx.Client]
#: What is told of a witness's report: its member, the reason (``inconsistent``,
#: ``rollback``), the checkpoint's size and root, and the size the witness last cosigned.
OnRefusal = Callable[[str, str, int, bytes, int], object]


@dataclass(frozen=True, slots=True)
class Pushed:
    """What one witness answered to one checkpoint."""

    member: str
    url: str
    size: int
    status: int
    added: bool
    detail: str = ""
    #: Why the witness says the log misbehaves (``inconsistent``, ``rollback``), if it does.
    reason: str | None = None
    #: The size the witness last cosigned, as it said.
    since: int = 0


def add_checkpoint_body(old: int, proof: list[bytes], note: Note) -> bytes:
    """``old <size>``, one base64 line per proof hash, a blank line, the checkpoint."""
    lines = [f"old {old}", *(base64.b64encode(node).decode("ascii") for node in proof)]
    return ("\n".join(lines) + "\n\n").encode("ascii") + note.to_bytes()


def _default_client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=httpx.Timeout(30.0))


class WitnessPusher:
    """Pushes the newest checkpoint to every witness URL of the scenario."""

    def __init__(
        self,
        db: Database,
        scenario: Scenario,
        clock: Callable[[], datetime],
        *,
        client_for: ClientFor = _default_client,
        on_refusal: OnRefusal | None = None,
    ) -> None:
        self.db = db
        self.origin = scenario.mechanism.origin
        self.skew = timedelta(seconds=scenario.procedure.max_clock_skew_seconds)
        self.targets = {
            member.code: member.witness.url
            for member in scenario.witnesses
            if member.witness is not None and member.witness.url is not None
        }
        self.clock = clock
        self.client_for = client_for
        self.on_refusal = on_refusal
        self.known: dict[str, int] = {}
        """Per member, the size its witness last said it cosigned."""

    def push(self) -> list[Pushed]:
        """Offer the newest checkpoint to each witness that has not cosigned it."""
        with self.db.read() as connection:
            note = checkpoints.cosigned_note(connection)
            checkpoint = Checkpoint.parse(note.text)
            have = {
                member
                for member, (size, _) in checkpoints.cosignature_counts(connection).items()
                if size >= checkpoint.size
            }
        signed = Note(note.text, note.signatures[:1])
        results: list[Pushed] = []
        for member, url in sorted(self.targets.items()):
            if member in have:
                continue
            try:
                results.append(self._push_one(member, url, checkpoint, signed))
            except (httpx.HTTPError, TruceError) as exc:
                results.append(Pushed(member, url, checkpoint.size, 0, False, str(exc)))
        for result in results:
            if result.reason is not None and self.on_refusal is not None:
                try:
                    self.on_refusal(
                        result.member, result.reason, result.size, checkpoint.root, result.since
                    )
                except Exception:  # the alarm must not stop the pushing
                    log.exception("alarming of witness %s's report failed", result.member)
            if not result.added:
                log.warning(
                    "witness %s (%s) did not cosign checkpoint %d: %s %s",
                    result.member,
                    result.url,
                    result.size,
                    result.status,
                    result.detail,
                )
        return results

    def _proof(self, old: int, size: int) -> list[bytes]:
        if old == 0 or old >= size:
            return []
        with self.db.read() as connection:
            return LogStore(connection).consistency_proof(old, size)

    def _push_one(self, member: str, url: str, checkpoint: Checkpoint, note: Note) -> Pushed:
        old = self.known.get(member, 0)
        with self.client_for(url) as client:
            for _ in range(2):
                if old > checkpoint.size:
                    return Pushed(
                        member, url, checkpoint.size, 409, False,
                        f"the witness has cosigned {old} entries, more than this log has",
                        "rollback", old,
                    )  # fmt: skip
                body = add_checkpoint_body(old, self._proof(old, checkpoint.size), note)
                answer = client.post("/add-checkpoint", content=body)
                if answer.status_code == 409 and answer.headers.get("content-type", "").startswith(
                    SIZE_TYPE
                ):
                    old = int(answer.text.strip())
                    self.known[member] = old
                    continue
                break
        if answer.status_code != 200:
            return Pushed(
                member,
                url,
                checkpoint.size,
                answer.status_code,
                False,
                answer.text.strip(),
                "inconsistent" if answer.status_code == 422 else None,
                old,
            )
        cosigned = note
        for line in answer.text.splitlines():
            cosigned = add_signature(cosigned, Signature.parse_line(line))
        with self.db.write() as connection:
            _, added = checkpoints.add_cosignatures(
                connection, cosigned.to_bytes(), self.clock(), self.skew
            )
        self.known[member] = checkpoint.size
        return Pushed(member, url, checkpoint.size, 200, member in added)

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Push whenever a new checkpoint appears (checked every ``interval`` seconds),
        and again on the next checkpoint for a witness that did not cosign."""
        pushed_size: int | None = None
        while not stop.is_set():
            try:
                with self.db.read() as connection:
                    size = checkpoints.latest_size(connection)
                if size is not None and size != pushed_size:
                    self.push()
                    pushed_size = size
            except Exception:  # a background thread must outlive a bad round
                log.exception("pushing the checkpoint to the witnesses failed")
            stop.wait(interval)
