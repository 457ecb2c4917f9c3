"""Restricted material beside a case is an annex the concerned member sees exists, and no
confirmed violation rests on an annex its violator was not shown: over the API, on the
case page and through the CLI, from each party's side."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Delegations, Server
from tests.functional.test_cases_api import finding, lodge_body
from tests.functional.test_client_cli import as_delegate
from tests.mechanism import Mechanism
from truce.accounts.service import authenticate, set_language
from truce.accounts.sessions import COOKIE, open_session

SECRET = "Names of the informants at the post."
FILE_NAME = "informants.txt"
NAMES = {"PK": "Pakistan", "AF": "Afghanistan"}


@dataclass
class Played:
    """A case lodged by ``lodger`` against ``accused``, with a mediators-only annex and
    a piece of evidence addressed to all, now under investigation."""

    case: int
    ref: str
    annex: dict[str, Any]
    shown: dict[str, Any]


def evidence(d: Delegations, name: str, text: bytes, file_name: str) -> dict[str, Any]:
    uploaded = d.client.post("/api/v1/files", content=text, headers=d.headers(name)).json()
    return {
        "files": [{k: uploaded[k] for k in ("sha256", "media_type", "size")} | {"name": file_name}],
        "description": text.decode(),
        "language": "en",
    }


def play(d: Delegations, lodger: str, accused: str) -> Played:
    """Lodge (addressed to the accused and the mediators, not the secretariat), add a
    mediators-only annex and evidence for all, respond and open the investigation."""
    code = accused.upper()
    lodged = d.post(
        f"{lodger}-officer", "case.lodge", lodge_body(code), audience=[code, "TR", "QA"]
    )
    ref = (lodged["leaf_hash"],)
    officer = f"{lodger}-officer"
    secret = evidence(d, officer, SECRET.encode(), FILE_NAME)
    annex = d.post(officer, "case.evidence", secret, ref, audience="mediators")
    photos = evidence(d, officer, b"Crater photos.", "craters.txt")
    shown = d.post(officer, "case.evidence", photos, ref, audience="all")
    deny = {"position": "deny", "statement": "Our forces did not fire.", "language": "en"}
    d.post(f"{accused}-root", "case.respond", deny, ref)
    d.post("tr-officer", "case.investigate", {"note": "Opened."}, ref)
    return Played(lodged["index"], lodged["leaf_hash"], annex, shown)


def page(client: TestClient, mechanism: Mechanism, clock: Clock, name: str, path: str) -> Any:
    """``path`` as the delegate ``name`` sees it in a signed-in browser session, in English."""
    identity = authenticate(mechanism.db, mechanism.token(name))
    set_language(mechanism.db, identity.member, identity.delegate, "en")
    value, _session = open_session(mechanism.db, identity, clock())
    client.cookies.set(COOKIE, value)
    try:
        return client.get(path, follow_redirects=False)
    finally:
        client.cookies.clear()


@pytest.mark.parametrize(("lodger", "accused"), [("pk", "af"), ("af", "pk")])
def test_the_accused_sees_an_annex_exists_and_nothing_of_its_content(
    client: TestClient, mechanism: Mechanism, clock: Clock, lodger: str, accused: str
) -> None:
    d = Delegations(client, mechanism)
    played = play(d, lodger, accused)
    answer = client.get(f"/api/v1/cases/{played.case}", headers=d.headers(f"{accused}-officer"))
    assert answer.status_code == 200
    assert SECRET not in answer.text
    assert FILE_NAME not in answer.text
    stub = next(act for act in answer.json()["thread"] if act["index"] == played.annex["index"])
    assert stub["withheld"]
    delegate = mechanism.key(f"{lodger}-officer").delegate
    assert (stub["kind"], stub["member"], stub["delegate"]) == (
        "case.evidence", lodger.upper(), delegate,
    )  # fmt: skip
    assert stub["audience"] == "mediators"
    assert stub["body"] is None
    assert stub["files"] == []
    assert stub["at"].endswith("Z")
    entry = d.get(f"{accused}-officer", "/log/v1/entries", start=stub["index"], end=stub["index"])
    envelope = json.loads(base64.b64decode(entry["entries"][0]["leaf"]))
    assert stub["body_digest"] == envelope["body_digest"]  # the digest the public log holds

    html = page(client, mechanism, clock, f"{accused}-officer", f"/cases/{played.case}")
    assert html.status_code == 200
    assert SECRET not in html.text
    assert FILE_NAME not in html.text
    stub_html = html.text.split('data-annex data-body-digest="', 1)[1].split("</p>", 1)[0]
    assert stub_html.startswith(stub["body_digest"])
    assert (
        f"Restricted annex from {NAMES[lodger.upper()]} ({delegate}), log entry {stub['index']}, "
        in stub_html
    )
    assert "addressed to the mediators only. Its content is not shown to you" in stub_html
    assert stub_html.strip().endswith(f"digest {stub['body_digest']}.")
    mediator = page(client, mechanism, clock, "tr-officer", f"/cases/{played.case}")
    assert SECRET in mediator.text
    assert "Restricted annex" not in mediator.text

    # The secretariat is outside the case's audience: it sees neither case nor annex.
    sec = client.get(f"/api/v1/cases/{played.case}", headers=d.headers("sec-clerk"))
    assert sec.status_code == 404
    assert page(client, mechanism, clock, "sec-clerk", f"/cases/{played.case}").status_code == 404


@pytest.mark.parametrize(("lodger", "accused"), [("pk", "af"), ("af", "pk")])
def test_a_violation_may_not_rest_on_an_annex_its_violator_was_not_shown(
    client: TestClient, mechanism: Mechanism, clock: Clock, lodger: str, accused: str
) -> None:
    d = Delegations(client, mechanism)
    played = play(d, lodger, accused)
    code, name = accused.upper(), NAMES[accused.upper()]
    on_annex = (played.ref, played.annex["leaf_hash"])
    refused = d.post("tr-root", "case.finding", finding(code), on_annex, expect=422)
    assert refused["type"] == "/problems/act-refused"
    assert refused["field"] == "refs"
    assert (
        f"a finding against {name} may not rest on an annex {name} was not shown"
        in refused["detail"]
    )
    assert f"entry {played.annex['index']}" in refused["detail"]
    elsewhere = d.post("pk-officer", "case.lodge", lodge_body("AF"))
    stray = d.post("tr-root", "case.finding", finding(code), (played.ref, elsewhere["leaf_hash"]),
                   expect=422)  # fmt: skip
    assert "not an act of this case" in stray["detail"]

    # Resting on what the violator was shown (the allegation, the evidence for all) is fine.
    shown = (played.ref, played.ref, played.shown["leaf_hash"])
    found = d.post("tr-root", "case.finding", finding(code), shown)
    # The finding form offers the acts of the case to rest on, by leaf hash.
    form = page(client, mechanism, clock, "qa-root", f"/cases/{played.case}?act=case.finding")
    select = form.text.split('name="refs"', 1)[1].split("</select>", 1)[0]
    assert f'value="{played.annex["leaf_hash"]}"' in select
    assert f'value="{played.shown["leaf_hash"]}"' in select

    # A finding that confirms no violation judges nobody: it may rest on the annex.
    cleared = {"outcome": "inconclusive", "clauses": [], "reasons": "Unclear.", "language": "en"}
    d.post("qa-root", "case.finding", cleared, on_annex)

    thread = d.get(f"{accused}-officer", f"/api/v1/cases/{played.case}")["thread"]
    by_index = {act["index"]: act for act in thread}
    assert by_index[found["index"]]["rests_on"] == [played.case, played.shown["index"]]
    html = page(client, mechanism, clock, f"{accused}-officer", f"/cases/{played.case}")
    assert f'href="#act-{played.shown["index"]}">entry {played.shown["index"]} (Evidence)' in (
        html.text
    )


def test_the_cli_refuses_a_finding_on_an_annex_in_one_line(
    server: Server, mechanism: Mechanism, client: TestClient
) -> None:
    d = Delegations(client, mechanism)
    played = play(d, "pk", "af")

    def finding_on(*entries: int) -> Any:
        rests = [arg for entry in entries for arg in ("--rests-on", str(entry))]
        return as_delegate(server, mechanism, "tr-root", "finding", f"log:{played.case}",
                           "--outcome", "violation_confirmed", "--violator", "AF",
                           "--clause", "C4", "--reasons", "Craters agree.", *rests)  # fmt: skip

    refused = finding_on(played.annex["index"])
    assert refused.returncode == 4
    assert refused.stderr.startswith("error: refused (422): a finding against Afghanistan may not")
    assert len(refused.stderr.strip().splitlines()) == 1
    admitted = finding_on(played.case, played.shown["index"])
    assert admitted.returncode == 0, admitted.stderr
    assert "case.finding recorded as entry" in admitted.stdout
