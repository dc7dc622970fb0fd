"""Fixtures for the app-side sync code: a real clinic server in-process on SQLite.

The server itself is tested on SQLite and PostgreSQL in tests/clinic; here the
database is incidental, so the fast one is enough.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from iop_companion.clinic.api import create_app
from iop_companion.clinic.demo import DemoCredentials, seed_demo
from iop_companion.sync.clinic_client import ClinicClient
from tests.database_templates import SqliteTemplate
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    # Starlette would rather use httpx2; TestClient still works on httpx, which we use.
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def server_clock() -> ServerClock:
    return ServerClock()


@pytest.fixture
def clinic_app(tmp_path: Path, server_clock: ServerClock,
               sqlite_template: SqliteTemplate) -> Iterator[FastAPI]:
    # A copy of a database migrated once per run (tests/database_templates.py).
    app = create_app(sqlite_template.copy_into(tmp_path), clock=server_clock,
                     migrate_database=False)
    yield app
    app.state.clinic.engine.dispose()


@pytest.fixture
def demo(clinic_app: FastAPI, server_clock: ServerClock) -> DemoCredentials:
    with clinic_app.state.clinic.sessions.begin() as session:
        return seed_demo(session, server_clock.now)


@pytest.fixture
def clinic_client(clinic_app: FastAPI) -> Iterator[ClinicClient]:
    """The app's client, talking to the server in-process through TestClient."""
    with TestClient(clinic_app, base_url="http://localhost") as http:
        yield ClinicClient("http://localhost", http=http)
