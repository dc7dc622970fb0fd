"""Alembic environment for the clinic database.

At runtime `iop_companion.clinic.db.migrate()` hands over an open connection in
`config.attributes["connection"]` (inside a transaction it owns). Developer tooling
may instead set `sqlalchemy.url` (see `db.alembic_config`), which also allows
offline mode to print the SQL for a DBA.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection

from iop_companion.clinic.db import create_clinic_engine
from iop_companion.clinic.models import Base, UtcDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, item: Any, _context: Any) -> str | Literal[False]:
    # Revisions must not import application types that may later move or change:
    # write our UTC decorator as the plain column type it creates.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


_CONFIGURE_OPTIONS: dict[str, Any] = {
    "target_metadata": target_metadata,
    # Batch mode lets future ALTERs run on SQLite, which cannot alter most constraints.
    "render_as_batch": True,
    "render_item": _render_item,
}


def _run_with(connection: Connection) -> None:
    context.configure(connection=connection, **_CONFIGURE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("No database: pass a connection or set sqlalchemy.url")
    return url


if context.is_offline_mode():
    context.configure(url=_database_url(), literal_binds=True, **_CONFIGURE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()
elif (given_connection := config.attributes.get("connection")) is not None:
    _run_with(given_connection)
else:
    engine = create_clinic_engine(_database_url())
    try:
        with engine.connect() as connection:
            _run_with(connection)
    finally:
        engine.dispose()
