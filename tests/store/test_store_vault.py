"""Set-up, unlock, wrong PIN delays and lock-out, PIN change, key wrapping, removal."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from iop_companion.store import (
    DEFAULT_KDF,
    AlreadySetUp,
    KdfParams,
    KeyUnwrapError,
    LockedOut,
    NotSetUp,
    PinDelay,
    StoreBusy,
    StoreCorrupt,
    StoreLocked,
    ValidationError,
    Vault,
    WrongPin,
)
from iop_companion.store.attempts import LOCKOUT_S, delay_after
from tests.store.store_testing import PIN, FakeBootTimer, check_in

OTHER = "573918"


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_first_run_creates_then_unlock_opens(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    assert not vault.is_set_up()
    with pytest.raises(NotSetUp):
        vault.unlock(PIN)
    store = vault.create(PIN)
    assert vault.is_set_up()
    record = store.check_ins.add(check_in())
    store.lock()
    with pytest.raises(AlreadySetUp):
        vault.create(PIN)
    assert make_vault().unlock(PIN).check_ins.get(record["id"]) == record


def test_default_kdf_is_scrypt_2_17_r8_p1_salt16(tmp_path: Path) -> None:
    assert (DEFAULT_KDF.n, DEFAULT_KDF.r, DEFAULT_KDF.p, DEFAULT_KDF.salt_bytes) == (
        2**17,
        8,
        1,
        16,
    )
    vault = Vault(tmp_path / "d")  # no kdf argument: what the app gets
    vault.create(PIN).lock()
    stored = json.loads((tmp_path / "d" / "vault" / "key.json").read_text())["kdf"]
    assert (stored["algorithm"], stored["n"], stored["r"], stored["p"]) == ("scrypt", 2**17, 8, 1)
    assert len(base64.b64decode(stored["salt"])) == 16
    with pytest.raises(ValueError):
        KdfParams(n=1000)  # not a power of two


def test_weaker_stored_kdf_is_upgraded_on_unlock(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    make_vault(kdf=KdfParams(n=2**4)).create(PIN).lock()
    make_vault(kdf=KdfParams(n=2**6)).unlock(PIN).lock()
    assert json.loads((data_dir / "vault" / "key.json").read_text())["kdf"]["n"] == 2**6


def test_pin_rules_on_create(make_vault: Callable[..., Vault], data_dir: Path) -> None:
    for bad, reason in (("", "pin.error.empty"), ("1234", "pin.error.too_short"),
                        ("123456", "pin.error.sequence"), ("199001", "pin.error.date"),
                        ("x" * 129, "pin.error.passphrase_too_long"),
                        ("12\n34567890", "pin.error.bad_characters")):
        with pytest.raises(ValidationError) as error:
            make_vault().create(bad)
        assert error.value.field == "pin" and error.value.reason == reason
    assert not make_vault().is_set_up()


def test_wrong_pin_message_counts_and_keeps_data(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    record = store.check_ins.add(check_in())
    store.lock()
    with pytest.raises(WrongPin) as error:
        vault.unlock("0000")
    assert error.value.attempts_left == 9 and error.value.retry_after_s == 0
    assert "0000" not in str(error.value) and "not right" in str(error.value)
    assert vault.attempts_state() == (1, 0.0)
    store = vault.unlock(PIN)
    assert vault.attempts_state() == (0, 0.0)  # a right PIN resets the counter
    assert store.check_ins.get(record["id"]) == record


def test_delays_grow_and_early_tries_are_not_counted(
    make_vault: Callable[..., Vault], boot: FakeBootTimer
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    expected = [0, 0, 0, 1, 2, 4, 8, 16, 30]
    for failed, delay in enumerate(expected, start=1):
        with pytest.raises(WrongPin) as error:
            vault.unlock("0000")
        assert error.value.retry_after_s == delay == delay_after(failed)
        assert error.value.attempts_left == 10 - failed
        if delay:
            with pytest.raises(PinDelay) as early:
                vault.unlock(PIN)  # even the right PIN waits
            assert 0 < early.value.retry_after_s <= delay
            assert vault.attempts_state()[0] == failed  # not counted as a try
            boot.advance(delay)
    assert vault.attempts_state() == (9, 0.0)


def test_lockout_from_the_tenth_doubles_up_to_eight_hours_and_persists(
    make_vault: Callable[..., Vault], boot: FakeBootTimer
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    record = store.check_ins.add(check_in())
    store.lock()
    for _ in range(9):
        with pytest.raises(WrongPin):
            vault.unlock("0000")
        boot.advance(60)
    with pytest.raises(LockedOut) as error:
        vault.unlock("0000")
    assert error.value.retry_after_s == LOCKOUT_S
    assert error.value.attempts_left is None  # no wipe chosen: nothing counts down
    assert "data is safe" in str(error.value) and "15 minutes" in str(error.value)
    restarted = make_vault()  # a restart of the app does not reset the lock-out
    assert restarted.attempts_state() == (10, LOCKOUT_S)
    with pytest.raises(LockedOut):
        restarted.unlock(PIN)  # even the right PIN waits, and it is not counted
    assert restarted.attempts_state() == (10, LOCKOUT_S)
    expected = [30 * 60, 60 * 60, 2 * 3600, 4 * 3600, 8 * 3600, 8 * 3600, 8 * 3600]
    for failed, wait in enumerate(expected, start=11):
        boot.advance(delay_after(failed - 1))
        with pytest.raises(LockedOut) as error:
            restarted.unlock("1111")  # the one try after the wait, wrong again
        assert error.value.retry_after_s == wait == delay_after(failed)
        assert restarted.attempts_state() == (failed, wait)
    assert "8 hours" in str(error.value)
    boot.advance(8 * 3600)
    store = restarted.unlock(PIN)
    assert store.check_ins.get(record["id"]) == record
    assert restarted.attempts_state() == (0, 0.0)


def test_change_pin_rewraps_without_touching_data(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    record = store.check_ins.add(check_in())
    before = files_under(data_dir / "data")
    vault.change_pin(PIN, OTHER)  # while unlocked, as from the settings screen
    assert store.check_ins.get(record["id"]) == record
    store.lock()
    assert files_under(data_dir / "data") == before  # no data file rewritten
    with pytest.raises(WrongPin):
        vault.unlock(PIN)
    assert vault.unlock(OTHER).check_ins.get(record["id"]) == record


def test_change_pin_with_wrong_old_pin_counts_as_a_wrong_pin(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    with pytest.raises(WrongPin):
        vault.change_pin("0000", OTHER)
    assert vault.attempts_state()[0] == 1
    with pytest.raises(ValidationError):
        vault.change_pin(PIN, "1234")  # refused before anything is tried
    assert vault.attempts_state()[0] == 1
    vault.unlock(PIN).lock()


def test_lock_forgets_and_unlock_again(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    store.lock()
    with pytest.raises(StoreLocked):
        store.check_ins.count()
    assert vault.unlock(PIN).check_ins.count() == 0


def test_handles_share_one_open_store(make_vault: Callable[..., Vault]) -> None:
    """Two sessions (browser tabs) must not hold two diverging copies of a partition."""
    vault = make_vault()
    first = vault.create(PIN)
    second = vault.unlock(PIN)
    first.settings.set("draft", 1)
    second.settings.set("draft", 2)
    first.check_ins.add(check_in())
    assert first.settings.get("draft") == 2 and second.check_ins.count() == 1
    with pytest.raises(WrongPin):
        vault.unlock("0000")  # every handle needs the PIN
    first.lock()
    assert second.check_ins.count() == 1  # locking one session leaves the other open
    second.lock()
    with pytest.raises(StoreLocked):
        second.check_ins.count()
    other_process = make_vault()
    other_process.unlock(PIN).lock()  # the writer lock was released with the last handle


def test_one_writer_at_a_time(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    other = make_vault()  # same folder, separate Vault: stands for another process
    with pytest.raises(StoreBusy):
        other.unlock(PIN)
    assert other.attempts_state() == (0, 0.0)  # the PIN was not even tried
    store.lock()
    other.unlock(PIN).lock()


class FakePlatformKey:
    """A stand-in for a Keystore/Keychain key (the KeyWrapper seam)."""

    name = "test-keystore"

    def __init__(self) -> None:
        self.key = 0x5A
        self.destroyed = False

    def wrap(self, blob: bytes, context: bytes) -> bytes:
        return b"W" + bytes(b ^ self.key for b in blob)

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        if self.destroyed or not blob.startswith(b"W"):
            raise KeyUnwrapError()
        return bytes(b ^ self.key for b in blob[1:])

    def destroy(self) -> None:
        self.destroyed = True


def test_platform_key_wrapper_is_layered_over_the_pin(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    platform = FakePlatformKey()
    vault = make_vault(key_wrapper=platform)
    vault.create(PIN).lock()
    assert json.loads((data_dir / "vault" / "key.json").read_text())["layers"] == [
        "pin",
        "test-keystore",
    ]
    vault.change_pin(PIN, OTHER)
    vault.unlock(OTHER).lock()
    with pytest.raises(StoreCorrupt, match="secure storage"):
        make_vault().unlock(OTHER)  # without the platform key the PIN alone is not enough
    platform.destroyed = True
    with pytest.raises(StoreCorrupt, match="no longer available"):
        vault.unlock(OTHER)
    assert vault.attempts_state()[0] == 0  # not the person's fault: not counted
    platform.destroyed = False
    vault.remove_from_device()
    assert platform.destroyed


def test_remove_from_device_destroys_key_and_files(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    store.check_ins.add(check_in())
    store.outbox.enqueue("check_in", "r", {"x": 1})
    assert store.unsynced_count() == 1 == vault.unsynced_count()  # shown before confirming
    store.export_files(vault.exports_dir)
    vault.remove_from_device()
    with pytest.raises(StoreLocked):
        store.check_ins.count()
    assert not vault.is_set_up()
    assert [p for p in data_dir.rglob("*") if p.is_file()] == []
    vault.create(OTHER).lock()  # and the phone can be set up again


def test_remove_from_device_works_while_locked_out(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    assert vault.unsynced_count() is None  # unknown without the PIN, not zero
    for _ in range(10):
        with pytest.raises((WrongPin, LockedOut, PinDelay)):
            vault.unlock("0000")
    vault.remove_from_device()
    assert [p for p in data_dir.rglob("*") if p.is_file()] == []


def test_interrupted_removal_is_finished_not_reopened(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    store.check_ins.add(check_in())
    store.lock()
    (data_dir / "vault" / "removing").write_text("removing\n")  # killed right after the marker
    assert not vault.is_set_up()
    vault.create(OTHER).lock()
    assert make_vault().unlock(OTHER).check_ins.count() == 0
    assert make_vault().quarantine_reports() == []  # old files were deleted, not kept
