"""The application factory: ``create_app(settings)`` builds everything, nothing at import."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from truce import __version__, web
from truce.accounts import api as accounts
from truce.api import meta, problems
from truce.api.deps import Services, header_authenticator
from truce.api.limits import BodyLimit, BodyLimits
from truce.cases import api as cases
from truce.cases.clock import CaseClock
from truce.compliance import api as compliance
from truce.config import Settings
from truce.crossings import api as crossings
from truce.errors import ReadOnlyError
from truce.exports import api as exports
from truce.files import api as files
from truce.joint import api as joint
from truce.ledger.keys import KeyFile
from truce.log import api as log
from truce.log import tiles
from truce.log.admission import Admission, Clock, ReadOnlyAdmission, utc_now
from truce.log.checkpoints import LogSigner
from truce.log.witness_push import WitnessPusher
from truce.media import api as media
from truce.notify import alarms
from truce.notify import api as notify
from truce.notify import service as notify_service
from truce.reports import api as reports
from truce.reports import api_published as reports_published
from truce.scenario.rules import Scenario
from truce.storage.db import Database
from truce.web import security

#: The route :class:`TruceApp` serves ahead of the framework.
SUBMIT_PATH = "/log/v1/acts"
#: The largest witness cosignature accepted (a checkpoint and its signature lines).
COSIGNATURE_BYTES = 64 * 1024


class TruceApp(FastAPI):
    """The FastAPI application, which answers ``POST /log/v1/acts`` before its own
    middleware and routing (:func:`truce.log.api.answer_submission`).

    Every request first passes :class:`truce.api.limits.BodyLimit` (the size of its
    body, and a bearer token for a body sent to the API), set up by :func:`create_app`.
    Every other request, and every other method on that path, goes through FastAPI.
    The shortcut adds the same security headers as the middleware would.
    """

    guard: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.guard is None:
            await self.dispatch(scope, receive, send)
        else:
            await self.guard(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The shortcut for posted acts, or FastAPI."""
        if scope["type"] == "http" and scope["path"] == SUBMIT_PATH and scope["method"] == "POST":
            response = await log.answer_submission(self.state.services, scope, receive)
            if response is not None:
                security.secure(response.raw_headers)
                await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class _Worker(Protocol):
    def run(self, stop: threading.Event) -> None: ...


def _background(workers: dict[str, _Worker]) -> Any:
    """A lifespan that runs each worker in a background thread of its own while the
    application runs (the witness pusher, the case clock), and stops them after."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        threads = [
            threading.Thread(target=worker.run, args=(stop,), name=name, daemon=True)
            for name, worker in workers.items()
        ]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

    return lifespan


def _workers(
    settings: Settings, db: Database, admission: Admission, scenario: Scenario, clock: Clock
) -> dict[str, _Worker]:
    """What runs beside the requests: pushing checkpoints to the scenario's tlog-witness
    witnesses, the secretariat's case clock when its key file is set, and the delivery
    of notifications when an SMTP host or the notification key is set."""
    if settings.read_only:
        return {}
    workers: dict[str, _Worker] = {}
    pusher = WitnessPusher(
        db,
        scenario,
        clock,
        on_refusal=lambda member, reason, size, root, since: alarms.report(
            db, member, reason, size, root, since, clock()
        ),
    )
    if pusher.targets:
        workers["truce-witness-push"] = pusher
    if settings.clock_key_file is not None:
        key_file = KeyFile.load(settings.clock_key_file)
        workers["truce-case-clock"] = CaseClock(
            admission, scenario, key_file, clock, settings.clock_interval_seconds
        )
    deliverer = notify_service.deliverer(settings, db, clock)
    if deliverer is not None:
        workers["truce-notify"] = deliverer
    reminders = notify_service.reminders(settings, db, clock)
    if reminders is not None:
        workers["truce-notify-reminders"] = reminders
    digest = notify_service.digest(settings, db, clock)
    if digest is not None:
        workers["truce-notify-digest"] = digest
    lapses = notify_service.alarms(settings, db, clock)
    if lapses is not None:
        workers["truce-notify-alarms"] = lapses
    return workers


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> TruceApp:
    """A truce application over the database of ``settings``."""
    settings = settings or Settings()
    db = Database.open_existing(settings.database_url, echo=settings.echo_sql)
    db.check_durable()
    scenario = Admission(db).mechanism().scenario
    admission: Admission
    if settings.read_only:  # a mirror: no checkpoint key, and every write refused
        admission = ReadOnlyAdmission(db, clock=clock, max_body_bytes=settings.max_body_bytes)
    else:
        signer = LogSigner.from_key_file(scenario, settings.log_key_file)
        admission = Admission(
            db, signer=signer, clock=clock, max_body_bytes=settings.max_body_bytes
        )
    workers = _workers(settings, db, admission, scenario, clock)
    app = TruceApp(
        title="truce",
        version=__version__,
        summary="Ceasefire monitoring and verification on a signed, witnessed Merkle log",
        lifespan=_background(workers) if workers else None,
    )
    app.state.services = Services(
        settings=settings,
        db=db,
        admission=admission,
    )
    problems.install(app)
    problems.document(app)
    app.add_exception_handler(ReadOnlyError, log.read_only_problem)
    for router in api_routers():
        app.include_router(router)
    web.mount(app)
    app.guard = BodyLimit(app.dispatch, body_limits(settings), header_authenticator(db))
    return app


def api_routers() -> tuple[APIRouter, ...]:
    """Every API router, in the order routes are matched: the log's first, acts being
    posted most."""
    return (
        log.router,
        tiles.router,
        meta.router,
        cases.router,
        files.router,
        compliance.router,
        crossings.router,
        joint.router,
        media.router,
        accounts.router,
        accounts.inbox_router,
        notify.router,
        exports.router,
        notify.log_router,
        reports_published.router,  # before /api/v1/reports/{period}: its paths are fixed
        reports.router,
    )


def body_limits(settings: Settings) -> BodyLimits:
    """``TRUCE_MAX_REQUEST_BYTES`` for every route, but those whose bodies differ: an
    evidence file (``TRUCE_MAX_FILE_BYTES``), a web form with files (the form's fields
    and one file's size), a witness's cosignature."""
    return BodyLimits(
        default=settings.max_request_bytes,
        routes={
            ("POST", "/api/v1/files"): settings.max_file_bytes,
            ("POST", "/web/acts/prepare"): settings.max_request_bytes + settings.max_file_bytes,
            ("POST", "/log/v1/cosignatures"): COSIGNATURE_BYTES,
        },
    )


def create_served_app() -> TruceApp:
    """The application as ``truce serve`` runs it: :func:`create_app`, with every object
    alive after start-up moved out of the garbage collector's reach (``gc.freeze``).

    A full collection walks every tracked object. With the scenario, templates,
    catalogues and SQL metadata of a started app, that was a pause of 40 to 140 ms about
    once a second under load, which set the p99 latency of ``POST /log/v1/acts``
    (``benchmarks/api.py``). Frozen objects are never collected; start-up objects live
    as long as the process anyway.
    """
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
