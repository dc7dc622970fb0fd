"""Crash safety (W1): a process SIGKILLed at random moments loses nothing it acknowledged.

Uses the same harness as ``bench/store_crash.py`` (which runs it 1000 times).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from iop_companion.store import PinDelay, Vault, WrongPin
from tests.store.store_testing import check_in

KILLS = 100


def test_sigkill_during_writes_loses_nothing(crash_harness: ModuleType, tmp_path: Path) -> None:
    trial = crash_harness.run(tmp_path / "store", kills=KILLS, seed=20250101)
    assert trial.kills == KILLS
    assert trial.child_errors == 0
    assert trial.unreadable == 0, "a kill left a file that would not open"
    assert trial.lost == 0, "an acknowledged write was missing after a kill"
    # The children really were writing. How many writes fit before a kill depends on
    # how busy the machine is (40 in 100 rounds at a load of 7 on 2 cores, over 100
    # alone), so the bar is what a busy machine still clears.
    assert len(trial.check_ins) >= KILLS // 4
    # Kills did land inside partition writes, not only between them: a round counts
    # once at most, and only for a data/ temp file new in that round (see below).
    assert 0 < trial.mid_write <= trial.kills
    assert trial.vault_temps_left == 0, "reopening left a killed write's temp in vault/"


def test_a_round_counts_as_killed_mid_write_only_for_a_new_data_temp(
    crash_harness: ModuleType, tmp_path: Path
) -> None:
    data, vault = tmp_path / "data", tmp_path / "vault"
    data.mkdir()
    vault.mkdir()
    (data / "a1b2.enc").write_bytes(b"sealed")
    (data / "a1b2.enc.00000001.tmp").write_bytes(b"left by an earlier round")
    before = crash_harness.temp_files(data)
    assert before == {"a1b2.enc.00000001.tmp"}
    assert not crash_harness.killed_mid_write(tmp_path, before)  # the old leftover
    (vault / "attempts.json.0badf00d.tmp").write_bytes(b"{}")
    (data / "a1b2.enc.00000002").write_bytes(b"not a temp file")
    assert not crash_harness.killed_mid_write(tmp_path, before)  # vault/ does not count
    (data / "c3d4.enc.0badf00d.tmp").write_bytes(b"half a partition")
    assert crash_harness.killed_mid_write(tmp_path, before)
    assert not crash_harness.killed_mid_write(tmp_path / "missing", set())


def test_sigkill_during_pin_change_leaves_exactly_one_working_pin(
    crash_harness: ModuleType, tmp_path: Path
) -> None:
    pins = ("482913", "573918")
    data_dir = tmp_path / "store"
    vault = Vault(data_dir, kdf=crash_harness.LOW_KDF)
    store = vault.create(pins[0])
    record = store.check_ins.add(check_in())
    store.lock()
    rng = random.Random(7)
    current = pins[0]

    for _ in range(25):

        def body(emit: Callable[[str], None], start: str = current) -> None:
            child_vault = Vault(data_dir, kdf=crash_harness.LOW_KDF)
            pin = start
            emit("R")
            while True:
                new = pins[1] if pin == pins[0] else pins[0]
                child_vault.change_pin(pin, new)
                emit(f"P {new}")
                pin = new

        pid, read_fd = crash_harness.fork_child(body)
        lines = crash_harness.kill_later(pid, read_fd, rng.uniform(0, 0.02), after_ready=True)
        acked = [line.split()[1] for line in lines if line.startswith("P ")]
        current = acked[-1] if acked else current
        other = pins[1] if current == pins[0] else pins[0]
        working = []
        for pin in (current, other):  # the acknowledged PIN, or the one being written
            try:
                opened = Vault(data_dir, kdf=crash_harness.LOW_KDF).unlock(pin)
            except (WrongPin, PinDelay):
                continue
            working.append(pin)
            assert opened.check_ins.get(record["id"]) == record
            opened.lock()
        assert len(working) == 1  # never both, never neither
        current = working[0]


@pytest.fixture(autouse=True)
def _posix_only() -> None:
    if not hasattr(os, "fork"):
        pytest.skip("needs fork and SIGKILL")
