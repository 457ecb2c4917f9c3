"""Checking press acts in a batch: an item is stored once, and a corroboration is judged
against the clusters and cases the acts before it in the same batch form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.mechanism import Mechanism
from tests.unit.media.test_projection import LODGE, clusters, incident, item
from truce.errors import RefusedActError, TruceError
from truce.log.store import LogStore
from truce.media.projection import SLOTS
from truce.storage.models import MediaCorroboration


def test_an_item_and_its_corroboration_in_one_batch(mechanism: Mechanism) -> None:
    """The corroboration's check sees the case and the cluster that the two acts before
    it in the batch create; both attaching the same cluster twice and storing the same
    article twice in one batch are refused, and the acts between them recorded."""
    body = item("Shells hit Spin Boldak.", incident("2025-11-06", "spin-boldak"))
    stored = mechanism.act("sec-clerk", "media.item", body)
    case = mechanism.act("af-officer", "case.lodge", LODGE)
    leaf = case.envelope.leaf_hash().hex()
    with mechanism.db.read() as connection:
        index = LogStore(connection).head().size
    attach = {
        "cluster": index * SLOTS,
        "items": [
            {
                "item": stored.envelope.leaf_hash().hex(),
                "outlet": "Test Wire",
                "published": "2025-11-10",
            }
        ],
    }
    corroborate = mechanism.act("tr-officer", "media.corroborate", attach, refs=(leaf,))
    again = mechanism.act("qa-officer", "media.corroborate", attach, refs=(leaf,))
    twice = mechanism.act("pk-officer", "media.item", body)
    refused: dict[int, TruceError] = {}
    with mechanism.db.write() as connection:
        store = LogStore(connection)
        store.head(lock=True)
        admitted = mechanism.admission.admit(
            store,
            [stored, case, corroborate, again, twice],
            [None] * 5,
            refuse=lambda position, error: refused.__setitem__(position, error),
        )
    assert [position for position, _ in admitted] == [0, 1, 2]
    assert sorted(refused) == [3, 4]
    assert "already attached" in str(refused[3])
    assert "already stored" in str(refused[4])
    assert clusters(mechanism) == {index * SLOTS: [index * SLOTS]}
    with mechanism.db.read() as connection:
        assert connection.execute(select(MediaCorroboration.cluster_id)).scalars().all() == [
            index * SLOTS
        ]


def test_only_a_mediator_corroborates(mechanism: Mechanism) -> None:
    case = mechanism.admission.submit(mechanism.act("af-officer", "case.lodge", LODGE))
    attach = {"cluster": 1, "items": [{"item": "0" * 64, "outlet": "Test Wire"}]}
    for delegate in ("pk-officer", "af-officer"):
        with pytest.raises(RefusedActError, match="only a mediator"):
            mechanism.admission.submit(
                mechanism.act(delegate, "media.corroborate", attach, refs=(case.leaf_hash.hex(),))
            )
