"""The istanbul-2025 demo behind the web application, with signed-in browsers per role.

The demo is set up once per module (it is read-only for these tests), from the copy of
the session's replayed demo (:mod:`tests.templates`): on SQLite, and on PostgreSQL when
``TRUCE_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.databases import postgres_admin_url, postgres_database
from tests.mechanism import SCENARIO_DIR
from tests.templates import Templates
from truce.app import create_app
from truce.config import Settings
from truce.files.store import check_file, store_file
from truce.ledger.envelope import format_time, sign_act
from truce.ledger.keys import KeyFile
from truce.log.admission import Admission, utc_now
from truce.log.checkpoints import LogSigner
from truce.scenario.rules import load_scenario
from truce.storage.db import Database

#: Demo delegates by what they are: ``member-role`` names of the key files.
DELEGATES = {
    "pk-head": ("PK", "root", "pk-root"),
    "pk-officer": ("PK", "pk-officer", "pk-officer"),
    "pk-observer": ("PK", "pk-observer", "pk-observer"),
    "af-head": ("AF", "root", "af-root"),
    "af-officer": ("AF", "af-officer", "af-officer"),
    "tr-head": ("TR", "root", "tr-root"),
    "tr-officer": ("TR", "tr-officer", "tr-officer"),
    "qa-head": ("QA", "root", "qa-root"),
    "sec-clerk": ("SEC", "sec-clerk", "sec-clerk"),
}


#: Words that occur only in bodies with a restricted audience.
SECRET_LODGE = "Mediatorsonlyallegation"
SECRET_RESPONSE = "Mediatorsonlyresponse"
PUBLIC_LODGE = "Publicallegation"


@dataclass
class Demo:
    """The demo's database and key files, and an app over it.

    Besides the demo, PK's officer lodged today ``secret_case`` (for AF, the accused,
    and TR only: QA and the secretariat may not read it) and
    ``public_case`` (everyone), which AF's head denied in a response to the mediators,
    and to which PK's officer added a photo (``photo``, its SHA-256) for the mediators;
    and ``fresh_case`` (everyone), which awaits AF's response.
    """

    url: str
    keys_dir: Path
    settings: Settings
    secret_case: int
    public_case: int
    photo: str
    fresh_case: int

    def token(self, who: str) -> str:
        """The API bearer token of the demo delegate ``who``."""
        return (self.keys_dir / f"{DELEGATES[who][2]}.token").read_text().strip()

    def browser(self, who: str, language: str | None = "en") -> TestClient:
        """A client signed in as the demo delegate ``who`` (a key of :data:`DELEGATES`),
        having chosen ``language`` before signing in (None: the account's own)."""
        member, delegate, stem = DELEGATES[who]
        client = TestClient(create_app(self.settings), follow_redirects=False)
        client.get("/signin")
        if language is not None:
            chosen = client.post(
                "/language",
                data={"language": language, "csrf": client.cookies.get("truce_csrf") or ""},
            )
            assert chosen.status_code == 303
        password = (self.keys_dir / f"{stem}.password").read_text().strip()
        answer = client.post(
            "/signin",
            data={
                "member": member,
                "delegate": delegate,
                "password": password,
                "csrf": client.cookies.get("truce_csrf") or "",
                "next": "/",
            },
        )
        assert answer.status_code == 303, answer.text
        return client


def lodge_body(narrative: str, at: datetime, place: str = "torkham") -> dict[str, Any]:
    """A ``case.lodge`` body: PK accuses AF of shelling at ``place``."""
    return {
        "incident": {
            "type": "shelling",
            "occurred_at": format_time(at),
            "time_precision": "hour",
            "place": {"place_id": place, "precision": "approximate"},
            "killed": {"civilians": 2},
        },
        "accused": {"member": "AF"},
        "clauses": ["C1", "C4"],
        "narrative": narrative,
        "language": "en",
    }


def _build(url: str, root: Path, templates: Templates) -> Demo:
    keys = root / "keys"
    templates.demo(url, keys)
    scenario = load_scenario(SCENARIO_DIR)
    db = Database.from_url(url)
    now = utc_now().replace(microsecond=0)
    admission = Admission(db, signer=LogSigner.from_key_file(scenario, keys / "sec-log.key"))

    def act(stem: str, kind: str, body: Any, audience: Any = "all", refs: Any = ()) -> Any:
        key = KeyFile.load(keys / f"{stem}.key")
        return sign_act(
            kind=kind, mechanism=scenario.mechanism.id, member=key.member,
            delegate=key.delegate, key=key.key, body=body, at=now, refs=refs,
            audience=audience,
        )  # fmt: skip

    try:
        earlier = now - timedelta(hours=3)
        secret = admission.submit(
            act("pk-officer", "case.lodge", lodge_body(SECRET_LODGE, earlier), ["AF", "TR"])
        )
        public = admission.submit(
            act("pk-officer", "case.lodge", lodge_body(PUBLIC_LODGE, earlier, "chaman"))
        )
        answer = {"position": "deny", "statement": SECRET_RESPONSE, "language": "ps"}
        admission.submit(
            act("af-root", "case.respond", answer, "mediators", [public.leaf_hash.hex()])
        )
        picture = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(picture, format="PNG")
        checked = check_file(picture.getvalue(), "image/png", 1 << 20)
        store_file(db, checked, "PK", now)
        evidence = {
            "files": [{"sha256": checked.sha256, "media_type": "image/png",
                       "size": checked.size, "name": "crater.png"}],
            "description": "The crater the next morning.",
            "language": "ur",
        }  # fmt: skip
        admission.submit(
            act("pk-officer", "case.evidence", evidence, "mediators", [public.leaf_hash.hex()])
        )
        fresh = admission.submit(
            act("pk-officer", "case.lodge", lodge_body("Fresh allegation", earlier, "ghaki"))
        )
    finally:
        db.dispose()
    settings = Settings(
        database_url=url,
        keys_dir=keys,
        log_key_file=keys / "sec-log.key",
        scenario_dir=SCENARIO_DIR,
    )
    return Demo(
        url=url,
        keys_dir=keys,
        settings=settings,
        secret_case=secret.index,
        public_case=public.index,
        photo=checked.sha256,
        fresh_case=fresh.index,
    )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    templates: Templates,
) -> Iterator[Demo]:
    """The demo mechanism, loaded once per module and backend (a copy of the session's
    replayed demo, with the acts above added)."""
    root = tmp_path_factory.mktemp("demo")
    if request.param == "sqlite":
        yield _build(f"sqlite:///{root / 'truce.db'}", root, templates)
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL server (run the suite with make test)")
    with postgres_database(admin_url) as url:
        yield _build(url, root, templates)


@pytest.fixture(scope="module")
def browsers(demo: Demo) -> dict[str, TestClient]:
    """A signed-in client for every delegate of :data:`DELEGATES`."""
    return {who: demo.browser(who) for who in DELEGATES}


def data_block(html: str, block_id: str) -> str:
    """The JSON text of ``<script type="application/json" id=block_id>``."""
    found = re.search(
        rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S
    )
    assert found is not None, f"no {block_id} block"
    return found.group(1)
