"""The clinic server's FastAPI application."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from iop_companion import __version__
from iop_companion.clinic import portal
from iop_companion.clinic.credentials import server_secret
from iop_companion.clinic.db import (
    concurrency_limit,
    create_clinic_engine,
    create_session_factory,
    migrate_engine,
)
from iop_companion.clinic.dependencies import ClinicServices
from iop_companion.clinic.errors import install_error_handlers
from iop_companion.clinic.limits import ConcurrencyLimit, RequestSizeLimit, SecurityHeaders
from iop_companion.clinic.models import utc_now
from iop_companion.clinic.routes import clinician, family, landing, participant, public

API_PREFIX = "/api/v1"
# Read by `create_app_from_env`, the factory each uvicorn worker process imports.
DATABASE_URL_ENV = "IOP_CLINIC_DATABASE_URL"
# Requests are small JSON documents; refusing big bodies early keeps memory bounded.
MAX_REQUEST_BYTES = 64 * 1024
# Record uploads: up to 100 records of up to 16 KiB each, plus their envelopes.
MAX_PUSH_REQUEST_BYTES = 2 * 1024 * 1024
PUSH_PATH = f"{API_PREFIX}/participant/records"


def create_app(
    database_url: str,
    *,
    clock: Callable[[], datetime] = utc_now,
    migrate_database: bool = True,
    max_request_bytes: int = MAX_REQUEST_BYTES,
) -> FastAPI:
    """Build the clinic API on the database at `database_url` (migrated first by default).

    All state lives in the database, so any number of workers may share it.
    `clock` exists for tests that need a fixed "now".
    """
    engine = create_clinic_engine(database_url)
    if migrate_database:
        migrate_engine(engine)
    # A missing or unreadable code secret stops start-up here, not the first enrolment.
    server_secret(engine.url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="IOP Companion clinic server",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        # The interactive docs pull scripts from a CDN; not on a clinic server.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.clinic = ClinicServices(
        engine=engine, sessions=create_session_factory(engine), clock=clock
    )
    install_error_handlers(app)
    # The last added runs first: headers on every answer, then the whole body read
    # (size and time checked), and only then a wait for one of the working slots.
    app.add_middleware(ConcurrencyLimit, limit=concurrency_limit(engine))
    app.add_middleware(
        RequestSizeLimit,
        max_bytes=max_request_bytes,
        path_limits={PUSH_PATH: max(max_request_bytes, MAX_PUSH_REQUEST_BYTES)},
    )
    app.add_middleware(SecurityHeaders)
    app.include_router(public.router, prefix=API_PREFIX)
    app.include_router(participant.router, prefix=API_PREFIX)
    app.include_router(family.router, prefix=API_PREFIX)
    app.include_router(clinician.router, prefix=API_PREFIX)
    # Outside the API: the pages an enrolment or invite link opens in a browser.
    app.include_router(landing.router)
    # The staff portal's web pages under /portal (not in the OpenAPI document).
    portal.install(app)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` and multi-worker serving."""
    database_url = os.environ.get(DATABASE_URL_ENV)
    if not database_url:
        raise RuntimeError(f"Set {DATABASE_URL_ENV} to the clinic database URL.")
    return create_app(database_url)
