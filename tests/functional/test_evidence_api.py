"""Evidence over HTTP: upload by content, cite in a case, read within the audience only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.functional.support import Delegations
from tests.functional.test_cases_api import lodge_body
from tests.mechanism import Mechanism
from tests.unit.files.test_rules import photo
from truce.app import create_app
from truce.config import Settings


@pytest.fixture
def client(mechanism: Mechanism, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(
        database_url=mechanism.url, log_key_file=mechanism.log_key_file, max_file_bytes=50_000
    )
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


def upload(d: Delegations, name: str, content: bytes, media_type: str = "") -> Any:
    headers = d.headers(name) | ({"Content-Type": media_type} if media_type else {})
    return d.client.post("/api/v1/files", content=content, headers=headers)


def ref(info: dict[str, Any]) -> dict[str, Any]:
    return {key: info[key] for key in ("sha256", "media_type", "size")}


def test_a_photo_is_cited_and_shown_with_its_metadata(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    content = photo()
    uploaded = upload(d, "af-officer", content, "image/jpeg")
    assert uploaded.status_code == 201, uploaded.text
    info = uploaded.json()
    assert info["sha256"] == hashlib.sha256(content).hexdigest()
    assert info["photo"]["taken_at"] == "2025-11-06T14:05:09"
    assert upload(d, "af-officer", content).json() == info

    lodged = d.post("af-officer", "case.lodge", lodge_body("PK"))
    evidence = {"files": [ref(info)], "description": "Damaged house.", "language": "ps"}
    d.post("af-officer", "case.evidence", evidence, (lodged["leaf_hash"],))
    thread = d.get("tr-officer", f"/api/v1/cases/{lodged['index']}")["thread"]
    [shown] = [act for act in thread if act["kind"] == "case.evidence"]
    assert shown["files"][0]["photo"]["lat"] == pytest.approx(31.0081, abs=1e-4)
    got = client.get(f"/api/v1/files/{info['sha256']}", headers=d.headers("pk-officer"))
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == "image/jpeg"


def test_files_outside_the_audience_are_refused(client: TestClient, mechanism: Mechanism) -> None:
    d = Delegations(client, mechanism)
    info = upload(d, "tr-officer", b"Informant list: ...", "text/plain").json()
    lodged = d.post("pk-officer", "case.lodge", lodge_body("AF"))
    d.post("tr-officer", "case.evidence",
           {"files": [ref(info)], "description": "Sources.", "language": "en"},
           (lodged["leaf_hash"],), audience="mediators")  # fmt: skip
    path = f"/api/v1/files/{info['sha256']}"
    assert client.get(path, headers=d.headers("qa-observer")).status_code == 200
    refused = client.get(path, headers=d.headers("af-officer"))
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get(path + "/info", headers=d.headers("pk-officer")).status_code == 404


def test_bad_uploads_and_bad_citations_are_refused(
    client: TestClient, mechanism: Mechanism
) -> None:
    d = Delegations(client, mechanism)
    wrong_type = upload(d, "pk-officer", photo(), "image/png")
    assert wrong_type.status_code == 400
    assert "content is image/jpeg" in wrong_type.json()["detail"]
    assert upload(d, "pk-officer", b"\x00\x01binary").status_code == 400
    assert upload(d, "pk-officer", b"x" * 60_000).status_code == 413
    assert client.post("/api/v1/files", content=b"text").status_code == 401

    lodged = d.post("pk-officer", "case.lodge", lodge_body("AF"))
    unknown = {"sha256": "1" * 64, "media_type": "text/plain", "size": 4}
    missing = d.post("pk-officer", "case.evidence",
                     {"files": [unknown], "description": "x", "language": "en"},
                     (lodged["leaf_hash"],), expect=422)  # fmt: skip
    assert "upload it with POST /api/v1/files first" in missing["detail"]
    info = upload(d, "pk-officer", b"statement").json()
    lie = ref(info) | {"size": 999}
    wrong = d.post("pk-officer", "case.evidence",
                   {"files": [lie], "description": "x", "language": "en"},
                   (lodged["leaf_hash"],), expect=422)  # fmt: skip
    assert "not a text/plain of 999 bytes" in wrong["detail"]


def _without(answer: Any, sha256: str) -> tuple[int, str, str]:
    """An answer with the file's digest taken out, to compare answers about two files."""
    return answer.status_code, answer.headers["content-type"], answer.text.replace(sha256, "#")


def _cite(d: Delegations, name: str, files: list[dict[str, Any]], case: str, **how: Any) -> Any:
    body = {"files": files, "description": "What it shows.", "language": "en"}
    return d.post(name, "case.evidence", body, (case,), **how)


@pytest.mark.parametrize(
    ("owner", "outsider", "accused"),
    [("af-officer", "pk-officer", "PK"), ("pk-officer", "af-officer", "AF")],
)
def test_a_files_hash_alone_neither_opens_it_nor_lets_it_be_cited(
    client: TestClient, mechanism: Mechanism, owner: str, outsider: str, accused: str
) -> None:
    """A party outside a restricted evidence act's audience cannot re-cite the file to
    all, nor learn its type, size or existence, from either side (AF's photo, PK's)."""
    d = Delegations(client, mechanism)
    content = photo()
    info = upload(d, owner, content, "image/jpeg").json()
    sha = info["sha256"]
    case = d.post(owner, "case.lodge", lodge_body(accused))["leaf_hash"]
    _cite(d, owner, [ref(info)], case, audience="mediators")
    assert client.get(f"/api/v1/files/{sha}", headers=d.headers("tr-officer")).status_code == 200

    # Citing the hash to all is refused, and the refusal says what it says of no file.
    stolen = _cite(d, outsider, [ref(info)], case, expect=422)
    nowhere = "7" * 64
    invented = {"sha256": nowhere, "media_type": "image/jpeg", "size": info["size"]}
    unknown = _cite(d, outsider, [invented], case, expect=422)
    assert stolen["detail"].replace(sha, "#") == unknown["detail"].replace(nowhere, "#")
    guessed = _cite(d, outsider, [ref(info) | {"media_type": "text/plain", "size": 1}], case,
                    expect=422)  # fmt: skip
    assert guessed["detail"] == stolen["detail"]
    for said in (stolen["detail"], guessed["detail"]):
        assert "image/jpeg" not in said
        assert str(info["size"]) not in said

    # Its bytes and its info answer exactly as for a file that does not exist.
    for suffix in ("", "/info"):
        theirs = client.get(f"/api/v1/files/{sha}{suffix}", headers=d.headers(outsider))
        none = client.get(f"/api/v1/files/{nowhere}{suffix}", headers=d.headers(outsider))
        assert theirs.status_code == 404
        assert _without(theirs, sha) == _without(none, nowhere)
        assert "image/jpeg" not in theirs.text

    # A member holding the same bytes has been given them by uploading: it may cite them.
    assert upload(d, outsider, content).json() == info
    _cite(d, outsider, [ref(info)], case)
    assert client.get(f"/api/v1/files/{sha}", headers=d.headers(outsider)).content == content


def test_the_audience_of_a_citing_act_may_cite_the_file(
    client: TestClient, mechanism: Mechanism
) -> None:
    """Being shown a file in an act (here PK's, to all) is being given it: AF may cite it
    in an act of its own; QA, shown it only in an act to the mediators, may too."""
    d = Delegations(client, mechanism)
    shown = upload(d, "pk-officer", b"Patrol log, 6 November.").json()
    secret = upload(d, "pk-officer", b"Names of sources.").json()
    case = d.post("pk-officer", "case.lodge", lodge_body("AF"))["leaf_hash"]
    _cite(d, "af-officer", [ref(shown)], case, expect=422)
    _cite(d, "pk-officer", [ref(shown)], case)
    _cite(d, "af-officer", [ref(shown)], case)
    _cite(d, "pk-officer", [ref(secret)], case, audience="mediators")
    _cite(d, "af-officer", [ref(secret)], case, expect=422)
    _cite(d, "qa-officer", [ref(secret)], case, audience="mediators")
