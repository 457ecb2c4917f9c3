"""The application factory: ``create_app(settings)`` builds everything, nothing at import."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from truce import __version__, web
from truce.api import accounts, cases, files, log, media, meta, monitoring, problems
from truce.api.deps import Services
from truce.config import Settings
from truce.errors import ReadOnlyError
from truce.services.admission import Admission, Clock, ReadOnlyAdmission, utc_now
from truce.services.checkpoints import LogSigner
from truce.storage.db import Database


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    """A truce application over the database of ``settings``."""
    settings = settings or Settings()
    db = Database.open_existing(settings.database_url, echo=settings.echo_sql)
    scenario = Admission(db).mechanism().scenario
    admission: Admission
    if settings.read_only:  # a mirror: no checkpoint key, and every write refused
        admission = ReadOnlyAdmission(db, clock=clock, max_body_bytes=settings.max_body_bytes)
    else:
        signer = LogSigner.from_key_file(scenario, settings.log_key_file)
        admission = Admission(
            db, signer=signer, clock=clock, max_body_bytes=settings.max_body_bytes
        )
    app = FastAPI(
        title="truce",
        version=__version__,
        summary="Ceasefire monitoring and verification on a signed, witnessed Merkle log",
    )
    app.state.services = Services(
        settings=settings,
        db=db,
        admission=admission,
    )
    problems.install(app)
    problems.document(app)
    app.add_exception_handler(ReadOnlyError, log.read_only_problem)
    app.include_router(log.router)  # first: routes are matched in order, acts are posted most
    app.include_router(meta.router)
    app.include_router(cases.router)
    app.include_router(files.router)
    app.include_router(monitoring.router)
    app.include_router(media.router)
    app.include_router(accounts.router)
    web.mount(app)
    return app


def create_served_app() -> FastAPI:
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
