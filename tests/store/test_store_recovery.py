"""Damaged, truncated and foreign files: a clear outcome, and nothing lost that should stay.

A file that will not open is moved to ``quarantine/`` byte for byte and reported;
everything else keeps working. Nothing is ever silently wiped.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from iop_companion.store import Preferences, Store, StoreCorrupt, Vault
from iop_companion.store.crypto import DataKeys
from tests.store.store_testing import PIN, at, check_in

MARKER = "RECOVERY-MARKER-51c2"


def seeded(vault: Vault) -> tuple[Store, dict[str, str]]:
    """A store with check-ins in three different weeks; returns {week day: record id}."""
    store = vault.create(PIN)
    ids = {}
    for day in (0, 7, 14):
        ids[at(day).date().isoformat()] = store.check_ins.add(
            check_in(created_at=at(day), note=MARKER)
        )["id"]
    store.settings.set("kept", MARKER)
    return store, ids


def partition_file(store: Store, data_dir: Path, day: int) -> Path:
    keys: DataKeys = store._keys()
    monday = at(day).date().isoformat()
    return data_dir / "data" / keys.file_name(f"check_ins/{monday}")


def quarantined(data_dir: Path) -> list[Path]:
    folder = data_dir / "quarantine"
    return sorted(p for p in folder.iterdir() if p.name != "notes.json") if folder.exists() else []


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "damaged"),  # one bit flipped in the tag
        (lambda b: b[:40] + bytes([b[40] ^ 0x80]) + b[41:], "damaged"),  # in the ciphertext
        (lambda b: b[: len(b) // 2], "damaged"),  # cut in half
        (lambda b: b[:10], "cut short"),  # cut to less than a header
        (lambda b: b"", "cut short"),  # emptied
    ],
)
def test_damaged_partition_is_quarantined_and_the_rest_opens(
    make_vault: Callable[..., Vault],
    data_dir: Path,
    damage: Callable[[bytes], bytes],
    reason: str,
) -> None:
    vault = make_vault()
    store, ids = seeded(vault)
    victim = partition_file(store, data_dir, 7)
    store.lock()
    damaged = damage(victim.read_bytes())
    victim.write_bytes(damaged)

    store = vault.unlock(PIN)  # opens: the damage is contained to one week

    assert {r["id"] for r in store.check_ins.list_recent(10)} == {
        ids[at(0).date().isoformat()],
        ids[at(14).date().isoformat()],
    }
    assert store.settings.get("kept") == MARKER
    [kept] = quarantined(data_dir)
    assert kept.read_bytes() == damaged  # moved aside byte for byte, not wiped
    [note] = vault.quarantine_reports()
    assert reason in note and "nothing was deleted" in note
    assert MARKER not in note and "check_ins" not in note  # no content, no kind of record
    assert store.quarantine_reports() == [note]
    store.check_ins.add(check_in(created_at=at(8)))  # the week can be written again
    store.lock()
    assert len(vault.unlock(PIN).check_ins.list_recent(10)) == 3


def test_file_from_another_install_is_set_aside(
    make_vault: Callable[..., Vault], data_dir: Path, tmp_path: Path
) -> None:
    mine = make_vault()
    store, _ = seeded(mine)
    store.lock()
    theirs_dir = tmp_path / "other-phone"
    theirs = make_vault(theirs_dir)
    their_store, _ = seeded(theirs)
    stranger = partition_file(their_store, theirs_dir, 0)
    their_store.lock()
    shutil.copy(stranger, data_dir / "data" / stranger.name)

    store = mine.unlock(PIN)
    assert store.check_ins.count() == 3
    [note] = mine.quarantine_reports()
    assert "another installation" in note
    assert len(quarantined(data_dir)) == 1


def test_swapped_partition_files_do_not_open_as_each_other(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    """A file renamed onto another partition fails authentication (name is in the AAD)."""
    vault = make_vault()
    store, ids = seeded(vault)
    a, b = partition_file(store, data_dir, 0), partition_file(store, data_dir, 7)
    store.lock()
    a_bytes, b_bytes = a.read_bytes(), b.read_bytes()
    a.write_bytes(b_bytes)
    b.write_bytes(a_bytes)
    store = vault.unlock(PIN)
    assert [r["id"] for r in store.check_ins.list_recent(10)] == [ids[at(14).date().isoformat()]]
    assert len(vault.quarantine_reports()) == 2


def test_unknown_file_in_data_folder_is_set_aside(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    store, _ = seeded(vault)
    store.lock()
    (data_dir / "data" / "notes.txt").write_text("something else")
    assert vault.unlock(PIN).check_ins.count() == 3
    [note] = vault.quarantine_reports()
    assert "not an IOP Companion data file" in note


def test_key_file_from_another_install_changes_nothing(
    make_vault: Callable[..., Vault], data_dir: Path, tmp_path: Path
) -> None:
    vault = make_vault()
    seeded(vault)[0].lock()
    other_dir = tmp_path / "other-phone"
    make_vault(other_dir).create(PIN).lock()  # same PIN on purpose
    shutil.copy(other_dir / "vault" / "key.json", data_dir / "vault" / "key.json")
    before = sorted(p.name for p in (data_dir / "data").iterdir())

    with pytest.raises(StoreCorrupt, match="does not match") as error:
        vault.unlock(PIN)
    assert "Nothing was changed" in error.value.report
    assert sorted(p.name for p in (data_dir / "data").iterdir()) == before
    assert vault.quarantine_reports() == []


def test_damaged_key_file_is_reported_and_never_replaced(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    seeded(vault)[0].lock()
    key = data_dir / "vault" / "key.json"
    key.write_bytes(key.read_bytes()[:30])
    with pytest.raises(StoreCorrupt, match="damaged") as error:
        vault.unlock(PIN)
    assert "Nothing was deleted" in error.value.report
    assert vault.is_set_up()  # the app must not offer a fresh set-up over it
    assert len(list((data_dir / "data").iterdir())) >= 3


def test_stale_temp_files_from_a_killed_write_are_removed(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    store, _ = seeded(vault)
    store.lock()
    (data_dir / "data" / "abc.enc.1234abcd.tmp").write_bytes(b"half a write")
    assert vault.unlock(PIN).check_ins.count() == 3
    assert not list((data_dir / "data").glob("*.tmp"))
    assert vault.quarantine_reports() == []  # an unacknowledged write is not a loss


def test_data_without_its_key_is_kept_aside_at_set_up(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    seeded(vault)[0].lock()
    (data_dir / "vault" / "key.json").unlink()  # e.g. restored from a partial backup
    assert not vault.is_set_up()
    assert vault.create(PIN).check_ins.count() == 0
    notes = vault.quarantine_reports()
    assert notes and all("earlier setup" in note for note in notes)
    assert len(quarantined(data_dir)) >= 3


def test_damaged_attempt_counter_restarts_and_is_reported(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    (data_dir / "vault" / "attempts.json").write_text("{not json")
    assert vault.attempts_state() == (0, 0.0)
    assert "wrong-PIN counter" in vault.quarantine_reports()[0]
    vault.unlock(PIN).lock()


def test_damaged_preferences_fall_back_to_defaults(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "preferences.json").write_text('{"theme": "da')
    prefs = Preferences(data_dir)
    assert prefs.get("theme", "light") == "light"
    prefs.set("theme", "dark")
    assert Preferences(data_dir).get("theme") == "dark"
    notes = json.loads((data_dir / "quarantine" / "notes.json").read_text())
    assert "preferences" in notes[0]
