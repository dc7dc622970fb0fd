"""Engine, sessions and schema migrations for the clinic database.

Any SQLAlchemy URL works; SQLite is the default for demos and PostgreSQL
(`postgresql+psycopg://...`) for clinics running several server workers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Key of the PostgreSQL advisory lock held while migrating (any constant bigint works;
# it only has to be the same in every worker process).
_MIGRATION_LOCK_KEY = 0x10C_C1_1A1C


# One connection per request thread (FastAPI runs sync routes on 40 threads), so a
# burst of syncs waits for a thread, not for a connection while holding a thread.
POOL_OPTIONS: dict[str, Any] = {"pool_size": 40, "max_overflow": 10, "pool_timeout": 60}


def concurrency_limit(engine: Engine) -> int:
    """Requests one server process lets work at once (clinic/limits.py)."""
    return 8 if engine.dialect.name == "sqlite" else 40


def create_clinic_engine(database_url: str) -> Engine:
    """An engine for any SQLAlchemy URL.

    `hide_parameters`: database errors end up in server logs, and their bound values
    can be token digests or a participant's data.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    # pre_ping: a clinic server runs for weeks; connections dropped by the database
    # or a firewall are replaced instead of failing a participant's request.
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **POOL_OPTIONS)


def _create_sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    options: dict[str, Any] = {
        "hide_parameters": True,
        # Requests run in a thread pool, so a connection may move between threads;
        # the pool still hands each one to a single request at a time.
        "connect_args": {"check_same_thread": False, "timeout": 15},
    }
    if in_memory:
        options["poolclass"] = StaticPool  # one shared connection, or each would be a new DB
    else:
        options.update(POOL_OPTIONS)
        private_file(Path(str(url.database)))
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")  # off by default in SQLite
        if not in_memory:
            # WAL lets readers proceed while a write is in progress (several workers).
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    return engine


def private_file(path: Path) -> None:
    """Make sure the file at `path` exists and only its owner can read or write it (0600).

    The clinic database holds health data: created here first, it never exists
    world-readable, and SQLite gives its -wal and -shm files the same mode. An
    existing file is narrowed to 0600 too.
    """
    if str(path).startswith("file:"):
        return  # a SQLite URI: left as it is
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return
    except FileNotFoundError:
        return  # no such folder: SQLite will say so
    os.close(descriptor)


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: routes build their response from rows after committing
    # the audit entry, without a second round trip.
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration built in code: no alembic.ini is needed at runtime.

    With a URL it also serves developers writing a new revision, e.g.
    `command.revision(alembic_config("sqlite:///dev.sqlite3"), "add x", autogenerate=True)`.
    """
    config = Config()
    # ConfigParser treats "%" as interpolation; URL-encoded passwords contain it.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(database_url: str) -> None:
    """Bring the database at `database_url` up to the newest schema."""
    engine = create_clinic_engine(database_url)
    try:
        migrate_engine(engine)
    finally:
        engine.dispose()


def migrate_engine(engine: Engine) -> None:
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table's columns by copying it, and dropping the original
            # fails while rows elsewhere point at it. SQLite's documented procedure:
            # keys off (possible only outside a transaction), change, check, keys on.
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    # Several workers may start at once: one migrates while the others
                    # wait here, then find nothing left to do. Released at commit.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("a migration left rows that point at nothing")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()
