"""Password sign-in: does the time of a refusal tell whether the delegate exists?

Measures ``accounts.verify_password`` on a fresh istanbul-2025 mechanism (SQLite) for a
right password, a wrong one, an unknown delegate and an account without a password,
beside the baseline of one bare argon2 verification with the same parameters. Each
figure is the median and the 90th percentile of ``--rounds`` calls, interleaved so that
a busy machine slows them all alike; compare the ratios to the baseline.

    .venv/bin/python benchmarks/accounts.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher

from truce.accounts import service as accounts
from truce.errors import AuthenticationError
from truce.log.setup import initialise
from truce.storage.db import Database

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "istanbul-2025"
PHRASE = "correct horse battery staple"


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(AuthenticationError):
        call()
    return time.perf_counter() - start


def main() -> None:
    """Run the measurement and print one line per case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/truce.db"
        initialise(url, SCENARIO, Path(folder) / "keys")
        db = Database.from_url(url)
        accounts.set_password(db, "PK", "pk-officer", PHRASE)
        accounts.create_account(db, member="PK", delegate="pk-api", role="officer")
        hasher = PasswordHasher()
        stored = hasher.hash(PHRASE)
        cases: dict[str, Callable[[], object]] = {
            "baseline: bare argon2 verify": lambda: hasher.verify(stored, PHRASE),
            "right password": lambda: accounts.verify_password(db, "PK", "pk-officer", PHRASE),
            "wrong password": lambda: accounts.verify_password(db, "PK", "pk-officer", "x" * 20),
            "unknown delegate": lambda: accounts.verify_password(db, "PK", "pk-nobody", PHRASE),
            "account without password": lambda: accounts.verify_password(
                db, "PK", "pk-api", PHRASE
            ),
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, call in cases.items():
                samples[name].append(_timed(call))
        db.dispose()
    base = statistics.median(samples["baseline: bare argon2 verify"])
    for name, values in samples.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        sys.stdout.write(
            f"{name:<30} median {median * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  "
            f"{median / base:5.2f}x baseline\n"
        )


if __name__ == "__main__":
    main()
