"""The participant's account: PIN rules, unlocking, wrong PINs, the recovery code, the
optional wipe, and every way of locking."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from iop_companion.domain.pin import normalise_recovery_code
from iop_companion.i18n import load_locale
from iop_companion.services.account import Account, UnlockOutcome
from iop_companion.store import Vault
from iop_companion.store.crypto import PinWrapper, b64e
from tests.services.conftest import FAST_KDF, FakeTime
from tests.store.store_testing import REPO_ROOT, FakeBootTimer

PIN = "482913"
NEW_PIN = "573918"
WRONG = "000000"


@pytest.fixture
def boot() -> FakeBootTimer:
    return FakeBootTimer()


@pytest.fixture
def vault(tmp_path: Path, fake_time: FakeTime, boot: FakeBootTimer) -> Vault:
    # fake_time is the wall clock (only recorded); waits run on the boot clock.
    return Vault(tmp_path / "store", kdf=FAST_KDF, clock=fake_time, timer=boot)


def wait_out(account: Account, vault: Vault, boot: FakeBootTimer) -> None:
    boot.advance(vault.attempts_state()[1])


def test_first_pin_must_be_confirmed_and_valid(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    assert account.create(PIN, "482914") == "pin.error.mismatch"
    assert account.create("2468", "2468") == "pin.error.too_short"
    assert account.create("123456", "123456") == "pin.error.sequence"
    assert account.create("199001", "199001") == "pin.error.date"
    assert not account.is_set_up and not account.is_unlocked
    assert account.take_recovery_code() is None
    assert account.create(PIN, PIN) is None
    assert account.is_set_up and account.is_unlocked
    assert not account.pin_needs_upgrade


def test_the_recovery_code_is_handed_over_once(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create("blue horse runs", "blue horse runs")  # a passphrase works too
    code = account.take_recovery_code()
    assert code is not None and normalise_recovery_code(code) is not None
    assert account.take_recovery_code() is None
    assert account.has_recovery_code()
    folder = vault.data_dir
    for path in folder.rglob("*"):
        if path.is_file():
            assert normalise_recovery_code(code).encode() not in path.read_bytes()


def test_lock_and_unlock_keep_the_data(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    assert account.store is not None
    account.store.settings.set("greeting", "hello")
    locked: list[bool] = []
    account.on_lock(lambda: locked.append(True))
    account.lock()
    assert account.store is None and locked == [True]
    account.lock()  # locking twice tells listeners once
    assert locked == [True]
    assert account.unlock(PIN).unlocked
    assert account.store.settings.get("greeting") == "hello"


def test_wrong_pin_says_how_many_tries_are_left_and_never_a_rule(
    vault: Vault, fake_time: FakeTime
) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    account.lock()
    outcome = account.unlock("1359")
    assert outcome == UnlockOutcome(False, "lock.error.wrong_pin", 9, 0.0)
    # A short or odd PIN is a wrong PIN like any other, and costs a try.
    assert account.unlock("12") == UnlockOutcome(False, "lock.error.wrong_pin", 8, 0.0)
    assert account.unlock("abc") == UnlockOutcome(False, "lock.error.wrong_pin", 7, 0.0)
    # Nothing typed is not a try.
    assert account.unlock("") == UnlockOutcome(False, "pin.error.empty")
    assert vault.attempts_state() == (3, 0.0)


def test_growing_delay_then_lock_out_with_data_intact(
    vault: Vault, fake_time: FakeTime, boot: FakeBootTimer
) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    account.store.settings.set("kept", True)
    account.lock()
    delays = []
    for attempt in range(10):
        outcome = account.unlock(f"13{attempt:04d}")
        assert not outcome.unlocked
        if outcome.message_key == "lock.error.locked_out":
            break
        delays.append(outcome.retry_after_s)
        # Trying again during the delay is refused without counting.
        if outcome.retry_after_s:
            assert account.unlock(PIN).message_key == "lock.error.wait"
        boot.advance(outcome.retry_after_s)
    assert outcome.message_key == "lock.error.locked_out"
    assert outcome.retry_after_s == 15 * 60 and outcome.attempts_left is None
    assert delays == [0, 0, 0, 1, 2, 4, 8, 16, 30]
    assert account.unlock(PIN).message_key == "lock.error.locked_out"
    fake_time.now += 16 * 60  # the wall clock does not open it
    assert account.unlock(PIN).message_key == "lock.error.locked_out"
    boot.advance(15 * 60)
    assert account.unlock(PIN).unlocked
    assert account.store.settings.get("kept") is True


def test_idle_lock_after_the_timeout(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, idle_lock_seconds=300, clock=fake_time)
    account.create(PIN, PIN)
    fake_time.now += 299
    assert not account.idle_expired()
    account.touch()
    fake_time.now += 299
    assert not account.idle_expired()
    fake_time.now += 1
    assert account.idle_expired()
    account.lock()
    assert not account.idle_expired()  # nothing left to lock


def test_change_pin(vault: Vault, fake_time: FakeTime, boot: FakeBootTimer) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    assert account.change_pin(WRONG, NEW_PIN, NEW_PIN) == "settings.pin.error.old_wrong"
    assert account.change_pin(PIN, NEW_PIN, "573919") == "pin.error.mismatch"
    assert account.change_pin(PIN, "2468", "2468") == "pin.error.too_short"
    assert account.change_pin("", NEW_PIN, NEW_PIN) == "settings.pin.error.old_wrong"
    assert account.change_pin(PIN, NEW_PIN, NEW_PIN) is None
    account.lock()
    assert not account.unlock(PIN).unlocked
    assert account.unlock(NEW_PIN).unlocked
    for _ in range(4):
        account.change_pin(WRONG, PIN, PIN)
    assert account.change_pin(NEW_PIN, PIN, PIN) == "pin.try_later"  # during the wait
    boot.advance(1)
    assert account.change_pin(NEW_PIN, PIN, PIN) is None


def legacy_four_digit_install(vault: Vault, pin: str) -> None:
    """Rewrite the key file as an older version did: format 1, a 4-digit PIN."""
    data_key_holder: list[bytes] = []
    store, _ = vault.set_up(PIN)
    store.lock()
    # Recover the data key through the vault's own check (the test stands in for
    # the older version that wrote it).
    vault._writer.acquire()
    try:
        key_file = vault._read_key()
        data_key_holder.append(vault._check_secret(key_file, PIN))
    finally:
        vault._writer.release()
    salt = os.urandom(16)
    wrapped = PinWrapper(pin, salt, FAST_KDF).wrap(data_key_holder[0], key_file.context())
    (vault.folder / "key.json").write_text(json.dumps({
        "format": 1, "install_id": key_file.install_id.hex(), "kdf": FAST_KDF.to_json(salt),
        "wrapped_key": b64e(wrapped), "layers": ["pin"],
    }))


def test_an_older_short_pin_still_unlocks_and_asks_for_an_upgrade(
    vault: Vault, fake_time: FakeTime
) -> None:
    legacy_four_digit_install(vault, "2580")
    account = Account(vault, clock=fake_time)
    assert not account.has_recovery_code()
    assert account.unlock("2580").unlocked
    assert account.pin_needs_upgrade
    assert account.change_pin("2580", NEW_PIN, NEW_PIN) is None
    assert not account.pin_needs_upgrade
    assert account.new_recovery_code(NEW_PIN) is None  # Settings: a code at last
    assert account.take_recovery_code() is not None and account.has_recovery_code()
    account.lock()
    assert account.unlock(NEW_PIN).unlocked and not account.pin_needs_upgrade


def test_forgot_pin_with_the_recovery_code(
    vault: Vault, fake_time: FakeTime, boot: FakeBootTimer
) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    code = account.take_recovery_code()
    account.store.settings.set("kept", True)
    account.lock()
    # The new PIN is checked first, and the code's shape; neither is a try.
    assert account.recover(code, "123456", "123456") == UnlockOutcome(
        False, "pin.error.sequence")
    assert account.recover(code, NEW_PIN, PIN) == UnlockOutcome(False, "pin.error.mismatch")
    assert account.recover("ABCD-EFGH", NEW_PIN, NEW_PIN) == UnlockOutcome(
        False, "pin.recovery.error.format")
    assert vault.attempts_state() == (0, 0.0)
    # A wrong code counts like a wrong PIN.
    wrong = account.recover("ABCD-EFGH-JKLM-NPQR-STUV", NEW_PIN, NEW_PIN)
    assert wrong == UnlockOutcome(False, "pin.recovery.error.wrong_code", 9, 0.0)
    for _ in range(3):
        account.unlock(WRONG)
    early = account.recover(code, NEW_PIN, NEW_PIN)
    assert early == UnlockOutcome(False, "lock.error.wait", retry_after_s=1.0)
    boot.advance(1)
    assert account.recover(code, NEW_PIN, NEW_PIN).unlocked
    assert account.is_unlocked and account.store.settings.get("kept") is True
    new_code = account.take_recovery_code()
    assert new_code is not None and new_code != code
    account.lock()
    assert account.unlock(NEW_PIN).unlocked
    account.lock()
    spent = account.recover(code, PIN, PIN)
    assert spent.message_key == "pin.recovery.error.wrong_code"


def test_an_install_without_a_code_says_so(vault: Vault, fake_time: FakeTime) -> None:
    vault.create(PIN).lock()  # no recovery slot, as before recovery codes
    account = Account(vault, clock=fake_time)
    outcome = account.recover("ABCD-EFGH-JKLM-NPQR-STUV", NEW_PIN, NEW_PIN)
    assert outcome == UnlockOutcome(False, "pin.recovery.error.none")
    assert not account.has_recovery_code()


def test_a_new_recovery_code_from_settings(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    first = account.take_recovery_code()
    assert account.new_recovery_code(WRONG) == "lock.error.wrong_pin"
    assert account.new_recovery_code("") == "pin.error.empty"
    assert account.take_recovery_code() is None
    assert account.new_recovery_code(PIN) is None
    second = account.take_recovery_code()
    assert second and second != first
    account.lock()
    assert account.recover(first, NEW_PIN, NEW_PIN).message_key == "pin.recovery.error.wrong_code"
    assert account.recover(second, NEW_PIN, NEW_PIN).unlocked


def test_confirm_pin_before_removing_everything(
    vault: Vault, fake_time: FakeTime, boot: FakeBootTimer
) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    assert account.confirm_pin(PIN) is None
    assert account.confirm_pin("") == "pin.error.empty"
    for _ in range(4):
        assert account.confirm_pin(WRONG) == "lock.error.wrong_pin"
    assert vault.attempts_state() == (4, 1.0)  # counted like unlock tries
    assert account.confirm_pin(PIN) == "pin.try_later"
    boot.advance(1)
    assert account.confirm_pin(PIN) is None
    account.remove_from_device()
    assert not account.is_set_up


def test_the_optional_wipe(vault: Vault, fake_time: FakeTime, boot: FakeBootTimer) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    assert account.wipe_after() is None
    with pytest.raises(ValueError):
        account.set_wipe_after(12)
    account.set_wipe_after(10)
    assert account.wipe_after() == 10
    account.lock()
    assert account.wipe_after() == 10  # readable on the lock screen
    for failed in range(1, 10):
        outcome = account.unlock(WRONG)
        assert outcome.attempts_left == 10 - failed  # before everything is erased
        wait_out(account, vault, boot)
    outcome = account.unlock(WRONG)
    assert outcome == UnlockOutcome(False, "pin.wiped", wiped=True)
    assert not account.is_set_up and not account.is_unlocked
    assert [p for p in vault.data_dir.rglob("*") if p.is_file()] == []


def test_a_wipe_while_open_locks_the_session(
    vault: Vault, fake_time: FakeTime, boot: FakeBootTimer
) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    account.set_wipe_after(10)
    locked: list[bool] = []
    account.on_lock(lambda: locked.append(True))
    for _ in range(9):
        assert account.confirm_pin(WRONG) == "lock.error.wrong_pin"
        wait_out(account, vault, boot)
    assert account.confirm_pin(WRONG) == "pin.wiped"
    assert locked == [True] and not account.is_unlocked and not account.is_set_up


def test_remove_from_device_forgets_everything(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create(PIN, PIN)
    account.remove_from_device()
    assert not account.is_set_up and not account.is_unlocked
    assert account.take_recovery_code() is None


def test_every_key_the_account_returns_is_translated() -> None:
    keys = {
        "pin.error.empty", "pin.error.bad_characters", "pin.error.digits_only",
        "pin.error.too_short", "pin.error.too_long", "pin.error.all_same",
        "pin.error.sequence", "pin.error.pattern", "pin.error.common", "pin.error.date",
        "pin.error.passphrase_too_short", "pin.error.passphrase_too_long",
        "pin.error.mismatch", "pin.try_later", "pin.wiped", "pin.recovery.error.wrong_code",
        "pin.recovery.error.format", "pin.recovery.error.none", "lock.error.wrong_pin",
        "lock.error.wait", "lock.error.locked_out", "settings.pin.error.old_wrong",
    }
    for code in ("en", "es"):
        strings = load_locale(REPO_ROOT / "assets" / "locales", code)
        assert keys <= strings.keys(), (code, keys - strings.keys())
