"""Backups and restores, as far as sync is concerned (security Y6).

A database cannot tell that it was restored: the server epoch is inside it, so a
plain copy carries the live database's epoch back when restored, and apps would
never learn that what the clinic acknowledged after the copy is gone. Hence:

* `backup_sqlite` writes a consistent copy whose epoch is new. Restoring it (putting
  the file in place of the live one) is then recognised by every app at its next
  sync, with no step to remember.
* `start_new_epoch` is the restore step for copies made another way (pg_dump,
  point-in-time recovery, a file copy): run it on the restored database before
  serving (`iop-clinic new-epoch`).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

from sqlalchemy import make_url, update

from iop_companion.clinic.db import create_clinic_engine
from iop_companion.clinic.models import ServerState
from iop_companion.clinic.sequence import SERVER_STATE_ID


def new_epoch() -> str:
    return secrets.token_hex(16)


def start_new_epoch(database_url: str) -> str:
    """Give the database a new server epoch and return it."""
    epoch = new_epoch()
    engine = create_clinic_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(ServerState).where(ServerState.id == SERVER_STATE_ID).values(epoch=epoch)
            )
    finally:
        engine.dispose()
    return epoch


def backup_sqlite(database_url: str, destination: Path) -> str:
    """Copy a SQLite clinic database to `destination` (consistent even while serving,
    WAL included) and give the copy a new epoch; returns the copy's epoch."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise ValueError("backup_sqlite needs a SQLite database file")
    # Created here, empty and private (0600), before SQLite writes a byte of it;
    # O_EXCL: never over an existing file.
    os.close(os.open(destination, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        epoch = new_epoch()
        target.execute("UPDATE server_state SET epoch = ? WHERE id = ?", (epoch, SERVER_STATE_ID))
        target.commit()
    finally:
        target.close()
        source.close()
    return epoch
