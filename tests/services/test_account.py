"""The participant's account: PIN rules, unlocking, wrong PINs, and every way of locking."""

from __future__ import annotations

from iop_companion.services.account import Account
from iop_companion.store import Vault
from tests.services.conftest import FakeTime


def test_first_pin_must_be_confirmed_and_valid(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    assert account.create("2468", "2469") == "pin.error.mismatch"
    assert account.create("12", "12") == "pin.error.too_short"
    assert not account.is_set_up and not account.is_unlocked
    assert account.create("2468", "2468") is None
    assert account.is_set_up and account.is_unlocked


def test_lock_and_unlock_keep_the_data(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create("2468", "2468")
    assert account.store is not None
    account.store.settings.set("greeting", "hello")
    locked: list[bool] = []
    account.on_lock(lambda: locked.append(True))
    account.lock()
    assert account.store is None and locked == [True]
    account.lock()  # locking twice tells listeners once
    assert locked == [True]
    assert account.unlock("2468").unlocked
    assert account.store.settings.get("greeting") == "hello"


def test_wrong_pin_says_how_many_tries_are_left(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create("2468", "2468")
    account.lock()
    outcome = account.unlock("1359")
    assert not outcome.unlocked
    assert outcome.message_key == "lock.error.wrong_pin"
    assert outcome.attempts_left == 9
    # A malformed PIN is refused before it can cost a try.
    assert account.unlock("12").message_key == "pin.error.too_short"
    assert account.unlock("1360").attempts_left == 8


def test_growing_delay_then_lock_out_with_data_intact(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create("2468", "2468")
    account.store.settings.set("kept", True)
    account.lock()
    delays = []
    for attempt in range(10):
        outcome = account.unlock(f"13{attempt:02d}")
        assert not outcome.unlocked
        if outcome.message_key == "lock.error.locked_out":
            break
        delays.append(outcome.retry_after_s)
        # Trying again during the delay is refused without counting.
        if outcome.retry_after_s:
            assert account.unlock("2468").message_key == "lock.error.wait"
        fake_time.now += outcome.retry_after_s
    assert outcome.message_key == "lock.error.locked_out"
    assert delays == sorted(delays) and delays[-1] > 0
    assert account.unlock("2468").message_key in {"lock.error.locked_out", "lock.error.wait"}
    fake_time.now += 16 * 60
    assert account.unlock("2468").unlocked
    assert account.store.settings.get("kept") is True


def test_idle_lock_after_the_timeout(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, idle_lock_seconds=300, clock=fake_time)
    account.create("2468", "2468")
    fake_time.now += 299
    assert not account.idle_expired()
    account.touch()
    fake_time.now += 299
    assert not account.idle_expired()
    fake_time.now += 1
    assert account.idle_expired()
    account.lock()
    assert not account.idle_expired()  # nothing left to lock


def test_change_pin(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create("2468", "2468")
    assert account.change_pin("1111", "3579", "3579") == "settings.pin.error.old_wrong"
    assert account.change_pin("2468", "3579", "3578") == "pin.error.mismatch"
    assert account.change_pin("2468", "3579", "3579") is None
    account.lock()
    assert not account.unlock("2468").unlocked
    assert account.unlock("3579").unlocked


def test_remove_from_device_forgets_everything(vault: Vault, fake_time: FakeTime) -> None:
    account = Account(vault, clock=fake_time)
    account.create("2468", "2468")
    account.remove_from_device()
    assert not account.is_set_up and not account.is_unlocked
