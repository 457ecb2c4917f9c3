"""Press pages and media act forms: articles stored from a form, clusters side by side,
case drafts and corroboration (through a signed-in browser with its own key)."""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.mechanism import SCENARIO_DIR, Mechanism
from tests.unit.web_app import Browser, parse_page
from truce.ledger.envelope import format_time, parse_time
from truce.media.ingest.articles import Article, read_file
from truce.media.ingest.extract import Extractor
from truce.media.service import item_body
from truce.scenario.facts import utc_to_local, zone_for
from truce.scenario.rules import load_scenario
from truce.storage.models import CaseRecord, MediaItem

ARTICLES = Path(__file__).resolve().parents[2] / "assets" / "articles"
WIRE = "wire-2025-11-06-spin-boldak-firing.txt"
PRESSER = "afghan-outlet-2025-11-08-mujahid-presser.html"
BORDER = "wire-2025-10-12-border-posts.txt"


@cache
def _extractor() -> Extractor:
    return Extractor(load_scenario(SCENARIO_DIR))


def article(name: str) -> Article:
    """An asset article as ``truce ingest`` reads it."""
    return read_file(ARTICLES / name)


def form(found: Article, **extra: str) -> dict[str, str]:
    """The fields a delegate pastes into the article form."""
    fields = {
        "kind": "media.item",
        "text": found.text,
        "title": found.title or "",
        "outlet": found.outlet or "",
        "url": found.url or "",
        "published": found.published.isoformat() if found.published else "",
        "language": found.language or "",
    }
    return fields | extra


def store(browser: Browser, name: str, **extra: str) -> int:
    answer = browser.act(form(article(name), **extra))
    assert answer.status_code == 200, answer.text
    assert answer.json()["redirect"] == f"/media?stored={answer.json()['index']}"
    index: int = answer.json()["index"]
    return index


def cluster_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="cluster-(\d+)"', page)]


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_an_article_form_is_extracted_as_truce_ingest_does(
    browsers: Any, mechanism: Mechanism
) -> None:
    clerk: Browser = browsers("sec-clerk")
    key = mechanism.key("sec-clerk").key
    found = article(WIRE)
    prepared = clerk.prepare({**form(found), "key_id": key.key_id})
    assert prepared.status_code == 200, prepared.text
    assert prepared.json()["body"] == item_body(found, _extractor().extract(found))
    assert prepared.json()["body"]["incidents"], "the wire reports an incident"

    store(clerk, WIRE)
    again = clerk.prepare({**form(found), "key_id": key.key_id})
    assert again.status_code == 422
    assert "already stored as media item" in again.json()["errors"]["text"]
    empty = clerk.prepare({"kind": "media.item", "text": " ", "key_id": key.key_id})
    assert empty.json() == {"errors": {"text": "This field is required."}}
    day = clerk.prepare({**form(article(BORDER)), "published": "6 Nov", "key_id": key.key_id})
    assert set(day.json()["errors"]) == {"published"}
    with mechanism.db.read() as connection:
        assert len(connection.execute(select(MediaItem.id)).all()) == 1


def test_clusters_list_every_source_and_conflicting_figure(
    browsers: Any, mechanism: Mechanism
) -> None:
    clerk: Browser = browsers("sec-clerk")
    wire = store(clerk, WIRE)
    store(browsers("af-officer"), PRESSER)
    store(browsers("pk-officer"), BORDER)
    reader: Browser = browsers("qa-officer")

    page = reader.page("/media")
    assert page.status_code == 200
    assert 'href="/media" aria-current="page"' in page.text
    shown = cluster_ids(page.text)
    assert len(shown) == 3
    words = text_of(page.text)
    assert "Frontier Wire" in words
    assert "Kabul Observer" in words
    assert re.search(r"Killed: civilians\s+5 \([^)]*\)\s+·\s+6 \(", words), words

    november = reader.page("/media?since=2025-11-05")
    assert len(cluster_ids(november.text)) == 1
    assert 'value="2025-11-05"' in november.text  # the filter stays in the form
    assert len(cluster_ids(reader.page("/media?outlet=Kabul+Observer").text)) == 1
    assert len(cluster_ids(reader.page("/media?type=border_closure").text)) == 1
    assert len(cluster_ids(reader.page("/media?place=Balochistan").text)) >= 1
    bad = reader.page("/media?since=2025-11-05&until=2025-11-01")
    assert bad.status_code == 200
    assert "A filter was not understood" in bad.text
    assert len(cluster_ids(bad.text)) == 3

    (spin,) = cluster_ids(november.text)
    cluster = reader.page(f"/media/clusters/{spin}")
    assert cluster.status_code == 200
    assert 'href="https://frontierwire.example/' in cluster.text
    assert f"Log entry {wire}" in cluster.text
    assert "Attributed claims" in cluster.text
    assert re.search(r'<span class="act-text-body" lang="en" dir="auto">', cluster.text)
    assert "/cases/new?from_cluster" not in cluster.text  # a mediator lodges no case
    forms = [f for f in parse_page(cluster.text).forms if "data-act-form" in f["attrs"]]
    (attach,) = forms
    names = {field.get("name"): field.get("value") for field in attach["fields"]}
    assert names["kind"] == "media.corroborate"
    assert names["cluster"] == str(spin)
    assert reader.page("/media/clusters/999999").status_code == 404


def test_a_party_sees_only_items_in_its_audience(browsers: Any, mechanism: Mechanism) -> None:
    store(browsers("af-officer"), PRESSER, audience="AF")
    store(browsers("sec-clerk"), BORDER)
    pk: Browser = browsers("pk-officer")
    page = pk.page("/media")
    assert "Kabul Observer" not in page.text
    assert cluster_ids(page.text)
    af: Browser = browsers("af-officer")
    hidden = [c for c in cluster_ids(af.page("/media").text) if c not in cluster_ids(page.text)]
    assert hidden
    assert pk.page(f"/media/clusters/{hidden[0]}").status_code == 404
    assert pk.page(f"/cases/new?from_cluster={hidden[0]}").status_code == 404
    observer: Browser = browsers("pk-observer")
    assert "Add an article" not in observer.page("/media").text
    assert "Add an article" in pk.page("/media").text


def test_a_case_starts_from_a_cluster_and_press_reports_corroborate_it(
    browsers: Any, mechanism: Mechanism
) -> None:
    store(browsers("sec-clerk"), WIRE)
    store(browsers("af-officer"), PRESSER)
    af: Browser = browsers("af-officer")
    (spin,) = cluster_ids(af.page("/media?since=2025-11-05").text)
    cluster = af.page(f"/media/clusters/{spin}")
    assert f'href="/cases/new?from_cluster={spin}"' in cluster.text
    assert "Attach to a case" not in cluster.text

    draft = af.client.get(
        f"/api/v1/media/clusters/{spin}/case-draft",
        headers={"authorization": f"Bearer {mechanism.token('af-officer')}"},
    ).json()["body"]
    lodge = af.page(f"/cases/new?from_cluster={spin}")
    assert lodge.status_code == 200
    assert f'data-from-cluster="{spin}"' in lodge.text
    fields = {
        str(f.get("name")): f for form_ in parse_page(lodge.text).forms for f in form_["fields"]
    }
    killed = draft["incident"]["killed"]
    assert fields["incident.killed.civilians"]["value"] == str(killed["civilians"])
    # The draft's UTC time, shown in the local time of its place, as the form is typed in.
    zone = zone_for(mechanism.scenario, draft["incident"]["place"]["place_id"], "AF")[1]
    shown = utc_to_local(parse_time(draft["incident"]["occurred_at"]), zone)
    assert fields["incident.occurred_at"]["value"] == shown.strftime("%Y-%m-%dT%H:%M")
    assert html.escape(draft["narrative"].split("\n")[0], quote=False) in lodge.text
    assert af.page("/cases/new?from_cluster=999999").status_code == 404

    fields_sent = {
        "kind": "case.lodge",
        "incident.type": draft["incident"]["type"],
        "incident.occurred_at": fields["incident.occurred_at"]["value"],
        "incident.time_precision": draft["incident"]["time_precision"],
        "incident.place.place_id": draft["incident"]["place"]["place_id"],
        "incident.place.precision": draft["incident"]["place"]["precision"],
        "accused.member": "PK",
        "clauses": "C4",
        "narrative": draft["narrative"],
        "language": "en",
    }
    case = af.act(fields_sent).json()["index"]
    with mechanism.db.read() as connection:
        occurred = connection.execute(
            select(CaseRecord.occurred_at).where(CaseRecord.id == case)
        ).scalar_one()
    assert format_time(occurred) == draft["incident"]["occurred_at"]
    mediator: Browser = browsers("qa-officer")
    attached = mediator.act(
        {"kind": "media.corroborate", "case": str(case), "cluster": str(spin),
         "note": "Two outlets, two hospitals.", "language": "en"}
    )  # fmt: skip
    assert attached.status_code == 200, attached.text
    assert attached.json()["redirect"] == f"/cases/{case}"
    page = af.page(f"/cases/{case}")
    assert "Corroborating press reports" in page.text
    section = page.text.split('id="press-title"')[1].split("</section>")[0]
    assert "Frontier Wire" in section
    assert "Kabul Observer" in section
    assert 'href="https://frontierwire.example/' in section
    assert "2025-11-06" in section
    with mechanism.db.read() as connection:
        number = connection.execute(
            select(CaseRecord.number).where(CaseRecord.id == case)
        ).scalar_one()
    cluster_page = af.page(f"/media/clusters/{spin}").text
    assert f'<a href="/cases/{case}">Case {number} ' in cluster_page

    key = mechanism.key("qa-officer").key
    nothing = mediator.prepare(
        {"kind": "media.corroborate", "case": str(case), "cluster": "999999",
         "key_id": key.key_id}
    )  # fmt: skip
    assert set(nothing.json()["errors"]) == {"cluster"}
    no_case = mediator.prepare(
        {"kind": "media.corroborate", "cluster": str(spin), "key_id": key.key_id}
    )
    assert set(no_case.json()["errors"]) == {"case"}
