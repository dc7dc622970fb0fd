"""Opening the store removes temp files that killed writes left in vault/, and only those."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from iop_companion.store import Vault
from tests.store.store_testing import PIN


def test_opening_removes_a_stale_attempts_temp_and_leaves_live_files(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    folder = data_dir / "vault"
    stale = folder / "attempts.json.0badf00d.tmp"  # an unlock killed mid-write
    stale.write_bytes(b'{"failed": 1')
    other = folder / "lock-card.bin.cafebabe.tmp"  # not one of the vault's own files
    other.write_bytes(b"")
    key_before = (folder / "key.json").read_bytes()

    store = make_vault().unlock(PIN)  # a fresh Vault: as after a restart
    store.lock()

    assert not stale.exists()
    assert (folder / "key.json").read_bytes() == key_before  # the live key file as it was
    assert json.loads((folder / "attempts.json").read_text())["failed"] == 0
    assert other.exists()


def test_setting_up_again_removes_temps_of_a_killed_set_up(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    folder = data_dir / "vault"
    folder.mkdir(parents=True)
    # A set-up killed before its key file's rename: no key.json, so the next start
    # sets up again and never checks a PIN (where unlock also sweeps).
    stale = [folder / "key.json.0badf00d.tmp", folder / "attempts.json.deadbeef.tmp"]
    for path in stale:
        path.write_bytes(b"{}")
    vault = make_vault()
    assert not vault.is_set_up()
    vault.create(PIN).lock()
    assert not any(path.exists() for path in stale)
    assert (folder / "key.json").exists() and (folder / "attempts.json").exists()
