"""Every route, for every role and audience: what each delegate may call and may read.

The mechanism is filled with acts addressed to everyone, to the mediators, and to lists
of members; each body carries a marker (``MARK-...``) that names it. Then each reader —
the secretariat, a party's head, officer and observer, a mediator's head and officer —
calls every route of ``/api/``, ``/log/`` and ``/public`` with realistic parameters, and
every answer is searched for markers: a marker the reader's member may not see must never
appear, in a single get, a list, a count, the inbox, a body, a file, a press report, a
cluster of reports, a case draft, an export or the public record; every marker it may see
must appear somewhere. Without a token, only the public log and the public record answer,
and the record shows the statement addressed to the public and no other marker.
:data:`WALK` names every route; a route that is added without being added here fails
:func:`test_every_api_and_log_route_is_walked`.

The permission table (role by act kind) is checked in ``test_permission_table.py``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from tests.conftest import Clock
from tests.mechanism import Mechanism
from truce.accounts import service as accounts
from truce.accounts.service import Identity
from truce.acts.text import content_hash
from truce.app import create_app
from truce.config import Settings
from truce.ledger.envelope import Audience, audience_includes, format_time, stored_audience
from truce.log.export import export_bundle
from truce.storage.models import MediaIncident

PROBLEM = "application/problem+json"
MARK = re.compile(r"MARK-[A-Z0-9-]+")
#: The one marker anyone may read: a statement addressed to the public.
PUBLIC_MARK = "MARK-STATEMENT-PUBLIC"
#: The readers walked: the secretariat, a party's three roles, a mediator's two.
READERS = ("sec-clerk", "af-root", "af-officer", "af-observer", "qa-root", "qa-officer")
KINDS = {"AF": "party", "PK": "party", "QA": "mediator", "TR": "mediator", "SEC": "secretariat"}


@dataclass(frozen=True)
class Marked:
    """An act whose body carries ``marker``: who wrote it, to whom, where it is."""

    marker: str
    author: str
    audience: Audience
    index: int
    digest: str


@dataclass
class World:
    """The mechanism filled with acts of every audience, and how to reach them."""

    client: TestClient
    mechanism: Mechanism
    marked: list[Marked] = field(default_factory=list)
    cases: dict[str, int] = field(default_factory=dict)
    joint: list[int] = field(default_factory=list)
    file_sha256: str = ""
    size: int = 0
    #: media item index by marker; cluster id to the indices of its items
    media: dict[str, int] = field(default_factory=dict)
    clusters: dict[int, set[int]] = field(default_factory=dict)
    content_hashes: list[str] = field(default_factory=list)
    #: each corroboration: its act, the cluster and the case it joins
    corroborations: list[tuple[Marked, int, int]] = field(default_factory=list)

    def headers(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mechanism.token(name)}"}

    def post(
        self,
        name: str,
        kind: str,
        body: dict[str, Any],
        *,
        refs: tuple[str, ...] = (),
        audience: Any = "all",
        marker: str | None = None,
    ) -> dict[str, Any]:
        act = self.mechanism.act(name, kind, body, refs=refs, audience=audience)
        response = self.client.post("/log/v1/acts", json=act.to_dict(), headers=self.headers(name))
        assert response.status_code == 201, response.text
        receipt: dict[str, Any] = response.json()
        if marker is not None:
            self.marked.append(
                Marked(
                    marker,
                    act.envelope.member,
                    stored_audience(audience),
                    receipt["index"],
                    act.envelope.body_digest,
                )
            )
        return receipt

    def sees(self, reader: str, marked: Marked) -> bool:
        member = self.mechanism.key(reader).member
        return audience_includes(
            marked.audience, marked.author, member, KINDS[member] == "mediator"
        )


def lodge(accused: str, marker: str, place: str = "spin-boldak") -> dict[str, Any]:
    return {
        "incident": {
            "type": "shelling",
            "occurred_at": "2025-11-06T10:30:00Z",
            "time_precision": "hour",
            "place": {"place_id": place, "precision": "approximate"},
            "killed": {"civilians": 2},
        },
        "accused": {"member": accused},
        "clauses": ["C4"],
        "narrative": f"Shells struck homes. {marker}",
        "language": "en",
    }


def finding(marker: str) -> dict[str, Any]:
    return {
        "outcome": "violation_confirmed",
        "violator": "PK",
        "clauses": ["C4"],
        "reasons": f"Craters agree. {marker}",
        "language": "en",
    }


def statement(marker: str) -> dict[str, Any]:
    return {"title": "Statement", "text": f"On the record. {marker}", "language": "en"}


def article(marker: str, place: str, killed: int, outlet: str = "Frontier Wire") -> dict[str, Any]:
    """A ``media.item`` body whose text, title, source and quote carry ``marker``."""
    text = f"Shells struck homes near {place}; {killed} civilians were killed. {marker}"
    towns = {"spin-boldak": ("Kandahar", "AF"), "torkham": ("Khyber Pakhtunkhwa", "PK")}
    admin1, country = towns[place]
    source = f"district hospital {marker}"
    return {
        "content_hash": content_hash(text),
        "text": text,
        "title": f"Shelling near {place} {marker}",
        "outlet": outlet,
        "url": f"https://news.example/{marker.lower()}",
        "published": "2025-11-06",
        "language": "en",
        "incidents": [
            {"date": "2025-11-06", "date_precision": "day", "place": place, "place_id": place,
             "admin1": admin1, "country": country, "lat": None, "lon": None, "type": "shelling",
             "actors": [f"border forces {marker}"], "killed": {"civilians": killed},
             "claimed_by": [source], "evidence": text}
        ],
        "claims": [
            {"speaker": source, "member": None, "stance": "accusation",
             "quote": f"They fired first. {marker}"}
        ],
    }  # fmt: skip


def build_media(w: World) -> None:
    """Press reports of one event for everyone, the mediators and a list; a corroboration."""
    for author, audience, marker, place, killed in [
        ("sec-clerk", "all", "MARK-MEDIA-ALL", "spin-boldak", 5),
        ("pk-officer", "mediators", "MARK-MEDIA-PK-MED", "spin-boldak", 6),
        ("af-officer", ["PK", "TR"], "MARK-MEDIA-AF-TO-PK-TR", "spin-boldak", 7),
        ("qa-officer", ["AF"], "MARK-MEDIA-QA-TO-AF", "torkham", 1),
    ]:
        outlet = "Border Post" if place == "torkham" else "Frontier Wire"
        body = article(marker, place, killed, outlet)
        stored = w.post(author, "media.item", body, audience=audience, marker=marker)
        w.media[marker] = stored["index"]
        w.content_hashes.append(body["content_hash"])
    with w.mechanism.db.read() as connection:
        for item, cluster in connection.execute(
            select(MediaIncident.item_id, MediaIncident.cluster_id)
        ):
            w.clusters.setdefault(cluster, set()).add(item)
    assert len(w.clusters) == 2, w.clusters  # one event at Spin Boldak, one at Torkham
    (spin,) = [c for c, items in w.clusters.items() if w.media["MARK-MEDIA-ALL"] in items]
    view = w.client.get(f"/api/v1/media/clusters/{spin}", headers=w.headers("tr-officer")).json()

    def cites(*markers: str) -> list[dict[str, Any]]:
        wanted = {w.media[m] for m in markers}
        return [
            {"item": item["leaf_hash"]}
            | {k: item[k] for k in ("outlet", "title", "url", "published")}
            for item in view["items"]
            if item["id"] in wanted
        ]

    for author, case, audience, marker, items in [
        ("tr-officer", "all", "all", "MARK-CORROBORATE-ALL", ("MARK-MEDIA-ALL",)),
        ("qa-officer", "mediators", "mediators", "MARK-CORROBORATE-MED",
         ("MARK-MEDIA-ALL", "MARK-MEDIA-PK-MED")),
    ]:  # fmt: skip
        receipt = w.client.get(f"/log/v1/receipts/{w.cases[case]}").json()
        leaf = base64.b64decode(receipt["leaf_hash"]).hex()
        w.post(author, "media.corroborate",
               {"cluster": spin, "items": cites(*items), "note": f"Two reports. {marker}",
                "language": "en"},
               refs=(leaf,), audience=audience, marker=marker)  # fmt: skip
        w.corroborations.append((w.marked[-1], spin, w.cases[case]))


def build(client: TestClient, mechanism: Mechanism, clock: Clock) -> World:
    """Acts of every audience, in every part of the record, each body marked."""
    w = World(client, mechanism)
    mediators = "mediators"
    w.post(
        "af-officer",
        "statement.publish",
        statement("MARK-STATEMENT-ALL"),
        marker="MARK-STATEMENT-ALL",
    )
    w.post(
        "qa-officer",
        "statement.publish",
        statement("MARK-STATEMENT-QA-MED"),
        audience=mediators,
        marker="MARK-STATEMENT-QA-MED",
    )
    w.post(
        "af-officer",
        "statement.publish",
        statement("MARK-STATEMENT-AF-MED"),
        audience=mediators,
        marker="MARK-STATEMENT-AF-MED",
    )
    w.post(
        "pk-officer",
        "statement.publish",
        statement("MARK-STATEMENT-PK-TO-AF"),
        audience=["AF"],
        marker="MARK-STATEMENT-PK-TO-AF",
    )
    w.post(
        "sec-clerk",
        "statement.publish",
        statement("MARK-STATEMENT-SEC-TO-PK"),
        audience=["PK"],
        marker="MARK-STATEMENT-SEC-TO-PK",
    )
    w.post(  # the scenario's publication policy lets statements be addressed to the public
        "pk-officer",
        "statement.publish",
        statement(PUBLIC_MARK),
        audience="public",
        marker=PUBLIC_MARK,
    )

    # A case for everyone, whose investigation is partly for the mediators only.
    uploaded = client.post(
        "/api/v1/files", content=b"Informant list. MARK-FILE-MED",
        headers=w.headers("tr-officer") | {"Content-Type": "text/plain"},
    )  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    info = uploaded.json()
    w.file_sha256 = info["sha256"]
    case = w.post("af-officer", "case.lodge", lodge("PK", "MARK-CASE-ALL"), marker="MARK-CASE-ALL")
    ref = (case["leaf_hash"],)
    w.cases["all"] = case["index"]
    w.post("pk-root", "case.respond",
           {"position": "deny", "statement": "Not us. MARK-RESPOND-ALL", "language": "en"},
           refs=ref, marker="MARK-RESPOND-ALL")  # fmt: skip
    w.post("tr-officer", "case.investigate", {"note": "Opened. MARK-INVESTIGATE-MED"},
           refs=ref, audience=mediators, marker="MARK-INVESTIGATE-MED")  # fmt: skip
    w.post("tr-officer", "case.evidence",
           {"files": [{k: info[k] for k in ("sha256", "media_type", "size")}],
            "description": "Sources. MARK-EVIDENCE-MED", "language": "en"},
           refs=ref, audience=mediators, marker="MARK-EVIDENCE-MED")  # fmt: skip
    w.post("qa-officer", "case.request_info",
           {"to": "PK", "questions": "Positions? MARK-REQUEST-PK", "language": "en"},
           refs=ref, audience=["PK", "TR"], marker="MARK-REQUEST-PK")  # fmt: skip
    w.post("pk-officer", "case.provide_info",
           {"statement": "Attached. MARK-PROVIDE-PK-MED", "language": "en"},
           refs=ref, audience=mediators, marker="MARK-PROVIDE-PK-MED")  # fmt: skip
    w.post("tr-root", "case.finding", finding("MARK-FINDING-TR-MED"), refs=ref,
           audience=mediators, marker="MARK-FINDING-TR-MED")  # fmt: skip
    w.post("qa-root", "case.finding", finding("MARK-FINDING-QA-MED"), refs=ref,
           audience=mediators, marker="MARK-FINDING-QA-MED")  # fmt: skip
    for restricted in (mediators, ["PK", "QA", "TR"]):  # what every member reads: no less
        hushed = w.mechanism.act(
            "qa-root", "case.rule", finding("x"), refs=ref, audience=restricted
        )
        refused = client.post("/log/v1/acts", json=hushed.to_dict(), headers=w.headers("qa-root"))
        assert refused.status_code == 422, refused.text
        assert "address it to all" in refused.json()["detail"]
    w.post("qa-root", "case.rule", finding("MARK-RULE-ALL"), refs=ref, marker="MARK-RULE-ALL")
    # An allegation always reaches the accused: one for the mediators only is refused.
    for unseen in (mediators, ["PK", "TR", "QA"]):
        secret_case = w.mechanism.act(
            "pk-officer", "case.lodge", lodge("AF", "x", "chaman"), audience=unseen
        )
        refused = client.post(
            "/log/v1/acts", json=secret_case.to_dict(), headers=w.headers("pk-officer")
        )
        assert refused.status_code == 422, refused.text
        assert "must be addressed to it" in refused.json()["detail"]
    # A case for the accused and the mediators only, and one for a list of members.
    hidden = w.post("pk-officer", "case.lodge", lodge("AF", "MARK-CASE-PK-TO-AF-MED", "chaman"),
                    audience=["AF", "TR", "QA"], marker="MARK-CASE-PK-TO-AF-MED")  # fmt: skip
    w.cases["mediators"] = hidden["index"]
    listed = w.post("af-officer", "case.lodge", lodge("PK", "MARK-CASE-AF-TO-PK-TR", "torkham"),
                    audience=["PK", "TR"], marker="MARK-CASE-AF-TO-PK-TR")  # fmt: skip
    w.cases["list"] = listed["index"]

    attested = w.post("pk-officer", "compliance.attest",
                      {"clause": "C5", "statement": "Shared reports. MARK-ATTEST-ALL",
                       "taken_at": "2025-11-09T12:00:00Z", "language": "en"},
                      marker="MARK-ATTEST-ALL")  # fmt: skip
    w.post("tr-officer", "compliance.review",
           {"verdict": "disputed", "reason": "Not seen. MARK-REVIEW-PK-MED"},
           refs=(attested["leaf_hash"],), audience=["PK", "TR", "QA"],
           marker="MARK-REVIEW-PK-MED")  # fmt: skip
    w.post("af-officer", "compliance.attest",
           {"clause": "C5", "statement": "Raided a camp. MARK-ATTEST-AF-MED",
            "taken_at": "2025-11-09T12:00:00Z", "language": "en"},
           audience=mediators, marker="MARK-ATTEST-AF-MED")  # fmt: skip

    now = format_time(clock.now - timedelta(days=1))
    for author, audience, marker in [
        ("af-officer", "all", "MARK-CROSSING-ALL"),
        ("pk-officer", mediators, "MARK-CROSSING-PK-MED"),
    ]:
        w.post(author, "crossing.status",
               {"crossing": "torkham", "trade": "closed", "people": "open",
                "reason": f"Fighting. {marker}", "effective_at": now},
               audience=audience, marker=marker)  # fmt: skip

    def request(to: str, marker: str) -> dict[str, Any]:
        return {"to": to, "place": {"place_id": "khost", "precision": "district"},
                "description": f"A camp. {marker}", "requested_action": "Act.",
                "language": "en"}  # fmt: skip

    asked = w.post("pk-officer", "joint.request", request("AF", "MARK-JOINT-PK-TO-AF"),
                   audience=["AF", "TR", "QA"], marker="MARK-JOINT-PK-TO-AF")  # fmt: skip
    w.post("af-root", "joint.report",
           {"action_taken": "Raided. MARK-REPORT-AF-TO-PK", "outcome": "completed",
            "language": "en"},
           refs=(asked["leaf_hash"],), audience=["PK"], marker="MARK-REPORT-AF-TO-PK")  # fmt: skip
    secret = w.post("pk-officer", "joint.request", request("AF", "MARK-JOINT-PK-TO-AF-TR"),
                    audience=["AF", "TR"], marker="MARK-JOINT-PK-TO-AF-TR")  # fmt: skip
    w.joint = [asked["index"], secret["index"]]
    build_media(w)
    accounts.create_account(mechanism.db, member="AF", delegate="af-spare", role="officer")
    w.size = int(client.get("/log/v1/checkpoint").text.splitlines()[1])
    return w


# -- the walk: every route, with the requests that exercise it ----------------------------

Call = tuple[str, str, dict[str, Any]]
Requests = Callable[[World, str], list[Call]]


def _each_marked(path: str) -> Requests:
    return lambda w, _reader: [("GET", path.format(m=m), {}) for m in w.marked]


def _each_case(suffix: str = "") -> Requests:
    return lambda w, _reader: [
        ("GET", f"/api/v1/cases/{case}{suffix}", {}) for case in w.cases.values()
    ]


def _own_post(w: World, reader: str) -> list[Call]:
    act = w.mechanism.act(reader, "statement.publish", statement("walked"))
    return [("POST", "/log/v1/acts", {"json": act.to_dict()})]


def _own_account(w: World, reader: str) -> str:
    """An account of the reader's own member that the walk may change."""
    member = w.mechanism.key(reader).member
    delegate = {"AF": "af-spare", "SEC": "root"}.get(member, f"{member.lower()}-officer")
    return f"/api/v1/accounts/{member}/{delegate}"


def _accounts(verb: str, suffix: str = "", **kwargs: Any) -> Requests:
    """The same call on an account of the reader's member and on one of another member."""
    return lambda w, r: [
        (verb, _own_account(w, r) + suffix, dict(kwargs)),
        (verb, "/api/v1/accounts/PK/pk-observer" + suffix, dict(kwargs)),
    ]


WALK: dict[tuple[str, str], Requests] = {
    ("GET", "/api/v1/mechanism"): lambda w, r: [("GET", "/api/v1/mechanism", {})],
    ("GET", "/log/v1/"): lambda w, r: [("GET", "/log/v1/", {})],
    ("GET", "/log/v1/tile/{path:path}"): lambda w, r: [
        ("GET", "/log/v1/tile/0/000.p/1", {}),
        ("GET", "/log/v1/tile/entries/000.p/1", {}),
    ],
    ("GET", "/log/v1/checkpoint"): lambda w, r: [
        ("GET", "/log/v1/checkpoint", {}),
        ("GET", "/log/v1/checkpoint", {"params": {"size": 1}}),
    ],
    ("GET", "/log/v1/checkpoint/witnessed"): lambda w, r: [
        ("GET", "/log/v1/checkpoint/witnessed", {})
    ],
    ("GET", "/log/v1/witnesses"): lambda w, r: [("GET", "/log/v1/witnesses", {})],
    ("POST", "/log/v1/witness-reports"): lambda w, r: [
        ("POST", "/log/v1/witness-reports", {"content": b"not a signed witness report\n"})
    ],
    ("POST", "/log/v1/cosignatures"): lambda w, r: [
        ("POST", "/log/v1/cosignatures", {"content": b"not a cosigned checkpoint\n"})
    ],
    ("GET", "/log/v1/entries"): lambda w, r: [
        ("GET", "/log/v1/entries", {"params": {"start": 0, "end": w.size - 1}})
    ],
    ("GET", "/log/v1/proof/inclusion"): lambda w, r: [
        ("GET", "/log/v1/proof/inclusion", {"params": {"index": m.index, "size": w.size}})
        for m in w.marked[:3]
    ],
    ("GET", "/log/v1/proof/consistency"): lambda w, r: [
        ("GET", "/log/v1/proof/consistency", {"params": {"first": 1, "second": w.size}})
    ],
    ("POST", "/log/v1/acts"): _own_post,
    ("GET", "/log/v1/receipts/{index}"): lambda w, r: [
        ("GET", f"/log/v1/receipts/{m.index}", {}) for m in w.marked
    ],
    ("GET", "/log/v1/bodies/{digest}"): lambda w, r: [
        ("GET", f"/log/v1/bodies/{m.digest}", {}) for m in w.marked
    ],
    ("GET", "/api/v1/exports/incidents.{form}"): lambda w, r: [
        ("GET", "/api/v1/exports/incidents.csv", {}),
        ("GET", "/api/v1/exports/incidents.geojson", {"params": {"member": "PK"}}),
        ("GET", "/api/v1/exports/incidents.kml", {"params": {"from": "2025-01-01"}}),
    ],
    ("GET", "/api/v1/cases"): lambda w, r: [
        ("GET", "/api/v1/cases", {}),
        ("GET", "/api/v1/cases", {"params": {"member": "PK"}}),
        ("GET", "/api/v1/cases", {"params": {"status": "ruled", "clause": "C4"}}),
        ("GET", "/api/v1/cases", {"params": {"type": "shelling", "limit": 1, "offset": 1}}),
        (
            "GET",
            "/api/v1/cases",
            {"params": {"bbox": "60,29,75,37", "since": "2025-01-01T00:00:00Z"}},
        ),
    ],
    ("GET", "/api/v1/cases/{case_id}"): _each_case(),
    ("GET", "/api/v1/cases/{case_id}/penalty"): _each_case("/penalty"),
    ("GET", "/api/v1/cases/number/{number}"): lambda w, r: [
        ("GET", f"/api/v1/cases/number/{n}", {}) for n in range(1, len(w.cases) + 2)
    ],
    ("GET", "/api/v1/inbox"): lambda w, r: [("GET", "/api/v1/inbox", {})],
    ("POST", "/api/v1/files"): lambda w, r: [
        (
            "POST",
            "/api/v1/files",
            {"content": f"Note of {r}.".encode(), "headers": {"Content-Type": "text/plain"}},
        )
    ],
    ("GET", "/api/v1/files/{sha256}"): lambda w, r: [("GET", f"/api/v1/files/{w.file_sha256}", {})],
    ("GET", "/api/v1/files/{sha256}/info"): lambda w, r: [
        ("GET", f"/api/v1/files/{w.file_sha256}/info", {})
    ],
    ("GET", "/api/v1/compliance"): lambda w, r: [("GET", "/api/v1/compliance", {})],
    ("GET", "/api/v1/compliance/attestations"): lambda w, r: [
        ("GET", "/api/v1/compliance/attestations", {}),
        ("GET", "/api/v1/compliance/attestations", {"params": {"member": "AF", "clause": "C5"}}),
    ],
    ("GET", "/api/v1/reports/{kind}"): lambda w, r: [
        ("GET", "/api/v1/reports/weekly", {}),
        ("GET", "/api/v1/reports/daily", {"params": {"format": "html"}}),
    ],
    ("GET", "/api/v1/crossings"): lambda w, r: [("GET", "/api/v1/crossings", {})],
    ("GET", "/api/v1/crossings/{place_id}"): lambda w, r: [
        ("GET", "/api/v1/crossings/torkham", {})
    ],
    ("GET", "/api/v1/joint-actions"): lambda w, r: [
        ("GET", "/api/v1/joint-actions", {}),
        ("GET", "/api/v1/joint-actions", {"params": {"member": "AF", "status": "answered"}}),
    ],
    ("GET", "/api/v1/joint-actions/{request_id}"): lambda w, r: [
        ("GET", f"/api/v1/joint-actions/{index}", {}) for index in w.joint
    ],
    ("GET", "/api/v1/media/items"): lambda w, r: [
        ("GET", "/api/v1/media/items", {}),
        ("GET", "/api/v1/media/items", {"params": {"place": "Kandahar", "type": "shelling"}}),
        (
            "GET",
            "/api/v1/media/items",
            {"params": {"since": "2025-11-01", "until": "2025-11-30", "outlet": "Border Post"}},
        ),
        ("GET", "/api/v1/media/items", {"params": {"limit": 1, "offset": 1}}),
        *[
            ("GET", "/api/v1/media/items", {"params": {"content_hash": sha256}})
            for sha256 in w.content_hashes
        ],
    ],
    ("GET", "/api/v1/media/items/{item_id}"): lambda w, r: [
        ("GET", f"/api/v1/media/items/{index}", {}) for index in w.media.values()
    ],
    ("GET", "/api/v1/media/clusters"): lambda w, r: [
        ("GET", "/api/v1/media/clusters", {}),
        ("GET", "/api/v1/media/clusters", {"params": {"place": "spin-boldak-district"}}),
        (
            "GET",
            "/api/v1/media/clusters",
            {
                "params": {
                    "since": "2025-11-06",
                    "type": "shelling",
                    "outlet": "Frontier Wire",
                    "limit": 1,
                }
            },
        ),
    ],
    ("GET", "/api/v1/media/clusters/{cluster_id}"): lambda w, r: [
        ("GET", f"/api/v1/media/clusters/{cluster}", {}) for cluster in w.clusters
    ],
    ("GET", "/api/v1/media/clusters/{cluster_id}/case-draft"): lambda w, r: [
        ("GET", f"/api/v1/media/clusters/{cluster}/case-draft", {}) for cluster in w.clusters
    ],
    ("GET", "/api/v1/accounts"): lambda w, r: [
        ("GET", "/api/v1/accounts", {}),
        ("GET", "/api/v1/accounts", {"params": {"member": "PK"}}),
    ],
    ("POST", "/api/v1/accounts"): lambda w, r: [
        (
            "POST",
            "/api/v1/accounts",
            {
                "json": {
                    "member": w.mechanism.key(r).member,
                    "delegate": f"new-{r}",
                    "role": "secretariat" if r.startswith("sec") else "observer",
                }
            },
        ),
        (
            "POST",
            "/api/v1/accounts",
            {"json": {"member": "PK", "delegate": f"new-{r}", "role": "observer"}},
        ),
    ],
    ("GET", "/api/v1/accounts/me"): lambda w, r: [("GET", "/api/v1/accounts/me", {})],
    ("GET", "/api/v1/accounts/sign-in-events"): lambda w, r: [
        ("GET", "/api/v1/accounts/sign-in-events", {}),
        ("GET", "/api/v1/accounts/sign-in-events", {"params": {"limit": 5}}),
    ],
    ("GET", "/api/v1/accounts/{member}/{delegate}"): _accounts("GET"),
    ("GET", "/api/v1/accounts/key-requests/{request_id}"): lambda w, r: [
        ("GET", "/api/v1/accounts/key-requests/999999", {})
    ],
    ("POST", "/api/v1/accounts/{member}/{delegate}/enrol-code"): _accounts("POST", "/enrol-code"),
    ("GET", "/api/v1/inbox/upkeep"): lambda w, r: [("GET", "/api/v1/inbox/upkeep", {})],
    ("POST", "/api/v1/accounts/{member}/{delegate}/disable"): _accounts("POST", "/disable"),
    ("POST", "/api/v1/accounts/{member}/{delegate}/enable"): _accounts("POST", "/enable"),
    ("PUT", "/api/v1/accounts/{member}/{delegate}/password"): _accounts(
        "PUT", "/password", json={"password": "a new password"}
    ),
    ("GET", "/api/v1/accounts/{member}/{delegate}/tokens"): _accounts("GET", "/tokens"),
    ("POST", "/api/v1/accounts/{member}/{delegate}/tokens"): _accounts(
        "POST", "/tokens", json={"label": "walk"}
    ),
    ("DELETE", "/api/v1/accounts/{member}/{delegate}/tokens/{token_id}"): _accounts(
        "DELETE", "/tokens/" + "0" * 64
    ),
    ("GET", "/api/v1/notifications"): lambda w, r: [("GET", "/api/v1/notifications", {})],
    ("POST", "/api/v1/notifications/deliveries/{delivery_id}/send-again"): lambda w, r: [
        ("POST", "/api/v1/notifications/deliveries/999999/send-again", {})
    ],
    ("GET", "/api/v1/notifications/key"): lambda w, r: [("GET", "/api/v1/notifications/key", {})],
    ("GET", "/api/v1/notifications/endpoints"): lambda w, r: [
        ("GET", "/api/v1/notifications/endpoints", {})
    ],
    ("POST", "/api/v1/notifications/endpoints"): lambda w, r: [
        ("POST", "/api/v1/notifications/endpoints", {"json": {"url": "https://hooks.example/w"}})
    ],
    ("DELETE", "/api/v1/notifications/endpoints/{endpoint_id}"): lambda w, r: [
        ("DELETE", "/api/v1/notifications/endpoints/999999", {})
    ],
    ("POST", "/api/v1/notifications/endpoints/{endpoint_id}/test"): lambda w, r: [
        ("POST", "/api/v1/notifications/endpoints/999999/test", {})
    ],
    ("PUT", "/api/v1/notifications/address"): lambda w, r: [
        ("PUT", "/api/v1/notifications/address", {"json": {"email": "walk@example.org"}})
    ],
    ("GET", "/api/v1/notifications/preferences"): lambda w, r: [
        ("GET", "/api/v1/notifications/preferences", {})
    ],
    ("PUT", "/api/v1/notifications/preferences"): lambda w, r: [
        ("PUT", "/api/v1/notifications/preferences", {"json": {"timing": "digest"}})
    ],
    ("GET", "/public"): lambda w, r: [
        ("GET", "/public", {"params": {"lang": lang}}) for lang in ("en", "ps")
    ],
    ("GET", "/public/feed.atom"): lambda w, r: [
        ("GET", "/public/feed.atom", {"params": {"lang": lang}}) for lang in ("en", "ar")
    ],
    # A stored evidence file is no published report's PDF: nobody gets it here.
    ("GET", "/public/reports/{sha256}.pdf"): lambda w, r: [
        ("GET", f"/public/reports/{w.file_sha256}.pdf", {})
    ],
    ("GET", "/api/v1/reports/published"): lambda w, r: [("GET", "/api/v1/reports/published", {})],
    ("GET", "/api/v1/reports/awaiting"): lambda w, r: [("GET", "/api/v1/reports/awaiting", {})],
    ("GET", "/api/v1/reports/acts/{report_id}"): lambda w, r: [
        ("GET", f"/api/v1/reports/acts/{index}", {}) for index in (*w.joint, 999999)
    ],
    ("GET", "/api/v1/reports/by-pdf/{sha256}"): lambda w, r: [
        ("GET", f"/api/v1/reports/by-pdf/{'0' * 64}", {})
    ],
}


#: Routes that answer without a token: what the log publishes to anyone, and the public
#: record (which shows acts addressed to the public, and nothing else of any body).
PUBLIC = {
    ("GET", "/public"),
    ("GET", "/public/feed.atom"),
    ("GET", "/public/reports/{sha256}.pdf"),
    ("GET", "/api/v1/mechanism"),
    ("GET", "/api/v1/notifications/key"),
    ("GET", "/log/v1/"),
    ("GET", "/log/v1/tile/{path:path}"),
    ("GET", "/log/v1/checkpoint"),
    ("GET", "/log/v1/checkpoint/witnessed"),
    ("GET", "/log/v1/witnesses"),
    ("POST", "/log/v1/cosignatures"),
    ("POST", "/log/v1/witness-reports"),
    ("GET", "/log/v1/entries"),
    ("GET", "/log/v1/proof/inclusion"),
    ("GET", "/log/v1/proof/consistency"),
    ("GET", "/log/v1/receipts/{index}"),
}


def routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, through included routers too."""
    found: set[tuple[str, str]] = set()

    def walk(items: list[Any], prefix: str) -> None:
        for route in items:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                found.update((m, prefix + route.path) for m in route.methods - {"HEAD"})
            elif hasattr(route, "routes") and not hasattr(route, "app"):
                walk(route.routes, prefix + getattr(route, "path", ""))

    walk(list(app.routes), "")
    return found


@pytest.fixture
def client(mechanism: Mechanism, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


def test_every_api_and_log_route_is_walked(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    served = {r for r in routes(app) if r[1].startswith(("/api/", "/log/", "/public"))}
    assert served - set(WALK) == set(), "add these routes to WALK"
    assert set(WALK) - served == set(), "these routes of WALK are no longer served"


def test_without_a_token_only_the_public_log_answers(
    client: TestClient, mechanism: Mechanism, clock: Clock
) -> None:
    world = build(client, mechanism, clock)
    seen: set[str] = set()
    for route, requests in WALK.items():
        for method, url, kwargs in requests(world, "af-officer"):
            answer = client.request(method, url, **kwargs)
            assert answer.status_code < 500, (url, answer.text)
            if route in PUBLIC:
                assert answer.status_code != 401, url
                found = set(MARK.findall(answer.text))
                assert found <= {PUBLIC_MARK}, url
                seen |= found
            else:
                assert answer.status_code == 401, (method, url, answer.status_code)
                assert answer.headers["content-type"] == PROBLEM
                assert answer.json()["type"] == "/problems/unauthenticated"
    assert seen == {PUBLIC_MARK}, "the public record is read without a token"


def _expect_account_status(reader: str, url: str, kwargs: dict[str, Any], answer: Response) -> None:
    """Account administration: the secretariat everywhere, a head in its own member."""
    if url.endswith("/me"):
        assert answer.status_code == 200
        return
    own, _, suffix = reader.partition("-")
    role = {"root": "head", "clerk": "secretariat"}.get(suffix, suffix)
    only = (
        ("secretariat",)
        if url.endswith("/enrol-code")
        else ("head", "secretariat")
        if "/key-requests/" in url
        else None
    )
    if only is not None:  # issued by the secretariat alone; decided by a head (or it)
        if role in only:
            assert answer.status_code < 400 or answer.status_code == 404, (reader, url)
        else:
            assert answer.status_code == 403, (reader, url, answer.text)
            assert answer.json()["type"] == "/problems/not-permitted"
        return
    in_path = re.match(r"/api/v1/accounts/([A-Z]+)/", url)
    named = kwargs.get("params", {}).get("member") or kwargs.get("json", {}).get("member")
    member = in_path.group(1) if in_path else named or own.upper()
    if role == "secretariat" or (role == "head" and member == own.upper()):
        assert answer.status_code < 400 or answer.status_code == 404, (reader, url, answer.text)
    else:
        assert answer.status_code == 403, (reader, url, answer.text)
        assert answer.json()["type"] == "/problems/not-permitted"


def _expect_media(w: World, client: TestClient, reader: str) -> None:
    """Items, clusters and drafts hold the reader's items only; hidden ones are 404s."""
    headers = w.headers(reader)
    visible = {m.index for m in w.marked if m.marker in w.media and w.sees(reader, m)}
    page = client.get("/api/v1/media/items", headers=headers).json()
    assert page["total"] == len(visible)
    assert {item["id"] for item in page["items"]} == visible
    for index in w.media.values():
        single = client.get(f"/api/v1/media/items/{index}", headers=headers)
        assert (single.status_code == 200) == (index in visible), (index, single.text)
    listed = client.get("/api/v1/media/clusters", headers=headers).json()
    assert {c["id"] for c in listed["clusters"]} == {
        cluster for cluster, items in w.clusters.items() if items & visible
    }
    for cluster, items in w.clusters.items():
        view = client.get(f"/api/v1/media/clusters/{cluster}", headers=headers)
        draft = client.get(f"/api/v1/media/clusters/{cluster}/case-draft", headers=headers)
        if not items & visible:
            assert (view.status_code, draft.status_code) == (404, 404), (cluster, view.text)
            continue
        shown = view.json()
        assert {item["id"] for item in shown["items"]} == items & visible
        assert {figure["item"] for figure in shown["figures"]} == items & visible
        attached = {case for m, c, case in w.corroborations if c == cluster and w.sees(reader, m)}
        assert set(shown["corroborates"]) == attached, (cluster, shown["corroborates"])
        killed = draft.json()["body"]["incident"]["killed"]["civilians"]
        assert killed == min(f["killed"]["civilians"] for f in shown["figures"])


@pytest.mark.parametrize("reader", READERS)
def test_each_reader_sees_exactly_its_audiences_through_every_route(
    client: TestClient, mechanism: Mechanism, clock: Clock, reader: str, tmp_path: Path
) -> None:
    world = build(client, mechanism, clock)
    headers = world.headers(reader)
    allowed = {m.marker for m in world.marked if world.sees(reader, m)}
    seen: set[str] = set()
    for route, requests in WALK.items():
        for method, url, kwargs in requests(world, reader):
            extra = kwargs.pop("headers", {})
            answer = client.request(method, url, headers=headers | extra, **kwargs)
            if route[1].startswith("/api/v1/accounts"):
                _expect_account_status(reader, url, kwargs, answer)
            assert answer.status_code < 500, (method, url, answer.text)
            if answer.status_code >= 400:
                assert answer.headers["content-type"] == PROBLEM, (url, answer.text)
            found = set(MARK.findall(answer.text))
            leaked = found - allowed - {"MARK-FILE-MED"}
            assert not leaked, (reader, method, url, leaked)
            seen |= found
    member = mechanism.key(reader).member
    mediator = KINDS[member] == "mediator"
    assert ("MARK-FILE-MED" in seen) == mediator
    assert seen - {"MARK-FILE-MED"} == allowed, allowed - seen

    # Counts: a case outside the audience is neither listed nor counted nor in the inbox.
    visible_cases = {
        kind: index
        for kind, index in world.cases.items()
        if any(m.index == index and world.sees(reader, m) for m in world.marked)
    }
    page = client.get("/api/v1/cases", headers=headers).json()
    assert page["total"] == len(visible_cases)
    assert {c["id"] for c in page["cases"]} == set(visible_cases.values())
    for case_kind, index in world.cases.items():
        single = client.get(f"/api/v1/cases/{index}", headers=headers)
        assert (single.status_code == 200) == (case_kind in visible_cases), (case_kind, single.text)
    inbox = client.get("/api/v1/inbox", headers=headers).json()
    assert {item["case"] for item in inbox} <= set(visible_cases.values())
    for m in world.marked:
        body = client.get(f"/log/v1/bodies/{m.digest}", headers=headers)
        assert (body.status_code == 200) == world.sees(reader, m), (m.marker, body.status_code)

    _expect_media(world, client, reader)

    # The export of the reader's view holds the bodies it may see, and no other.
    key_file = mechanism.key(reader)
    bundle = tmp_path / f"{reader}.tar"
    export_bundle(mechanism.db, bundle, Identity(key_file.member, key_file.delegate))
    exported = set(MARK.findall(bundle.read_bytes().decode("utf-8", "replace")))
    assert exported == allowed
