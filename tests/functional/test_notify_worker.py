"""A crash between admission and delivery loses nothing (issue 18): the real ``truce
notify run`` is killed with SIGKILL while it delivers, restarted, and every
notification arrives, once by its ``webhook-id``, and is recorded delivered once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from tests.conftest import Clock
from tests.functional.test_access_matrix import lodge
from tests.mechanism import make_mechanism
from tests.unit.notify.receivers import wait_for, webhook_receiver
from truce.accounts.service import Identity
from truce.ledger.keys import KeyFile, SigningKey
from truce.notify import service
from truce.storage.models_notify import Notification, NotifyDelivery

AF_HEAD = Identity("AF", "root", "head")


def _worker(url: str, key: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TRUCE_NOTIFY_KEY_FILE": str(key),
        "TRUCE_NOTIFY_ALLOW_PRIVATE_ADDRESSES": "1",
        "TRUCE_NOTIFY_INTERVAL_SECONDS": "0.1",
        "TRUCE_NOTIFY_LEASE_SECONDS": "1",
    }
    program = "from truce.cli.main import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", program, "notify", "run", "--database", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_a_killed_worker_restarted_delivers_everything_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'truce.db'}"
    clock = Clock()
    mechanism = make_mechanism(url, tmp_path / "keys", clock)
    key = tmp_path / "notify.key"
    KeyFile(member="SEC", delegate="notify", role="notify", key=SigningKey.generate()).save(key)
    with webhook_receiver() as receiver:
        receiver.delay = 0.3  # slow, so the kill falls in the middle of the deliveries
        service.add_endpoint(mechanism.db, AF_HEAD, receiver.url, None, clock(), allow_private=True)
        for number in range(24):  # three waves of the worker's 8 concurrent posts
            mechanism.admission.submit(
                mechanism.act("pk-officer", "case.lodge", lodge("AF", f"kill {number}"))
            )
        with mechanism.db.read() as connection:
            expected = set(
                connection.execute(
                    select(Notification.id).where(Notification.delegate == "*")
                ).scalars()
            )
        assert len(expected) == 24

        first = _worker(url, key)
        try:
            wait_for(lambda: len(receiver.ids()) >= 2)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        assert len(set(receiver.ids())) < len(expected)  # killed mid-way

        second = _worker(url, key)
        try:
            wait_for(lambda: set(receiver.ids()) == expected, seconds=30)
            wait_for(lambda: _statuses(mechanism.db) == {"delivered"})
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=10) == 0, second.stderr.read() if second.stderr else ""
    with mechanism.db.read() as connection:
        delivered = connection.execute(
            select(NotifyDelivery.notification_id).where(NotifyDelivery.status == "delivered")
        ).scalars()
        assert sorted(delivered) == sorted(expected)  # recorded delivered once each
    mechanism.db.dispose()


def _statuses(db: object) -> set[str]:
    with db.read() as connection:  # type: ignore[attr-defined]
        return set(connection.execute(select(NotifyDelivery.status)).scalars())
