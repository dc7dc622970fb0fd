"""Migrated clinic databases for tests, copied from one migrated once per test run.

Running every migration costs about a second per database, and most clinic tests
want a fresh database at the newest schema. So each run migrates one template per
engine and every test gets a copy: a file copy for SQLite, and for PostgreSQL a
database created from the template database. The migrations themselves are still
tested from an empty database (tests/clinic/test_migrations.py).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa

from iop_companion.clinic.db import migrate

SQLITE_FILE_NAME = "clinic.sqlite3"


class SqliteTemplate:
    """A SQLite database migrated to head once, copied into each test's folder."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / SQLITE_FILE_NAME
        migrate(f"sqlite:///{self._path}")  # disposes its engine: the WAL is folded back in

    def copy_into(self, directory: Path) -> str:
        target = directory / SQLITE_FILE_NAME
        shutil.copyfile(self._path, target)
        return f"sqlite:///{target}"


class PostgresTemplate:
    """A PostgreSQL database migrated to head once, that each test's database is made
    from (`CREATE DATABASE ... TEMPLATE`, a file copy inside the server: about 60 ms,
    where replaying the schema's DDL took 0.5-1.5 s)."""

    def __init__(self, server_url: str) -> None:
        self._server_url = server_url
        self._admin = sa.create_engine(
            server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
        )
        self._template = f"iop_template_{uuid.uuid4().hex[:16]}"
        with self._admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{self._template}"')
        # `migrate` disposes its engine: a template may have no open connection.
        migrate(self.url_of(self._template))

    def url_of(self, database: str) -> str:
        return sa.make_url(self._server_url).set(database=database).render_as_string(
            hide_password=False)

    def new_database(self, *, empty: bool = False) -> str:
        """A new database's name: a copy of the template, or empty."""
        name = f"iop_test_{uuid.uuid4().hex[:16]}"
        template = "" if empty else f' TEMPLATE "{self._template}"'
        with self._admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{template}')
        return name

    def drop_database(self, name: str) -> None:
        with self._admin.connect() as connection:
            # A test may leave a connection open (a pool not disposed): end it first.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.drop_database(self._template)
        self._admin.dispose()
