"""Server time of the web pages and search with 100,000 incidents, beside ``GET /healthz``.

Run from the repository root::

    .venv/bin/python benchmarks/web.py                                  # SQLite
    scripts/with-postgres .venv/bin/python benchmarks/web.py            # and PostgreSQL
    .venv/bin/python benchmarks/web.py --incidents 10000 --rounds 10    # a quick run
    .venv/bin/python benchmarks/web.py --keep var/bench-web             # SQLite, kept

For each backend: a fresh istanbul-2025 demo mechanism (``truce.log.setup``;
PostgreSQL in a throwaway database on the server of ``--postgres-url`` or
``TRUCE_TEST_POSTGRES_URL``, dropped at the end), then ``--incidents`` ``case.lodge``
acts signed with the demo keys of ``pk-officer`` and ``af-officer`` and admitted through
the ordinary batched path, ``Admission.submit_many`` (every check, projections, log
entries and Merkle nodes; nothing is written to a table directly). The incidents spread
over October and November 2025, over every incident type and every gazetteer place with
coordinates; one in ten is addressed to the accused and the mediators only, so the
audience rule has work to do. Signing and admission are timed and printed, outside the page figures.

Then the application (``truce.app.create_app``) is driven in-process with FastAPI's
``TestClient``: a delegate signs in, and each request is sent ``--rounds`` times after
two warm-up requests; the rounds of every request are interleaved, so that a burst of
load from elsewhere falls on all of them alike. The time is the whole in-process request
(routing, session, queries, template, the test client's own overhead); ``GET /healthz``
of the same app in the same run is the baseline of that overhead. Pages are measured for
a mediator's head (who may see every case) and a party's officer (whose audience the
queries filter). Each row gives the median and the 95th percentile.

Target (the issue): the dashboard, the map's data and the case list under 300 ms each
at the median; search (a common word, a rare one, a place and a word, a word found
nowhere) is held to the same.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from truce.storage.scratch import postgres_database

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios" / "istanbul-2025"
TARGET_MS = 300.0
#: What is measured: label, path. The first is the baseline.
REQUESTS: tuple[tuple[str, str], ...] = (
    ("baseline: GET /healthz", "/healthz"),
    ("dashboard", "/"),
    ("map data (JSON)", "/map/data"),
    ("map page (with its data)", "/map"),
    ("case list", "/cases"),
    ("case list, filtered", "/cases?type=shelling&status=awaiting_response&accused=AF"),
    ("case list, page 100", "/cases?page=100"),
    ("timeline", "/timeline"),
    ("compliance matrix", "/compliance"),
    ("search, a common word", "/search?q=fire"),
    ("search, a rare word", "/search?q=4242%3A"),
    ("search, a place and a word", "/search?q=torkham+report"),
    ("search, no match", "/search?q=nowhere"),
)
#: The rows held to the target (the issue names the first three).
TARGETED = ("dashboard", "map data (JSON)", "case list", "search, ")
#: The delegates the pages are measured for: who, member, delegate, key file stem.
READERS = (("mediator head", "TR", "root", "tr-root"), ("party officer", "AF", "af-officer",
           "af-officer"))  # fmt: skip


def lodge_body(
    rng: random.Random, accused: str, scenario: Any, places: list[Any], number: int
) -> dict[str, Any]:
    """A plausible allegation against ``accused``, somewhere and sometime in Oct-Nov 2025."""
    place = rng.choice(places)
    occurred = datetime(2025, 10, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(61 * 1440))
    clauses = sorted(rng.sample(["C1", "C2", "C3", "C4"], rng.randint(1, 2)))
    return {
        "incident": {
            "type": rng.choice(scenario.incident_type_ids),
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "time_precision": "hour",
            "place": {"place_id": place.id, "precision": "approximate"},
            "actors": ["unidentified"],
            "killed": {"civilians": rng.randint(0, 3)},
        },
        "accused": {"member": accused},
        "clauses": clauses,
        "narrative": f"Report {number}: fire near {place.name}.",
        "language": "en",
    }


def populate(url: str, keys_dir: Path, incidents: int, batch: int) -> str:
    """Initialise the mechanism and admit ``incidents`` lodges; a line of what it took."""
    from truce.ledger.envelope import sign_act
    from truce.ledger.keys import KeyFile
    from truce.log.admission import Admission
    from truce.log.checkpoints import LogSigner
    from truce.log.setup import initialise
    from truce.scenario.rules import load_scenario
    from truce.storage.db import Database

    initialise(url, SCENARIO_DIR, keys_dir)
    scenario = load_scenario(SCENARIO_DIR)
    places = [p for p in scenario.places if p.lat is not None]
    authors = [(KeyFile.load(keys_dir / "pk-officer.key"), "AF"),
               (KeyFile.load(keys_dir / "af-officer.key"), "PK")]  # fmt: skip
    rng = random.Random(20251030)
    db = Database.from_url(url)
    admission = Admission(db, signer=LogSigner.from_key_file(scenario, keys_dir / "sec-log.key"))
    signing = admitting = 0.0
    try:
        for start in range(0, incidents, batch):
            began = time.perf_counter()
            now = datetime.now(UTC).replace(microsecond=0)
            acts = []
            for number in range(start, min(start + batch, incidents)):
                key_file, accused = authors[number % 2]
                acts.append(
                    sign_act(
                        kind="case.lodge",
                        mechanism=scenario.mechanism.id,
                        member=key_file.member,
                        delegate=key_file.delegate,
                        key=key_file.key,
                        body=lodge_body(rng, accused, scenario, places, number),
                        at=now,
                        audience=(accused, "TR", "QA") if number % 20 in (8, 9) else "all",
                    )
                )
            signed = time.perf_counter()
            admission.submit_many(acts)
            signing += signed - began
            admitting += time.perf_counter() - signed
    finally:
        db.dispose()
    return (
        f"{incidents} lodges: signed in {signing:.1f} s, admitted by Admission.submit_many "
        f"in {admitting:.1f} s ({incidents / admitting:.0f}/s)"
    )


def sign_in(app: Any, keys_dir: Path, member: str, delegate: str, stem: str) -> Any:
    """A TestClient with a live session of the demo delegate."""
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False)
    client.get("/signin")
    password = (keys_dir / f"{stem}.password").read_text().strip()
    answer = client.post(
        "/signin",
        data={"member": member, "delegate": delegate, "password": password,
              "csrf": client.cookies.get("truce_csrf") or "", "next": "/"},
    )  # fmt: skip
    if answer.status_code != 303:
        raise SystemExit(f"sign-in as {member}/{delegate} failed: {answer.status_code}")
    return client


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(client: Any, paths: list[str], rounds: int) -> list[tuple[float, float, int, int]]:
    """Per path: median and p95 in ms, the status, and the response size. The rounds go
    through every path in turn, after two warm-up requests of each."""
    for path in paths:
        for _ in range(2):
            client.get(path)
    times: list[list[float]] = [[] for _ in paths]
    answers: list[Any] = [None] * len(paths)
    for _ in range(rounds):
        for number, path in enumerate(paths):
            began = time.perf_counter()
            answers[number] = client.get(path)
            times[number].append((time.perf_counter() - began) * 1000)
    return [
        (statistics.median(taken), percentile(taken, 0.95), answer.status_code,
         len(answer.content))
        for taken, answer in zip(times, answers, strict=True)
    ]  # fmt: skip


def run_backend(
    backend: str, url: str, args: argparse.Namespace, workdir: Path, *, populated: bool = False
) -> list[str]:
    from truce.app import create_app
    from truce.config import Settings
    from truce.storage import schema
    from truce.storage.db import make_engine

    keys_dir = workdir / f"keys-{backend}"
    if populated:
        engine = make_engine(url)
        schema.upgrade(engine)  # a kept mechanism built before the newest migration
        engine.dispose()
        print(f"{backend}: reusing the mechanism in {workdir}", file=sys.stderr)
    else:
        print(f"{backend}: {populate(url, keys_dir, args.incidents, args.batch)}", file=sys.stderr)
    settings = Settings(database_url=url, keys_dir=keys_dir, log_key_file=keys_dir / "sec-log.key")
    app = create_app(settings)
    rows: list[str] = []
    for who, member, delegate, stem in READERS:
        client = sign_in(app, keys_dir, member, delegate, stem)
        figures = measure(client, [path for _label, path in REQUESTS], args.rounds)
        baseline = figures[0][0]
        for (label, _path), (median, p95, status, size) in zip(REQUESTS, figures, strict=True):
            ratio = f"{median / baseline:.0f}x" if baseline else "-"
            targeted = label in TARGETED or label.startswith(TARGETED[-1])
            verdict = ("yes" if median < TARGET_MS else "NO") if targeted else ""
            rows.append(
                f"| {backend} | {who} | {label} | {median:.1f} | {p95:.1f} | {ratio} | "
                f"{status} | {size:,} | {verdict} |"
            )
        client.close()
    app.state.services.db.dispose()
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{backend}: measured, load average {load_average:.2f}", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000, help="case.lodge acts")
    parser.add_argument("--batch", type=int, default=1000, help="acts per submit_many")
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per page")
    parser.add_argument("--postgres-url", default=os.environ.get("TRUCE_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the SQLite mechanism in this folder and keep it; a later run with "
        "the same folder measures it again without admitting the lodges anew "
        "(PostgreSQL, if measured, is built afresh)",
    )
    args = parser.parse_args()

    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}, load average at start: {load_average:.2f}", file=sys.stderr)
    rows = [
        "| backend | reader | request | median ms | p95 ms | x baseline | status | bytes "
        f"| < {TARGET_MS:.0f} ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="truce-bench-web-") as folder:
        workdir = Path(folder)
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            kept = args.keep / "bench.db"
            rows += run_backend(
                "sqlite", f"sqlite:///{kept}", args, args.keep, populated=kept.exists()
            )
        else:
            rows += run_backend("sqlite", f"sqlite:///{workdir / 'bench.db'}", args, workdir)
        if args.postgres_url:
            with postgres_database(args.postgres_url, "bench_web") as url:
                rows += run_backend("postgresql", url, args, workdir)
    print("\n".join(rows))
    print(
        f"\ntarget: the dashboard, the map's data, the case list and search "
        f"< {TARGET_MS:.0f} ms median"
    )


if __name__ == "__main__":
    main()
