"""`iop-clinic backup` and `iop-clinic new-epoch`: restoring a backup changes the epoch."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from iop_companion.clinic.backup import backup_sqlite
from iop_companion.clinic.cli import main
from iop_companion.clinic.db import create_clinic_engine, migrate


def _epoch(database_url: str) -> str:
    engine = create_clinic_engine(database_url)
    try:
        with engine.connect() as connection:
            return str(connection.scalar(sa.text("SELECT epoch FROM server_state")))
    finally:
        engine.dispose()


def test_new_epoch_gives_a_restored_database_a_new_history(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate(database_url)
    before = _epoch(database_url)
    assert main(["new-epoch", "--database-url", database_url]) == 0
    after = _epoch(database_url)
    assert after != before and len(after) == 32
    assert after not in capsys.readouterr().out  # only a prefix is shown


def test_backup_writes_a_copy_with_its_own_epoch(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    migrate(url)
    copy = tmp_path / "copy.sqlite3"
    assert main(["backup", "--database-url", url, "--to", str(copy)]) == 0
    assert _epoch(f"sqlite:///{copy}") != _epoch(url)
    with pytest.raises(FileExistsError):
        backup_sqlite(url, copy)  # never overwrites an earlier backup
    with pytest.raises(ValueError):
        backup_sqlite("postgresql+psycopg://x@127.0.0.1/test", tmp_path / "other.sqlite3")
