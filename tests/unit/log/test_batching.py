"""Group commit: one transaction and one checkpoint per batch, each act judged alone."""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

from sqlalchemy import func, select

from tests.mechanism import Mechanism
from tests.unit.log.test_admission import stored_state, with_envelope
from truce.accounts.service import Identity
from truce.errors import (
    AuthenticationError,
    ForbiddenError,
    RefusedActError,
    ReplayError,
    SignatureError,
)
from truce.ledger import merkle
from truce.ledger.checkpoint import Checkpoint
from truce.ledger.envelope import SignedAct
from truce.ledger.keys import b64url_decode, b64url_encode
from truce.ledger.note import Note
from truce.log import checkpoints
from truce.log.batching import Admitted, Outcome, Submission, admit_each
from truce.log.store import LogStore
from truce.storage.models import Act, Body
from truce.storage.models import Checkpoint as CheckpointRow

LODGE: dict[str, Any] = {
    "incident": {
        "type": "shelling",
        "occurred_at": "2025-11-06T10:30:00Z",
        "time_precision": "hour",
        "place": {"place_id": "spin-boldak", "precision": "approximate"},
        "actors": ["unidentified"],
        "killed": {"civilians": 1},
        "injured": {},
    },
    "accused": {"member": "AF"},
    "clauses": ["C4"],
    "narrative": "Shells struck homes.",
    "language": "en",
}


def statement(mechanism: Mechanism, name: str, text: str) -> SignedAct:
    body = {"title": "Statement", "text": text, "language": "en"}
    return mechanism.act(name, body=body)


def respond(mechanism: Mechanism, case: SignedAct, position: str, **extra: Any) -> SignedAct:
    body = {"position": position, "statement": f"Our answer: {position}.", "language": "en"}
    return mechanism.act(
        "af-root", "case.respond", body | extra, refs=(case.envelope.leaf_hash().hex(),)
    )


def checkpoint_count(mechanism: Mechanism) -> int:
    with mechanism.db.read() as connection:
        count: int = connection.execute(
            select(func.count()).select_from(CheckpointRow)
        ).scalar_one()
        return count


def admitted(outcome: Outcome) -> Admitted:
    assert isinstance(outcome, Admitted), outcome
    return outcome


def assert_receipt_verifies(mechanism: Mechanism, act: SignedAct, document: dict[str, Any]) -> None:
    """The receipt's leaf is the act, and its audit path leads to its checkpoint's root."""
    assert base64.b64decode(document["leaf"]) == act.envelope.leaf_bytes()
    checkpoint = Checkpoint.parse(Note.parse(document["checkpoint"].encode()).text)
    assert checkpoint.size == document["inclusion"]["size"]
    merkle.verify_inclusion(
        act.envelope.leaf_hash(),
        document["index"],
        checkpoint.size,
        checkpoints.b64_list(document["inclusion"]["audit_path"]),
        checkpoint.root,
    )


def test_a_batch_is_one_transaction_under_one_checkpoint(mechanism: Mechanism) -> None:
    acts = [statement(mechanism, name, f"batch {n}") for n, name in enumerate(["pk-officer"] * 5)]
    before = checkpoint_count(mechanism)
    outcomes = [admitted(o) for o in admit_each(mechanism.admission, [Submission(a) for a in acts])]
    assert checkpoint_count(mechanism) == before + 1
    with mechanism.db.read() as connection:
        head = LogStore(connection).head()
        served = [
            checkpoints.receipt(connection, o.receipt.index, mechanism.scenario.mechanism.id)
            for o in outcomes
        ]
    indices = [o.receipt.index for o in outcomes]
    assert indices == list(range(head.size - 5, head.size))
    for act, outcome, document in zip(acts, outcomes, served, strict=True):
        assert outcome.document == document
        assert document["inclusion"]["size"] == head.size
        assert_receipt_verifies(mechanism, act, document)


def test_a_bad_act_in_a_batch_is_refused_alone_with_nothing_of_it_written(
    mechanism: Mechanism,
) -> None:
    first = statement(mechanism, "pk-officer", "first")
    forged = statement(mechanism, "pk-officer", "a body stored by nobody")
    sig = bytearray(b64url_decode(forged.envelope.sig))
    sig[0] ^= 1
    forged = with_envelope(forged, sig=b64url_encode(bytes(sig)))
    impostor = statement(mechanism, "af-officer", "sent with PK's credentials")
    last = statement(mechanism, "pk-officer", "last")
    pk = Identity(member="PK", delegate="pk-officer")
    before = stored_state(mechanism.db)
    outcomes = admit_each(
        mechanism.admission,
        [Submission(act, pk) for act in (first, forged, impostor, last)],
    )
    assert isinstance(outcomes[1], SignatureError)
    assert isinstance(outcomes[2], ForbiddenError)
    assert "submitted by PK/pk-officer" in str(outcomes[2])
    good = [admitted(outcomes[0]), admitted(outcomes[3])]
    assert [o.receipt.index for o in good] == [before["size"], before["size"] + 1]
    after = stored_state(mechanism.db)
    assert after["size"] == before["size"] + 2
    assert len(after["acts"]) == len(before["acts"]) + 2
    with mechanism.db.read() as connection:
        store = LogStore(connection)
        assert store.index_of(forged.envelope.leaf_hash()) is None
        assert store.index_of(impostor.envelope.leaf_hash()) is None
        for refused in (forged, impostor):
            digest = refused.envelope.body_digest
            assert connection.execute(select(Body).where(Body.digest == digest)).first() is None
            assert connection.execute(select(Act).where(Act.body_digest == digest)).first() is None


def test_conflicting_acts_in_one_batch_are_judged_in_order(mechanism: Mechanism) -> None:
    case = mechanism.act("pk-officer", "case.lodge", LODGE)
    deny = respond(mechanism, case, "deny")
    accept = respond(mechanism, case, "accept")
    outcomes = admit_each(
        mechanism.admission, [Submission(act) for act in (case, deny, accept, case, accept)]
    )
    admitted(outcomes[0])
    admitted(outcomes[1])
    assert isinstance(outcomes[2], RefusedActError)
    assert "already responded" in str(outcomes[2])
    # A replay inside the batch is refused, and the case stays as the response left it.
    assert isinstance(outcomes[3], ReplayError)
    assert isinstance(outcomes[4], RefusedActError)
    assert "already responded" in str(outcomes[4])


def test_a_refused_act_leaves_the_batch_s_workflow_state_as_it_was(mechanism: Mechanism) -> None:
    case = mechanism.act("pk-officer", "case.lodge", LODGE)
    mechanism.admission.submit(case)
    # A counter-claim whose counter case accuses the responder itself: the response step
    # passes, the counter case does not, so the act is refused after its case advanced.
    selfish = respond(
        mechanism,
        case,
        "counter_claim",
        counter_case=LODGE | {"accused": {"member": "AF"}},
    )
    deny = respond(mechanism, case, "deny")
    outcomes = admit_each(mechanism.admission, [Submission(selfish), Submission(deny)])
    assert isinstance(outcomes[0], RefusedActError)
    assert "accuse itself" in str(outcomes[0])
    admitted(outcomes[1])


def test_submissions_queued_while_the_log_is_busy_are_admitted_together(
    mechanism: Mechanism,
) -> None:
    group = mechanism.admission.group_commit()
    acts = [statement(mechanism, "pk-officer", f"queued {n}") for n in range(12)]
    before = checkpoint_count(mechanism)
    with mechanism.db.write() as connection:
        LogStore(connection).head(lock=True)  # the writer waits for this transaction
        futures = [group.enqueue(Submission(acts[0]))]
        while group.queued:  # until the writer has taken the first act alone
            threading.Event().wait(0.01)
        futures += [group.enqueue(Submission(act)) for act in acts[1:]]
        assert group.queued == len(acts) - 1
    results = [future.result() for future in futures]
    # One batch of one act, then one batch of eleven: two checkpoints, not twelve.
    assert checkpoint_count(mechanism) - before == 2
    sizes = {
        Checkpoint.parse(Note.parse(r.document["checkpoint"].encode()).text).size
        for r in results
        if r.document is not None
    }
    first = results[0].receipt.index
    assert sizes == {first + 1, first + len(acts)}
    assert [result.receipt.index for result in results] == list(range(first, first + len(acts)))
    for act, result in zip(acts, results, strict=True):
        assert result.document is not None
        assert_receipt_verifies(mechanism, act, result.document)


def test_concurrent_writers_never_share_an_index_or_fork_the_tree(mechanism: Mechanism) -> None:
    group = mechanism.admission.group_commit()
    names = ["pk-officer", "af-officer", "tr-officer", "qa-officer"]
    acts = [statement(mechanism, names[n % 4], f"concurrent {n}") for n in range(40)]
    results: list[Admitted] = []
    threads = [
        threading.Thread(target=lambda act=act: results.append(group.submit_sync(act)))
        for act in acts
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(acts)
    indices = sorted(result.receipt.index for result in results)
    assert len(set(indices)) == len(acts)
    with mechanism.db.read() as connection:
        store = LogStore(connection)
        head = store.head()
        leaves = [leaf for _, leaf in store.entries(0, head.size - 1)]
    assert indices == list(range(head.size - len(acts), head.size))
    assert merkle.MerkleTree.from_entries(leaves).root() == head.root


def test_tokens_are_checked_by_the_writer_and_a_bad_one_fails_its_act_alone(
    mechanism: Mechanism,
) -> None:
    acts = [statement(mechanism, "pk-officer", f"by token {n}") for n in range(3)]
    token = mechanism.token("pk-officer")
    outcomes = admit_each(
        mechanism.admission,
        [
            Submission(acts[0], token=token),
            Submission(acts[1], token="not-a-token"),
            Submission(acts[2], token=mechanism.token("af-officer")),
        ],
    )
    admitted(outcomes[0])
    assert isinstance(outcomes[1], AuthenticationError)
    assert isinstance(outcomes[2], ForbiddenError)
    with mechanism.db.read() as connection:
        store = LogStore(connection)
        assert store.index_of(acts[1].envelope.leaf_hash()) is None
        assert store.index_of(acts[2].envelope.leaf_hash()) is None


def test_coroutines_get_their_own_outcomes_and_a_cancelled_one_harms_none(
    mechanism: Mechanism,
) -> None:
    group = mechanism.admission.group_commit()
    acts = [statement(mechanism, "pk-officer", f"awaited {n}") for n in range(10)]
    token = mechanism.token("pk-officer")

    async def run() -> list[Admitted | BaseException]:
        with mechanism.db.write() as connection:
            LogStore(connection).head(lock=True)  # the writer waits: all ten queue up
            tasks = [asyncio.create_task(group.submit(act, token=token)) for act in acts[:8]]
            tasks.append(asyncio.create_task(group.submit(acts[8], token="not-a-token")))
            tasks.append(asyncio.create_task(group.submit(acts[9], token=token)))
            while group.queued < len(acts) - 1:  # the writer took the first one alone
                await asyncio.sleep(0.01)
            tasks[9].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(run())
    assert all(isinstance(outcome, Admitted) for outcome in outcomes[:8])
    assert isinstance(outcomes[8], AuthenticationError)
    assert isinstance(outcomes[9], asyncio.CancelledError)
    indices = [outcome.receipt.index for outcome in outcomes[:8] if isinstance(outcome, Admitted)]
    assert indices == list(range(indices[0], indices[0] + 8))
    with mechanism.db.read() as connection:
        store = LogStore(connection)
        assert store.index_of(acts[8].envelope.leaf_hash()) is None
        # A cancelled request was already queued: its act is written, as one whose
        # client went away after sending it would be.
        assert store.index_of(acts[9].envelope.leaf_hash()) == indices[-1] + 1
