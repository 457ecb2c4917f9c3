"""The witness side of C2SP tlog-witness (c2sp.org/tlog-witness), served by ``truce witness
--listen``: a log (truce's, or any that speaks the protocol) pushes its checkpoints.

``POST /add-checkpoint`` takes ``old <size>``, up to 63 base64 consistency-proof lines, a
blank line and the checkpoint. The witness answers, in the protocol's order:

- 400 for a body it cannot read, or an old size above the checkpoint's;
- 404 for a checkpoint of another origin than the one it witnesses;
- 403 when the log's signature is missing or does not verify;
- 409 when the old size is not the size it last cosigned, with that size
  (``text/x.tlog.size``), so the log can send the right proof;
- 422 for a non-empty proof from size 0, a proof that does not verify, a different root
  for the size it cosigned, or a first checkpoint that does not include the genesis
  act of the member's scenario (checked through the server, as the pulling witness
  does);
- 200 with its cosignature line (tlog-cosignature, Ed25519, timestamp never zero).

The record of the last cosigned checkpoint is the pulling witness's (``cosigned.txt``
in the state folder), so the two modes can never cosign a rollback of each other; the
check of the old size and the write of the new record happen under one lock.
``GET /<hex SHA-256 of the origin>/checkpoint`` serves that record: the checkpoint with
the log's signature and the witness's cosignature.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Final

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from truce.errors import InputError, LogMisbehaviourError, ProofError
from truce.ledger import merkle
from truce.ledger.checkpoint import cosign, log_verifier, open_checkpoint
from truce.ledger.note import Note, add_signature, b64decode_strict
from truce.log.witness import COSIGNED, Witness, write_atomically

SIZE_TYPE: Final = "text/x.tlog.size"
"""Content type of the 409 answer: the witness's size and a newline."""

MAX_PROOF_LINES: Final = 63
MAX_BODY: Final = 64 * 1024
_OLD: Final = re.compile(r"old (0|[1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer of the protocol."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


def _text(status: int, message: str) -> Answer:
    return Answer(status, f"{message}\n".encode())


def parse_request(body: bytes) -> tuple[int, list[bytes], bytes]:
    """The old size, the proof hashes and the checkpoint note of an add-checkpoint body."""
    head, separator, note = body.partition(b"\n\n")
    if not separator:
        raise InputError("the body has no blank line before the checkpoint")
    lines = head.decode("ascii", errors="replace").split("\n")
    match = _OLD.fullmatch(lines[0])
    if match is None:
        raise InputError("the first line is 'old <size>' in decimal with no leading zero")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise InputError(f"at most {MAX_PROOF_LINES} consistency proof lines")
    proof = [b64decode_strict(line, "a consistency proof line") for line in proof_lines]
    if any(len(node) != merkle.HASH_SIZE for node in proof):
        raise InputError("a consistency proof line is one 32-byte hash")
    return int(match.group(1)), proof, note


class WitnessProtocol:
    """One member's witness answering ``add-checkpoint`` for the log it pinned."""

    def __init__(self, witness: Witness) -> None:
        self.witness = witness
        self.trusted = witness.trusted()
        self.verifier = log_verifier(self.trusted.origin, self.trusted.verifier_key())
        self.origin_hash = hashlib.sha256(self.trusted.origin.encode("utf-8")).hexdigest()
        self._lock = threading.Lock()

    def add_checkpoint(self, body: bytes) -> Answer:
        """Check a pushed checkpoint and cosign it, or say why not."""
        try:
            old, proof, data = parse_request(body)
            origin = data.split(b"\n", 1)[0].decode("utf-8")
        except (InputError, UnicodeDecodeError) as exc:
            return _text(400, f"malformed request: {exc}")
        if origin != self.trusted.origin:
            return _text(404, f"this witness does not witness the log {origin!r}")
        try:
            offered, note = open_checkpoint(data, self.verifier, origin=self.trusted.origin)
        except ProofError as exc:
            return _text(403, exc.message)
        except InputError as exc:
            return _text(400, f"malformed checkpoint: {exc.message}")
        if old > offered.size:
            return _text(400, f"old size {old} is above the checkpoint's size {offered.size}")
        with self._lock:
            previous = self.witness.last_cosigned(self.trusted)
            latest = 0 if previous is None else previous[0].size
            if old != latest:
                return Answer(409, f"{latest}\n".encode("ascii"), SIZE_TYPE)
            if offered.size == 0 and offered.root != merkle.EMPTY_ROOT:
                return _text(422, "a checkpoint of size 0 has the root of the empty tree")
            if old == 0 and proof:
                return _text(422, "a proof from size 0 is empty")
            try:
                if previous is None:
                    self.witness.check_genesis_included(self.trusted, offered)
                elif old == offered.size:
                    if offered.root != previous[0].root:
                        self.witness.keep_evidence(
                            "fork",
                            f"two different roots for the same size {old}",
                            previous[1],
                            data,
                        )
                else:
                    try:
                        merkle.verify_consistency(
                            old, offered.size, previous[0].root, offered.root, proof
                        )
                    except ProofError as exc:
                        self.witness.keep_evidence(
                            "inconsistent",
                            f"the log of {offered.size} entries does not extend the {old} "
                            f"entries this witness cosigned ({exc.message})",
                            previous[1],
                            data,
                            {"old": old, "proof": [node.hex() for node in proof]},
                        )
            except (LogMisbehaviourError, ProofError) as exc:
                return _text(422, exc.message)
            timestamp = max(1, int(self.witness.clock().timestamp()))
            signature = cosign(
                offered, self.trusted.key_name(), self.witness.key_file.key, timestamp
            )
            logged = Note(
                note.text, tuple(sig for sig in note.signatures if self.verifier.matches(sig))
            )
            record = add_signature(logged, signature)
            write_atomically(self.witness.state_dir / COSIGNED, record.to_bytes())
        return Answer(200, signature.line.encode("utf-8"))

    def checkpoint(self, origin_hash: str) -> Answer:
        """The last cosigned checkpoint of the log with this origin hash."""
        path = self.witness.state_dir / COSIGNED
        if origin_hash != self.origin_hash or not path.exists():
            return _text(404, "this witness has cosigned no checkpoint of that log")
        return Answer(200, path.read_bytes())


def witness_app(protocol: WitnessProtocol) -> Starlette:
    """The HTTP application of the protocol (submission and monitoring prefix: ``/``)."""

    def respond(answer: Answer) -> Response:
        # Given as a header, so that no charset is appended to text/x.tlog.size.
        return Response(answer.body, answer.status, headers={"Content-Type": answer.content_type})

    async def add_checkpoint(request: Request) -> Response:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return respond(_text(413, f"the body exceeds {MAX_BODY} bytes"))
        # The first checkpoint's genesis check asks the server: not on the event loop.
        return respond(await run_in_threadpool(protocol.add_checkpoint, body))

    async def checkpoint(request: Request) -> Response:
        return respond(protocol.checkpoint(request.path_params["origin_hash"]))

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/{origin_hash}/checkpoint", checkpoint, methods=["GET"]),
        ]
    )
