"""Media items, clusters, case drafts and corroboration over HTTP, on each backend."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.functional.support import Delegations
from tests.mechanism import SCENARIO_DIR, Mechanism, assert_rebuild_reproduces
from truce.media.ingest.articles import read_file
from truce.media.ingest.extract import Extractor
from truce.media.service import item_body
from truce.scenario.rules import load_scenario

ARTICLES = Path(__file__).resolve().parents[1] / "assets" / "articles"
WIRE = "wire-2025-11-06-spin-boldak-firing.txt"
PRESSER = "afghan-outlet-2025-11-08-mujahid-presser.html"
BORDER = "wire-2025-10-12-border-posts.txt"

LODGE = {
    "incident": {
        "type": "shelling",
        "occurred_at": "2025-11-06T10:30:00Z",
        "time_precision": "hour",
        "place": {"place_id": "spin-boldak", "precision": "approximate"},
        "killed": {"civilians": 5},
    },
    "accused": {"member": "PK"},
    "clauses": ["C4"],
    "narrative": "Shells struck homes in Spin Boldak.",
    "language": "en",
}


@cache
def _extractor() -> Extractor:
    return Extractor(load_scenario(SCENARIO_DIR))


def body(name: str) -> dict[str, Any]:
    """The media.item body of an asset article, extracted by the real engine."""
    article = read_file(ARTICLES / name)
    return item_body(article, _extractor().extract(article))


def spin_boldak(view: dict[str, Any]) -> bool:
    return "spin-boldak" in view["places"] or "chaman-spin-boldak" in view["places"]


def report(item: dict[str, Any]) -> dict[str, Any]:
    return {"item": item["leaf_hash"]} | {
        name: item[name] for name in ("outlet", "title", "url", "published") if item[name]
    }


def test_items_clusters_and_drafts(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    wire = d.post("sec-clerk", "media.item", body(WIRE))
    presser = d.post("af-officer", "media.item", body(PRESSER))
    border = d.post("pk-officer", "media.item", body(BORDER))

    page = d.get("qa-officer", "/api/v1/media/items")
    assert page["total"] == 3
    assert [item["id"] for item in page["items"]] == [
        presser["index"],
        wire["index"],
        border["index"],
    ]  # newest publication first
    shown = d.get("qa-officer", f"/api/v1/media/items/{wire['index']}")
    assert (shown["outlet"], shown["published"]) == ("Frontier Wire", "2025-11-06")
    assert shown["ingested_by"] == "SEC/sec-clerk"
    assert shown["incidents"][0]["killed"]["civilians"] == 5
    text = client.get(
        f"/log/v1/bodies/{shown['body_digest']}", headers=d.headers("pk-observer")
    ).json()
    assert "Spin Boldak" in text["text"]
    assert d.get("qa-officer", "/api/v1/media/items", outlet="Kabul Observer")["total"] == 1
    assert d.get("qa-officer", "/api/v1/media/items", outlet="Frontier Wire")["total"] == 2
    assert d.get("qa-officer", "/api/v1/media/items", since="2025-11-01")["total"] == 2
    assert d.get("qa-officer", "/api/v1/media/items", place="spin-boldak-district")["total"] == 1
    assert d.get("qa-officer", "/api/v1/media/items", place="Balochistan")["total"] == 1
    by_hash = d.get("qa-officer", "/api/v1/media/items", content_hash=body(BORDER)["content_hash"])
    assert [item["id"] for item in by_hash["items"]] == [border["index"]]
    assert (
        d.get("qa-officer", "/api/v1/media/items", limit=1, offset=1)["items"][0]["id"]
        == (wire["index"])
    )

    clusters = d.get("pk-officer", "/api/v1/media/clusters", since="2025-11-05")
    (cluster,) = clusters["clusters"]
    assert spin_boldak(cluster)
    assert {item["id"] for item in cluster["items"]} == {wire["index"], presser["index"]}
    assert {f["item"] for f in cluster["figures"]} == {wire["index"], presser["index"]}
    (conflict,) = [c for c in cluster["conflicts"] if c["category"] == "civilians"
                   and c["measure"] == "killed"]  # fmt: skip
    values = {v["value"]: v for v in conflict["values"]}
    assert set(values) == {5, 6}
    assert values[5]["items"] == [wire["index"]]
    assert "Frontier Wire" in cluster["sources"]
    assert d.get("pk-officer", f"/api/v1/media/clusters/{cluster['id']}") == cluster
    october = d.get("pk-officer", "/api/v1/media/clusters", until="2025-10-31")["clusters"]
    assert [(c["types"], c["first_date"]) for c in october] == [
        (["attack_on_post"], "2025-10-11"),  # latest event first
        (["border_closure"], "2025-10-01"),  # the wire's background paragraph
    ]
    assert d.get("pk-officer", "/api/v1/media/clusters", outlet="Kabul Observer")["total"] == 1
    assert d.get("pk-officer", "/api/v1/media/clusters", type="border_closure")["total"] == 1
    everything = d.get("pk-officer", "/api/v1/media/clusters", limit=1, offset=1)
    assert everything["total"] == 3
    assert everything["clusters"] == [october[0]]
    bad = d.get("pk-officer", "/api/v1/media/clusters", since="2025-11-05", until="2025-11-01",
                expect=400)  # fmt: skip
    assert "until is before since" in bad["detail"]
    assert d.get("pk-officer", "/api/v1/media/clusters/999999", expect=404)["status"] == 404

    draft = d.get("af-officer", f"/api/v1/media/clusters/{cluster['id']}/case-draft")
    incident = draft["body"]["incident"]
    assert incident["occurred_at"] == "2025-11-06T00:00:00Z"
    assert incident["time_precision"] == "day"
    assert incident["place"]["place_id"] in {"spin-boldak", "chaman-spin-boldak"}
    assert incident["killed"]["civilians"] == 5  # the lowest reported figure
    assert "6 civilians killed" in draft["body"]["narrative"]
    assert "clauses" in draft["missing"]
    completed = draft["body"] | {"clauses": ["C4"], "accused": {"member": "PK"}}
    lodged = d.post("af-officer", "case.lodge", completed)
    assert (
        d.get("af-officer", f"/api/v1/cases/{lodged['index']}")["case"]["type"]
        == (incident["type"])
    )

    live = assert_rebuild_reproduces(mechanism.db)
    assert live["media_clusters"]
    assert live["media_incidents"]


def test_refused_items(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    first = d.post("sec-clerk", "media.item", body(WIRE))
    again = d.post("pk-officer", "media.item", body(WIRE), expect=422)
    assert f"already stored as media item {first['index']}" in again["detail"]
    forged = body(WIRE) | {"text": "Another text altogether."}
    wrong = d.post("sec-clerk", "media.item", forged, expect=400)
    assert "content_hash" in wrong["detail"]
    observer = d.post("pk-observer", "media.item", body(BORDER), expect=422)
    assert observer["type"] == "/problems/role-not-permitted"
    assert d.get("tr-officer", "/api/v1/media/items")["total"] == 1


def test_audience_of_items_and_clusters(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    hidden = d.post("pk-officer", "media.item", body(WIRE), audience=["TR", "QA"])
    shown = d.post("sec-clerk", "media.item", body(BORDER))
    assert d.get("af-officer", "/api/v1/media/items")["total"] == 1
    assert d.get("af-officer", f"/api/v1/media/items/{hidden['index']}", expect=404)
    assert d.get("tr-officer", f"/api/v1/media/items/{hidden['index']}")["id"] == hidden["index"]
    af_clusters = d.get("af-officer", "/api/v1/media/clusters")["clusters"]
    assert all(item["id"] == shown["index"] for c in af_clusters for item in c["items"])
    qa_clusters = d.get("qa-officer", "/api/v1/media/clusters", since="2025-11-05")["clusters"]
    (cluster,) = qa_clusters
    assert d.get("af-officer", f"/api/v1/media/clusters/{cluster['id']}", expect=404)
    assert d.get("pk-root", f"/api/v1/media/clusters/{cluster['id']}")["id"] == cluster["id"]


def test_corroboration(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    d.post("sec-clerk", "media.item", body(WIRE))
    d.post("af-officer", "media.item", body(PRESSER))
    d.post("sec-clerk", "media.item", body(BORDER))
    case = d.post("af-officer", "case.lodge", LODGE)
    ref = (case["leaf_hash"],)
    cluster = d.get("tr-officer", "/api/v1/media/clusters", place="spin-boldak")["clusters"][0]
    other = d.get("tr-officer", "/api/v1/media/clusters", until="2025-10-31")["clusters"][0]
    attach = {"cluster": cluster["id"], "items": [report(i) for i in cluster["items"]]}

    party = d.post("af-officer", "media.corroborate", attach, ref, expect=422)
    assert "only a mediator" in party["detail"]
    clerk = d.post("sec-clerk", "media.corroborate", attach, ref, expect=422)
    assert clerk["type"] == "/problems/role-not-permitted"
    unknown = d.post("tr-officer", "media.corroborate", attach | {"cluster": 7}, ref, expect=422)
    assert "there is no media cluster 7" in unknown["detail"]
    stranger = attach | {"cluster": other["id"]}
    foreign = d.post("tr-officer", "media.corroborate", stranger, ref, expect=422)
    assert "is not a media item of cluster" in foreign["detail"]
    retitled = {
        "cluster": cluster["id"],
        "items": [report(cluster["items"][0]) | {"title": "Something else"}],
    }
    assert (
        "title is" in d.post("tr-officer", "media.corroborate", retitled, ref, expect=422)["detail"]
    )
    nocase = d.post("tr-officer", "media.corroborate", attach, ("ab" * 32,), expect=422)
    assert "is not a case" in nocase["detail"]
    assert d.post("tr-officer", "media.corroborate", attach, expect=422)["field"] == "refs"

    act = mechanism.act("tr-officer", "media.corroborate", attach, refs=ref)
    posted = client.post("/log/v1/acts", json=act.to_dict(), headers=d.headers("tr-officer"))
    assert posted.status_code == 201, posted.text
    replay = client.post("/log/v1/acts", json=act.to_dict(), headers=d.headers("tr-officer"))
    assert replay.status_code == 409
    twice = d.post("qa-root", "media.corroborate", attach, ref, expect=422)
    assert "already attached" in twice["detail"]

    thread = d.get("pk-officer", f"/api/v1/cases/{case['index']}")["thread"]
    assert [a["kind"] for a in thread] == ["case.lodge", "media.corroborate"]
    reports = thread[1]["body"]["items"]
    assert {r["outlet"] for r in reports} == {i["outlet"] for i in cluster["items"]}
    assert d.get("pk-officer", f"/api/v1/media/clusters/{cluster['id']}")["corroborates"] == [
        case["index"]
    ]
    assert_rebuild_reproduces(mechanism.db)


def test_a_corroboration_reaches_no_further_than_its_items(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    d.post("pk-officer", "media.item", body(WIRE), audience="mediators")
    d.post("sec-clerk", "media.item", body(PRESSER))
    case = d.post("af-officer", "case.lodge", LODGE)
    ref = (case["leaf_hash"],)
    cluster = d.get("tr-officer", "/api/v1/media/clusters", place="spin-boldak")["clusters"][0]
    attach = {"cluster": cluster["id"], "items": [report(i) for i in cluster["items"]]}
    assert len(cluster["items"]) == 2

    wide = d.post("tr-officer", "media.corroborate", attach, ref, expect=422)
    assert wide["field"] == "audience"
    assert "must not reach further than the item" in wide["detail"]
    assert "AF" in wide["detail"]
    assert "SEC" in wide["detail"]
    assert d.get("af-officer", f"/api/v1/cases/{case['index']}")["thread"][-1]["kind"] == (
        "case.lodge"
    )
    d.post("tr-officer", "media.corroborate", attach, ref, audience="mediators")
    thread = d.get("qa-officer", f"/api/v1/cases/{case['index']}")["thread"]
    assert thread[-1]["kind"] == "media.corroborate"


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
     "file:///etc/passwd"],
)  # fmt: skip
def test_links_other_than_http_are_refused_over_http(
    client: TestClient, mechanism: Mechanism, link: str
) -> None:
    """A ``media.item`` url, and a corroboration's press report url, admit http(s) only."""
    d = Delegations(client, mechanism)
    scheme = link.split(":", 1)[0]
    refused = d.post("sec-clerk", "media.item", body(WIRE) | {"url": link}, expect=400)
    assert refused["detail"].endswith(f"not a {scheme}: URL")
    assert refused["field"] == "body.url"
    assert d.get("tr-officer", "/api/v1/media/items")["total"] == 0
    item = d.post("sec-clerk", "media.item", body(WIRE) | {"url": "https://example.org/w"})
    case = d.post("af-officer", "case.lodge", LODGE)
    press = {"item": item["leaf_hash"], "url": link}
    corroboration = {"cluster": 1, "items": [press]}
    again = d.post("tr-officer", "media.corroborate", corroboration, (case["leaf_hash"],),
                   expect=400)  # fmt: skip
    assert f"not a {scheme}: URL" in again["detail"]
