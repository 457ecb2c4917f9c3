"""The public page and its Atom feed: exactly what the publication policy names.

The mechanism is filled as the access matrix fills it (every audience, a marker in every
body, a statement addressed to the public), then two cases against Pakistan are taken
to their penalties: the first a formal notice, the second a public censure. The page and
the feed, read without signing in, in every language, show the public statement, the
rulings' published facts and the censure, and nothing else: no marker but the public
statement's, no formal notice. Acts of a kind the policy does not name are refused the
public audience at admission.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.test_access_matrix import (
    MARK,
    PUBLIC_MARK,
    World,
    build,
    finding,
    lodge,
)
from tests.functional.test_permission_table import BODIES
from tests.functional.test_published_keys import cosign_all
from tests.mechanism import Mechanism
from truce.acts.text import content_hash
from truce.app import create_app
from truce.cases.rules import penalty_for
from truce.config import Settings
from truce.errors import RefusedActError
from truce.ledger.keys import SigningKey
from truce.verify.registry import GENESIS, PERMISSIONS
from truce.web import i18n

ATOM = "{http://www.w3.org/2005/Atom}"
TAG_URI = re.compile(r"^tag:[a-z0-9.-]+,\d{4}-\d{2}-\d{2}:[\x21-\x7e]+$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
LANGUAGES = tuple(i18n.LANGUAGES)


@pytest.fixture
def client(mechanism: Mechanism, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


def _to_penalty(w: World, case: dict[str, Any], prior: int) -> str:
    """Rule ``case`` a violation by PK (if it is not yet), waive both appeals, penalise."""
    ref = (case["leaf_hash"],)
    step = penalty_for(w.mechanism.scenario, prior)
    w.post("pk-root", "case.waive_appeal", {}, refs=ref)
    w.post("af-root", "case.waive_appeal", {}, refs=ref)
    w.post("tr-root", "case.penalty", {"member": "PK", "step": step, "prior_violations": prior},
           refs=ref)  # fmt: skip
    return step


def _censure(w: World) -> None:
    """The access matrix's ruled case against PK to a formal notice; a second one, ruled
    on the same way, to a public censure."""
    first = {"leaf_hash": _leaf(w, w.cases["all"])}
    assert _to_penalty(w, first, 0) == "formal-notice"
    second = w.post("af-officer", "case.lodge", lodge("PK", "MARK-CASE-SECOND-ALL"),
                    marker="MARK-CASE-SECOND-ALL")  # fmt: skip
    ref = (second["leaf_hash"],)
    w.post("pk-root", "case.respond",
           {"position": "deny", "statement": "Not us. MARK-RESPOND-SECOND", "language": "en"},
           refs=ref, marker="MARK-RESPOND-SECOND")  # fmt: skip
    w.post("tr-officer", "case.investigate", {"note": "Opened."}, refs=ref)
    for mediator in ("tr-root", "qa-root"):
        w.post(mediator, "case.finding", finding(f"MARK-FINDING-{mediator.upper()}-2"),
               refs=ref, audience="mediators",
               marker=f"MARK-FINDING-{mediator.upper()}-2")  # fmt: skip
    w.post("qa-root", "case.rule", finding("MARK-RULE-SECOND"), refs=ref,
           marker="MARK-RULE-SECOND")  # fmt: skip
    assert _to_penalty(w, second, 1) == "public-censure"
    w.cases["second"] = second["index"]


def _leaf(w: World, index: int) -> str:
    import base64

    receipt = w.client.get(f"/log/v1/receipts/{index}").json()
    return base64.b64decode(receipt["leaf_hash"]).hex()


@pytest.fixture
def world(client: TestClient, mechanism: Mechanism, clock: Clock) -> World:
    built = build(client, mechanism, clock)
    _censure(built)
    return built


def _anonymous(client: TestClient) -> TestClient:
    client.cookies.clear()
    return client


def test_the_page_and_feed_show_only_what_the_policy_names_in_every_language(
    world: World,
) -> None:
    client = _anonymous(world.client)
    numbers = {kind: _number(client, world, kind) for kind in ("all", "second")}
    for language in LANGUAGES:
        page = client.get("/public", params={"lang": language})
        assert page.status_code == 200
        assert f'<html lang="{language}" dir="{i18n.LANGUAGES[language].dir}">' in page.text
        feed = client.get("/public/feed.atom", params={"lang": language})
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("application/atom+xml")
        for text in (page.text, feed.text):
            assert set(MARK.findall(text)) == {PUBLIC_MARK}, language
        kinds = re.findall(r'data-kind="([a-z._]+)"', page.text)
        # the public statement, two rulings, one censure (the formal notice stays out)
        assert sorted(kinds) == ["case.penalty", "case.rule", "case.rule", "statement.publish"]
        with i18n.speaking(language):
            title = i18n.gettext("Public record")
            censure = _scenario_label(world, language, "Public censure")
            confirmed = i18n.gettext("Violation confirmed")
        if language != "en":
            assert title != "Public record", f"untranslated in {language}"
        assert f"<h1>{title}</h1>" in page.text
        penalty = page.text.split('data-kind="case.penalty"')[1].split("</li>")[0]
        assert censure in penalty
        assert f'<dd><bdi dir="auto">{numbers["second"]}</bdi></dd>' in penalty
        assert confirmed in page.text
        assert _scenario_label(world, language, "Formal notice") not in penalty


def _scenario_label(world: World, language: str, text: str) -> str:
    from tests.mechanism import SCENARIO_DIR
    from truce.scenario.labels import catalogue_path, read_catalogue

    if language == "en":
        return text
    locale = i18n.LANGUAGES[language].locale
    found = read_catalogue(catalogue_path(SCENARIO_DIR, locale), locale).get(text)
    return found.string if found is not None and found.string else text


def _number(client: TestClient, world: World, case: str) -> int:
    headers = world.headers("tr-officer")
    number: int = client.get(f"/api/v1/cases/{world.cases[case]}", headers=headers).json()["case"][
        "number"
    ]
    return number


def test_the_feed_is_valid_atom_with_stable_ids(world: World) -> None:
    client = _anonymous(world.client)
    ids: dict[str, list[str]] = {}
    for language in LANGUAGES:
        text = client.get("/public/feed.atom", params={"lang": language}).content
        parsed = feedparser.parse(text)
        assert not parsed.bozo, parsed.get("bozo_exception")
        root = ET.fromstring(text)  # noqa: S314 - our own document
        assert root.tag == f"{ATOM}feed"
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == language
        for name in ("id", "title", "updated", "author"):
            assert len(root.findall(f"{ATOM}{name}")) == 1, name
        assert TAG_URI.match(root.findtext(f"{ATOM}id") or "")
        assert RFC3339.match(root.findtext(f"{ATOM}updated") or "")
        links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
        assert links["self"].endswith(f"/public/feed.atom?lang={language}")
        assert links["alternate"].endswith(f"/public?lang={language}")
        entries = root.findall(f"{ATOM}entry")
        assert len(entries) == 4
        ids[language] = []
        for entry in entries:
            for name in ("id", "title", "updated", "author", "content"):
                assert len(entry.findall(f"{ATOM}{name}")) == 1, name
            key = entry.findtext(f"{ATOM}id") or ""
            assert TAG_URI.match(key), key
            assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
            (alternate,) = [
                link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"
            ]
            assert alternate.get("href", "").startswith(links["alternate"] + "#act-")
            ids[language].append(key)
        assert len(set(ids[language])) == len(ids[language])
        updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
        assert updated == sorted(updated, reverse=True)  # newest first
    assert all(keys == ids["en"] for keys in ids.values())  # one id per act, any language
    world.post("tr-officer", "statement.publish",
               {"title": "Later", "text": "A later word.", "language": "en"},
               audience="public")  # fmt: skip
    again = ET.fromstring(client.get("/public/feed.atom", params={"lang": "en"}).content)  # noqa: S314
    keys = [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")]
    assert keys[1:] == ids["en"]


def test_only_the_kinds_the_policy_names_may_be_addressed_to_the_public(
    mechanism: Mechanism,
) -> None:
    signers = {"head": "pk-root", "officer": "pk-officer", "secretariat": "sec-clerk",
               "clock": "sec-clock"}  # fmt: skip
    for kind in sorted(set(PERMISSIONS) - {GENESIS}):
        role = sorted(PERMISSIONS[kind])[0]
        act = mechanism.act(signers[role], kind, BODIES[kind], audience="public")
        if kind == "statement.publish":
            mechanism.admission.submit(act)
            continue
        with pytest.raises(RefusedActError, match="publication policy") as refused:
            mechanism.admission.submit(act)
        assert refused.value.field == "audience"
        assert f"a {kind} act be addressed to the public" in refused.value.message


def test_the_public_record_is_read_without_signing_in_and_the_rest_stays_closed(
    client: TestClient,
) -> None:
    anonymous = _anonymous(client)
    for path in ("/public", "/public?lang=ps", "/public/feed.atom"):
        assert anonymous.get(path, follow_redirects=False).status_code == 200
    for path in ("/", "/cases", "/log", "/map"):
        answer = anonymous.get(path, follow_redirects=False, headers={"accept": "text/html"})
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/signin")
    signin = anonymous.get("/signin", params={"lang": "en"})
    assert 'href="/public?lang=en"' in signin.text
    empty = anonymous.get("/public", params={"lang": "en"})
    assert "Nothing has been published yet." in empty.text
    assert "No checkpoint has been witnessed yet" in empty.text


def test_the_page_shows_the_newest_witnessed_checkpoint_and_its_keys(
    client: TestClient, mechanism: Mechanism, tmp_path: Path
) -> None:
    cosign_all(mechanism, client, tmp_path)
    _origin, size, root = client.get("/log/v1/checkpoint/witnessed").text.splitlines()[:3]
    mechanism.admission.submit(mechanism.act("pk-officer", audience="public"))  # not witnessed
    assert int(client.get("/log/v1/checkpoint").text.splitlines()[1]) > int(size)
    page = _anonymous(client).get("/public", params={"lang": "en"}).text
    section = page.split('id="witnessed-title"')[1].split("</section>")[0]
    assert f"<dd>{size}</dd>" in section
    assert root in section
    for member in mechanism.scenario.witnesses:
        assert f"{member.name} ({member.code})" in section
    keys = client.get("/log/v1/").json()
    assert keys["log"]["vkey"] in page
    assert all(witness["vkey"] in page for witness in keys["witnesses"])
    assert "The ceasefire holds." in page


#: The fields of the permission table's bodies that hold free text, which the walk marks.
FREE_TEXT = {"title", "text", "narrative", "statement", "note", "reasons", "questions",
             "description", "reason", "requested_action", "action_taken"}  # fmt: skip
AUDIENCES: tuple[Any, ...] = ("all", "mediators", ["AF", "TR"], "public")
SIGNERS = {"head": "pk-root", "officer": "pk-officer", "secretariat": "sec-clerk",
           "clock": "sec-clock", "observer": "pk-observer"}  # fmt: skip


def _mark(value: Any, marker: str, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _mark(v, marker, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark(v, marker, key) for v in value]
    return f"{value} {marker}" if isinstance(value, str) and key in FREE_TEXT else value


def test_every_kind_to_every_audience_leaves_nothing_outside_the_policy(world: World) -> None:
    """Each kind of the permission table, signed by each role that may sign it, addressed
    to each audience, with a marker in its free text; whatever admission accepts, the
    page and the feed show the markers of statements addressed to the public only."""
    second = (_leaf(world, world.cases["second"]),)
    accepted: dict[str, tuple[str, Any]] = {}
    for kind in sorted(set(PERMISSIONS) - {GENESIS}):
        for role in sorted(PERMISSIONS[kind]):
            for n, audience in enumerate(AUDIENCES):
                marker = f"MARK-WALK-{kind.upper().replace('.', '-').replace('_', '-')}-{role}-{n}"
                marker = marker.upper()
                refs = second if kind.startswith("case.") and kind != "case.lodge" else ()
                body = _mark(BODIES[kind], marker)
                if kind == "media.item":
                    body["content_hash"] = content_hash(body["text"])
                if kind == "member.key":  # a key never registered, for each act
                    seed = hashlib.sha256(marker.encode()).digest()
                    body["public_key"] = SigningKey.from_seed(seed).public_key.text
                act = world.mechanism.act(SIGNERS[role], kind, body, refs=refs, audience=audience)
                answer = world.client.post(
                    "/log/v1/acts", json=act.to_dict(), headers=world.headers(SIGNERS[role])
                )
                # refused (422), or the very act the world already holds (409)
                assert answer.status_code in (201, 409, 422), answer.text
                if answer.status_code == 201:
                    accepted[marker] = (kind, audience)
                elif audience == "public":
                    assert kind != "statement.publish", answer.text
    addressed = [a for k, a in accepted.values() if k == "statement.publish"]
    assert all(audience in addressed for audience in AUDIENCES), addressed
    assert len({k for k, _ in accepted.values()}) >= 5, accepted
    public = {m for m, (k, a) in accepted.items() if a == "public"}
    assert public
    assert all(accepted[m][0] == "statement.publish" for m in public)
    client = _anonymous(world.client)
    for language in LANGUAGES:
        for path in ("/public", "/public/feed.atom"):
            text = client.get(path, params={"lang": language}).text
            assert set(MARK.findall(text)) == public | {PUBLIC_MARK}, (path, language)
