"""Notifications: how long from an allegation's admission to its webhook's arrival?

A fresh istanbul-2025 mechanism (SQLite) with one webhook endpoint of AF on a loopback
HTTP receiver; ``--rate`` allegations against AF per second for ``--seconds``, each
submitted through the group commit at its scheduled time, while the delivery worker runs
in a thread (``--interval``). Printed, each as the median and the 99th percentile:

- admission: the time of ``GroupCommit.submit_sync`` (checks, projections, outbox,
  append, checkpoint, commit): the baseline without the outbox (its follower
  unregistered), with it, and with it while the worker delivers (its transactions
  queue for the same SQLite write lock as admission's);
- delivery delay: from the act's commit to the receiver's having the webhook (the
  worker's polling interval, its claim, the signed POST and the record of the attempt).

    .venv/bin/python benchmarks/notify.py [--rate 100] [--seconds 10] [--interval 0.05]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from truce.accounts.service import Identity
from truce.ledger.envelope import sign_act
from truce.ledger.keys import KeyFile, SigningKey
from truce.log import projections
from truce.log.admission import Admission, utc_now
from truce.log.checkpoints import LogSigner
from truce.log.registry import load_concepts
from truce.log.setup import initialise
from truce.notify import outbox, rules, service
from truce.notify.delivery import Deliverer
from truce.notify.webhooks import WebhookChannel
from truce.scenario.rules import load_scenario
from truce.storage.db import Database

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "istanbul-2025"


def lodge_body(number: int) -> dict[str, Any]:
    return {
        "incident": {
            "type": "shelling",
            "occurred_at": "2025-11-06T10:30:00Z",
            "time_precision": "hour",
            "place": {"place_id": "spin-boldak", "precision": "approximate"},
            "killed": {"civilians": 1},
        },
        "accused": {"member": "AF"},
        "clauses": ["C4"],
        "narrative": f"Shells struck homes ({number}).",
        "language": "en",
    }


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # a full listen backlog costs a connection a 1 s SYN retry


@contextmanager
def receiver(arrivals: dict[str, float]) -> Iterator[str]:
    """A loopback HTTP server noting when each webhook-id first arrives."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            now = time.perf_counter()
            with lock:
                arrivals.setdefault(self.headers["webhook-id"], now)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()
        server.server_close()


def run(
    folder: Path, rate: float, seconds: float, interval: float, deliver: bool
) -> dict[str, list[float]]:
    """One measured run; returns the admission times and the delivery delays (seconds)."""
    url = f"sqlite:///{folder}/truce.db"
    keys = folder / "keys"
    initialise(url, SCENARIO, keys)
    db = Database.from_url(url)
    scenario = load_scenario(SCENARIO / "mechanism.toml")
    admission = Admission(db, signer=LogSigner.from_key_file(scenario, keys / "sec-log.key"))
    officer = KeyFile.load(keys / "pk-officer.key")
    arrivals: dict[str, float] = {}
    committed: dict[str, float] = {}
    admitting: list[float] = []
    stop = threading.Event()
    with receiver(arrivals) as endpoint:
        service.add_endpoint(
            db, Identity("AF", "root", "head"), endpoint, None, utc_now(), allow_private=True
        )
        channel = WebhookChannel(
            SigningKey.generate(), service.endpoint_lookup(db), allow_private=True
        )
        worker = Deliverer(db, {"webhook": channel}, utc_now, interval=interval)
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        if deliver:
            thread.start()
        total = int(rate * seconds)
        acts = [
            sign_act(
                kind="case.lodge",
                mechanism=scenario.mechanism.id,
                member=officer.member,
                delegate=officer.delegate,
                key=officer.key,
                body=lodge_body(number),
                at=datetime.now(UTC),
            )
            for number in range(total)
        ]
        group = admission.group_commit()

        def submit(act: Any) -> None:
            start = time.perf_counter()
            admitted = group.submit_sync(act)
            done = time.perf_counter()
            admitting.append(done - start)
            leaf = admitted.receipt.leaf_hash.hex()
            committed[rules.notification_id(leaf, "AF", rules.SYSTEMS)] = done

        begin = time.perf_counter()
        with ThreadPoolExecutor(max_workers=32) as pool:
            for number, act in enumerate(acts):
                delay = begin + number / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(submit, act)
        if deliver:
            deadline = time.monotonic() + 60
            while len(arrivals) < total and time.monotonic() < deadline:
                time.sleep(0.05)
        stop.set()
        if deliver:
            thread.join(timeout=10)
        channel.close()
    db.dispose()
    delays = [arrivals[key] - committed[key] for key in committed if key in arrivals]
    if deliver and len(delays) < total:
        print(f"  (only {len(delays)} of {total} webhooks arrived within a minute)")
    return {"admission": admitting, "delay": delays}


def _line(label: str, values: list[float]) -> str:
    if not values:
        return f"{label:<44} —"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{label:<44} median {statistics.median(ordered) * 1000:8.1f} ms"
        f"   p99 {p99 * 1000:8.1f} ms   (n={len(ordered)})"
    )


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="allegations per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=0.05, help="worker's polling interval")
    options = parser.parse_args()
    load_concepts()
    print(f"{options.rate:g} allegations/s for {options.seconds:g} s, SQLite, one endpoint")
    timing = (options.rate, options.seconds, options.interval)
    with tempfile.TemporaryDirectory() as folder:
        projections.FOLLOWERS.remove(outbox.write)
        try:
            alone = run(Path(folder) / "alone", *timing, deliver=False)
        finally:
            projections.FOLLOWERS.append(outbox.write)
        quiet = run(Path(folder) / "quiet", *timing, deliver=False)
        told = run(Path(folder) / "told", *timing, deliver=True)
    print(_line("baseline: admission without the outbox", alone["admission"]))
    print(_line("admission with the outbox, no worker", quiet["admission"]))
    print(_line("admission with the outbox and the worker", told["admission"]))
    print(_line("delay from commit to the webhook's arrival", told["delay"]))


if __name__ == "__main__":
    main()
