"""Fixtures for clinic server tests: every database-backed test runs on SQLite and PostgreSQL.

PostgreSQL tests each get a database of their own (dropped afterwards), so they are
isolated and may run in parallel. Databases start at the newest schema, copied from a
template migrated once per run (tests/database_templates.py). If PostgreSQL is unreachable they fail; set
IOP_SKIP_POSTGRES=1 to skip them instead.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.api import create_app
from iop_companion.clinic.dependencies import ClinicServices
from tests.clinic.clinic_testing import WEDNESDAY_MORNING, FakeClock, Records
from tests.database_templates import (  # sqlite_template: tests/conftest.py
    PostgresTemplate,
    SqliteTemplate,
)

with warnings.catch_warnings():
    # Starlette would rather use httpx2; TestClient still works on httpx, which we use.
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

POSTGRES_URL = os.environ.get(
    "IOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    _skip_without_postgres()
    try:
        template = PostgresTemplate(POSTGRES_URL)
    except sa.exc.OperationalError as error:
        pytest.fail(_unreachable(error))
    yield template
    template.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database at the newest schema, or an empty one for tests marked
    `empty_database` (the migration tests)."""
    empty = request.node.get_closest_marker("empty_database") is not None
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("clinic")
        if empty:
            yield f"sqlite:///{folder / 'clinic.sqlite3'}"
        else:
            template: SqliteTemplate = request.getfixturevalue("sqlite_template")
            yield template.copy_into(folder)
    else:
        postgres: PostgresTemplate = request.getfixturevalue("postgres_template")
        name = postgres.new_database(empty=empty)
        try:
            yield postgres.url_of(name)
        finally:
            postgres.drop_database(name)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema, for the few tests about PostgreSQL itself."""
    yield from _fresh_postgres_schema()


def _skip_without_postgres() -> None:
    if os.environ.get("IOP_SKIP_POSTGRES") == "1":
        pytest.skip("IOP_SKIP_POSTGRES=1")


def _unreachable(error: sa.exc.OperationalError) -> str:
    return (
        f"PostgreSQL at {POSTGRES_URL} is unreachable ({type(error.orig).__name__}). "
        "Start it, or set IOP_SKIP_POSTGRES=1 to skip the PostgreSQL tests."
    )


def _fresh_postgres_schema() -> Iterator[str]:
    _skip_without_postgres()
    admin = sa.create_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    schema = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.fail(_unreachable(error))
    # Every connection of the code under test lands in the fresh schema.
    url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(WEDNESDAY_MORNING)


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, clock: FakeClock) -> Iterator[FastAPI]:
    # A copy of the template is at the newest schema already: checking costs ~0.3 s
    # (Alembic loads every migration script), which adds up over a thousand tests.
    at_head = request.node.get_closest_marker("empty_database") is None
    app = create_app(database_url, clock=clock, migrate_database=not at_head)
    yield app
    services(app).engine.dispose()


def services(app: FastAPI) -> ClinicServices:
    found: ClinicServices = app.state.clinic
    return found


@pytest.fixture
def sessions(app: FastAPI) -> sessionmaker[Session]:
    """Sessions on the app's database, for arranging data and checking what was written."""
    return services(app).sessions


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # A loopback host, so ClinicClient accepts it over plain http.
    with TestClient(app, base_url="http://localhost") as test_client:
        yield test_client


@pytest.fixture
def records(sessions: sessionmaker[Session], clock: FakeClock) -> Records:
    return Records(sessions, clock)


@pytest.fixture
def enrol(client: TestClient) -> Callable[..., str]:
    """Enrol a device with `code` and return its access token (asserting success)."""

    def enrol_device(code: str, device_label: str = "Test phone") -> str:
        response = client.post(
            "/api/v1/enrolments", json={"code": code, "device_label": device_label}
        )
        assert response.status_code == 201, response.text
        token: str = response.json()["access_token"]
        return token

    return enrol_device


@pytest.fixture
def join(client: TestClient) -> Callable[..., str]:
    """Join as a family member with invite `code`; returns the family token (asserts success)."""

    def join_family(code: str, display_name: str = "Riley") -> str:
        response = client.post(
            "/api/v1/family/join", json={"code": code, "display_name": display_name}
        )
        assert response.status_code == 201, response.text
        token: str = response.json()["family_token"]
        return token

    return join_family
