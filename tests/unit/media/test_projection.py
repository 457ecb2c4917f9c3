"""Media projections: clusters computed in log order, merged by id, rebuilt identically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import Clock
from tests.mechanism import Mechanism
from tests.unit.log.test_mirror import serving, sync
from truce.acts.text import content_hash
from truce.errors import MalformedActError, RefusedActError
from truce.log import mirror_local, projections
from truce.media.projection import SLOTS
from truce.storage.db import Database
from truce.storage.models import (
    CaseAct,
    MediaCluster,
    MediaCorroboration,
    MediaIncident,
    MediaItem,
)

LODGE = {
    "incident": {
        "type": "shelling",
        "occurred_at": "2025-11-06T10:30:00Z",
        "time_precision": "hour",
        "place": {"place_id": "spin-boldak", "precision": "approximate"},
    },
    "accused": {"member": "PK"},
    "clauses": ["C4"],
    "narrative": "Shells struck homes in Spin Boldak.",
    "language": "en",
}


def incident(date: str | None, place_id: str | None, type_: str = "shelling", **killed: int) -> Any:
    return {
        "date": date,
        "date_precision": "day" if date else "unknown",
        "place": None,
        "place_id": place_id,
        "admin1": None,
        "country": None,
        "lat": None,
        "lon": None,
        "type": type_,
        "killed": killed,
    }


def item(text: str, *incidents: Any) -> dict[str, Any]:
    return {
        "content_hash": content_hash(text),
        "text": text,
        "outlet": "Test Wire",
        "published": "2025-11-10",
        "incidents": list(incidents),
    }


def clusters(mechanism: Mechanism) -> dict[int, list[int]]:
    with mechanism.db.read() as connection:
        rows = connection.execute(
            select(MediaIncident.id, MediaIncident.cluster_id).order_by(MediaIncident.id)
        ).all()
        listed = set(connection.execute(select(MediaCluster.id)).scalars())
    found: dict[int, list[int]] = {}
    for row in rows:
        found.setdefault(row.cluster_id, []).append(row.id)
    assert set(found) == listed
    return found


def submit(mechanism: Mechanism, body: dict[str, Any]) -> int:
    return mechanism.admission.submit(mechanism.act("sec-clerk", "media.item", body)).index


def test_a_bridging_report_merges_two_clusters_into_the_older(mechanism: Mechanism) -> None:
    first = submit(
        mechanism,
        item("Shells hit Spin Boldak.", incident("2025-11-06", "spin-boldak", civilians=5)),
    )
    later = submit(
        mechanism, item("Shelling in Spin Boldak again.", incident("2025-11-08", "spin-boldak"))
    )
    elsewhere = submit(
        mechanism, item("Mortars at Parachinar.", incident("2025-11-07", "parachinar"))
    )
    assert clusters(mechanism) == {
        first * SLOTS: [first * SLOTS],
        later * SLOTS: [later * SLOTS],
        elsewhere * SLOTS: [elsewhere * SLOTS],
    }
    bridging = item(
        "Two days of fire at Chaman.",
        incident("2025-11-07", "chaman-spin-boldak", "armed_clash", civilians=6),
        incident(None, None, "border_closure"),
    )
    bridge = submit(mechanism, bridging)
    assert clusters(mechanism) == {
        first * SLOTS: [first * SLOTS, later * SLOTS, bridge * SLOTS],
        elsewhere * SLOTS: [elsewhere * SLOTS],
        bridge * SLOTS + 1: [bridge * SLOTS + 1],
    }
    with mechanism.db.read() as connection:
        merged = connection.execute(
            select(MediaCluster).where(MediaCluster.id == first * SLOTS)
        ).one()
        live = projections.snapshot(connection)
    assert (merged.size, merged.first_date, merged.last_date) == (3, "2025-11-06", "2025-11-08")
    with mechanism.db.write() as connection:
        projections.rebuild(connection)
    with mechanism.db.read() as connection:
        assert projections.snapshot(connection) == live


def test_an_item_is_stored_once_and_must_match_its_hash(mechanism: Mechanism) -> None:
    body = item("Quiet day at Torkham.")
    submit(mechanism, body)
    with pytest.raises(RefusedActError, match="already stored as media item"):
        mechanism.admission.submit(mechanism.act("pk-officer", "media.item", body))
    with pytest.raises(MalformedActError, match="content_hash"):
        submit(mechanism, body | {"text": "Another day at Torkham."})
    assert clusters(mechanism) == {}


def test_a_mirror_projects_what_its_member_may_see(
    mechanism: Mechanism, clock: Clock, tmp_path: Path
) -> None:
    shown = submit(
        mechanism, item("Shells hit Spin Boldak.", incident("2025-11-06", "spin-boldak"))
    )
    hidden_body = item(
        "Rockets on Spin Boldak.", incident("2025-11-06", "spin-boldak", civilians=6)
    )
    hidden = mechanism.admission.submit(
        mechanism.act("af-officer", "media.item", hidden_body, audience=["AF", "TR", "QA"])
    )
    case = mechanism.admission.submit(mechanism.act("af-officer", "case.lodge", LODGE))
    with mechanism.db.read() as connection:
        reports = [
            {"item": row.leaf_hash, "outlet": "Test Wire", "published": "2025-11-10"}
            for row in connection.execute(select(MediaItem.leaf_hash).order_by(MediaItem.id))
        ]
    # The corroboration cites the item PK may read; the cluster also holds the hidden one.
    attach = {"cluster": shown * SLOTS, "items": reports[:1]}
    mechanism.admission.submit(
        mechanism.act("tr-officer", "media.corroborate", attach, refs=(case.leaf_hash.hex(),))
    )
    directory = tmp_path / "mirror"
    with serving(mechanism, clock) as client:
        sync(client, directory, mechanism)
    db = Database.from_url(mirror_local.database_url(directory))
    try:
        with db.read() as connection:
            items = list(connection.execute(select(MediaItem.id)).scalars())
            corroborations = connection.execute(select(MediaCorroboration)).all()
            thread = list(
                connection.execute(
                    select(CaseAct.kind).where(CaseAct.case_id == case.index)
                ).scalars()
            )
    finally:
        db.dispose()
    assert items == [shown]  # PK may not see the AF item's body
    assert hidden.index not in items
    assert [(c.case_id, c.cluster_id) for c in corroborations] == [(case.index, shown * SLOTS)]
    assert thread == ["case.lodge", "media.corroborate"]
