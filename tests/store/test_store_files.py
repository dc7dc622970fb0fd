"""What lands on disk: one partition per write, opaque names, fresh nonces, failures."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from iop_companion.store import Vault, WriteFailed
from iop_companion.store.crypto import FILE_MAGIC, HEADER_BYTES, NONCE_BYTES
from tests.store.store_testing import PIN, at, check_in


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_one_write_rewrites_one_partition_whatever_the_history(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    store = make_vault().create(PIN)
    store.check_ins.add_many([check_in(created_at=at(day)) for day in range(0, 365, 2)])
    before = snapshot(data_dir / "data")
    assert len(before) > 50  # a year of weekly partitions
    store.check_ins.add(check_in(created_at=at(364, hour=20)))
    after = snapshot(data_dir / "data")
    assert set(after) == set(before)
    assert sum(after[name] != before[name] for name in before) == 1


def test_file_names_reveal_nothing_and_files_are_private(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    store = make_vault().create(PIN)
    store.check_ins.add(check_in(created_at=at(0)))
    store.settings.set("x", 1)
    for path in (data_dir / "data").iterdir():
        assert path.suffix == ".enc"
        for word in ("check", "setting", "outbox", "2025", "meta", "schedule", "safety"):
            assert word not in path.name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes().startswith(FILE_MAGIC)
    assert stat.S_IMODE((data_dir / "data").stat().st_mode) == 0o700


def test_every_write_uses_a_fresh_nonce(make_vault: Callable[..., Vault], data_dir: Path) -> None:
    store = make_vault().create(PIN)
    nonces = set()
    for _ in range(20):
        store.settings.set("same", "value")  # identical content each time
        path = data_dir / "data" / store._keys().file_name("settings/all")
        nonces.add(path.read_bytes()[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES])
    assert len(nonces) == 20


def test_a_failed_write_reports_clearly_and_keeps_the_previous_state(
    make_vault: Callable[..., Vault], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    kept = store.check_ins.add(check_in(created_at=at(0)))

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", disk_full)
        with pytest.raises(WriteFailed, match="storage may be full"):
            store.check_ins.add(check_in(created_at=at(0, hour=13)))
    assert [r["id"] for r in store.check_ins.list_recent(5)] == [kept["id"]]
    store.check_ins.add(check_in(created_at=at(0, hour=14)))  # works again afterwards
    store.lock()
    assert vault.unlock(PIN).check_ins.count() == 2
