"""Waits after wrong PINs that no clock change can shorten: the boot clock within a
boot, a full restart after a reboot, the doubling lock-out, and leftover temp files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from iop_companion.store import LockedOut, PinDelay, Vault, WrongPin
from iop_companion.store.attempts import (
    LOCKOUT_S,
    MAX_LOCKOUT_S,
    delay_after,
    system_boot_timer,
)
from tests.store.store_testing import PIN, FakeBootTimer, FakeClock

WRONG = "000000"


def fail(vault: Vault, times: int, boot: FakeBootTimer) -> None:
    """Type a wrong PIN ``times`` times, waiting out each delay on the boot clock."""
    for _ in range(times):
        with pytest.raises((WrongPin, LockedOut)):
            vault.unlock(WRONG)
        boot.advance(vault.attempts_state()[1])


def test_the_policy_table() -> None:
    assert [delay_after(n) for n in range(1, 10)] == [0, 0, 0, 1, 2, 4, 8, 16, 30]
    assert [delay_after(n) / 60 for n in range(10, 17)] == [15, 30, 60, 120, 240, 480, 480]
    assert delay_after(10_000) == MAX_LOCKOUT_S == 8 * 3600 and LOCKOUT_S == 15 * 60


def test_moving_the_wall_clock_back_or_forward_changes_nothing(
    make_vault: Callable[..., Vault], clock: FakeClock, boot: FakeBootTimer
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    fail(vault, 9, boot)
    with pytest.raises(LockedOut):
        vault.unlock(WRONG)  # the 10th: 15 minutes
    boot.advance(60)
    for jump in (-3600, 365 * 24 * 3600, -2 * 365 * 24 * 3600, 7 * 24 * 3600):
        clock.advance(jump)
        assert vault.attempts_state() == (10, LOCKOUT_S - 60)
        with pytest.raises(LockedOut):
            vault.unlock(PIN)  # refused, not counted
        assert make_vault().attempts_state() == (10, LOCKOUT_S - 60)  # after a restart too
    boot.advance(LOCKOUT_S - 60)
    vault.unlock(PIN).lock()


def test_after_a_reboot_the_wait_restarts_in_full(
    make_vault: Callable[..., Vault], boot: FakeBootTimer
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    fail(vault, 9, boot)
    with pytest.raises(LockedOut):
        vault.unlock(WRONG)
    boot.advance(14 * 60)
    assert vault.attempts_state() == (10, 60.0)
    boot.reboot()  # the boot clock starts again near zero, with a new boot id
    restarted = make_vault()
    assert restarted.attempts_state() == (10, LOCKOUT_S)  # in full, from this first check
    boot.advance(5 * 60)
    assert restarted.attempts_state() == (10, LOCKOUT_S - 5 * 60)  # and now counting down
    with pytest.raises(LockedOut) as early:
        restarted.unlock(PIN)
    assert early.value.retry_after_s == LOCKOUT_S - 5 * 60
    boot.reboot(uptime=10 * 3600.0)  # a long-running boot: a big clock is no shortcut
    with pytest.raises(LockedOut) as again:
        restarted.unlock(PIN)
    assert again.value.retry_after_s == LOCKOUT_S
    boot.advance(LOCKOUT_S)
    restarted.unlock(PIN).lock()
    assert restarted.attempts_state() == (0, 0.0)


def test_a_boot_clock_that_went_back_restarts_the_wait(
    make_vault: Callable[..., Vault], boot: FakeBootTimer, data_dir: Path
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    fail(vault, 4, boot)
    path = data_dir / "vault" / "attempts.json"
    saved = json.loads(path.read_text())
    saved["since"] = boot.now + 10_000  # a start in the future on this boot: edited
    path.write_text(json.dumps(saved))
    assert vault.attempts_state() == (4, 1.0)


def test_a_counter_saved_by_an_older_version_restarts_its_wait(
    make_vault: Callable[..., Vault], data_dir: Path, boot: FakeBootTimer
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    (data_dir / "vault" / "attempts.json").write_text(
        json.dumps({"failed": 10, "last_failure": 1.0})  # wall-clock format: long past
    )
    assert vault.attempts_state() == (10, LOCKOUT_S)
    with pytest.raises(LockedOut):
        vault.unlock(PIN)
    boot.advance(LOCKOUT_S)
    vault.unlock(PIN).lock()


def test_early_tries_are_refused_and_not_counted(
    make_vault: Callable[..., Vault], boot: FakeBootTimer
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    for _ in range(4):
        with pytest.raises(WrongPin):
            vault.unlock(WRONG)
    for _ in range(20):
        with pytest.raises(PinDelay):
            vault.unlock(WRONG)
    assert vault.attempts_state() == (4, 1.0)


def test_system_timer_uses_the_boot_clock_or_restarts_each_run(tmp_path: Path) -> None:
    timer = system_boot_timer()
    epoch, first = timer()
    if Path("/proc/sys/kernel/random/boot_id").exists() and hasattr(time, "CLOCK_BOOTTIME"):
        assert epoch.startswith("boot:")
        assert system_boot_timer()()[0] == epoch  # the same boot: comparable across runs
    time.sleep(0.01)
    again_epoch, later = timer()
    assert again_epoch == epoch and later > first
    missing = tmp_path / "no-boot-id"
    one_run, other_run = system_boot_timer(missing), system_boot_timer(missing)
    assert one_run()[0].startswith("run:") and one_run()[0] != other_run()[0]


def test_leftover_temp_files_are_cleaned_up(
    make_vault: Callable[..., Vault], data_dir: Path
) -> None:
    vault = make_vault()
    vault.create(PIN).lock()
    folder = data_dir / "vault"
    leftovers = [folder / f"attempts.json.{i:08x}.tmp" for i in range(30)]
    leftovers.append(folder / "key.json.deadbeef.tmp")  # an old wrapped key, too
    for path in leftovers:
        path.write_bytes(b"{}")
    unrelated = folder / "card.json.cafebabe.tmp"  # another file's write: not ours
    unrelated.write_bytes(b"")
    assert vault.attempts_state() == (0, 0.0)
    assert not any(path.exists() for path in leftovers)
    assert unrelated.exists()
    (folder / "attempts.json.0badf00d.tmp").write_bytes(b"{}")
    with pytest.raises(WrongPin):
        vault.unlock(WRONG)  # the check sweeps too
    assert list(folder.glob("attempts.json.*.tmp")) == []
