"""SIGKILL trial: kill a writing process at random moments; nothing acknowledged may be lost.

Each round forks a child that unlocks the store and writes in a loop (a check-in;
every 4th round an outbox entry; every 9th round it marks two outbox entries sent;
then a settings counter), reporting on a pipe after each write *returned*. The parent
SIGKILLs it after a random delay (sometimes during unlock itself), then opens the
store and checks that:

* it opens without any file being quarantined (else: ``unreadable``), and
* every acknowledged check-in and outbox entry is there, no acknowledged removal
  came back, and the counter is at least the last acknowledged value (else: ``lost``).

Check-ins are dated 7 hours apart, so a new week partition is created every 24
writes: partition creation is killed too. The child uses a low scrypt N for speed.

Evidence that the kills land inside writes, not only between them: a round counts
as ``killed_mid_write`` only when a temp file appeared in ``data/`` that was not
there before the round (names are random, so an older leftover never counts again):
the kill fell between a partition write's temp file and its rename. Temp files of
the vault's own files (``vault/attempts.json.*.tmp``, written twice by every unlock)
are not partition writes and do not count. ``vault_temps_left`` counts rounds after
which such a file was still there once the store had been opened again (the store
removes them when it opens, so: 0).

Run: .venv/bin/python bench/store_crash.py --kills 1000
Prints: kills=N unreadable=U lost=L ... killed_mid_write=K vault_temps_left=V
(targets: U=0, L=0, V=0; K at most N)
"""

from __future__ import annotations

import argparse
import os
import random
import select
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from iop_companion.store import KdfParams, StoreError, Vault
from iop_companion.store.durable import TEMP_SUFFIX

PIN = "482913"
BASE = datetime(2024, 1, 1, tzinfo=UTC)
LOW_KDF = KdfParams(n=2**4)

Emit = Callable[[str], None]


def fork_child(body: Callable[[Emit], None]) -> tuple[int, int]:
    """Run ``body(emit)`` in a forked child; returns (pid, read end of its pipe).

    ``emit`` writes one short line with a single ``write`` to a pipe, which POSIX
    makes atomic below PIPE_BUF: a line is either wholly received or not at all.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into the caller's stack (pytest, argparse)
        os.close(read_fd)
        status = 0

        def emit(line: str) -> None:
            os.write(write_fd, (line + "\n").encode())

        try:
            body(emit)
        except BaseException as error:  # noqa: BLE001 - report any failure, then exit
            os.write(write_fd, f"E {type(error).__name__}\n".encode())
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    return pid, read_fd


def kill_later(pid: int, read_fd: int, delay_s: float, after_ready: bool) -> list[str]:
    """SIGKILL the child ``delay_s`` after it reported "R" (or after the fork)."""
    buffer = b""
    if after_ready:
        deadline = time.monotonic() + 10
        while b"R\n" not in buffer and time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], 0.5)
            if ready:
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    break
                buffer += chunk
    time.sleep(delay_s)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while chunk := os.read(read_fd, 65536):
        buffer += chunk
    os.close(read_fd)
    return buffer.decode().splitlines()


def check_in(i: int) -> dict[str, object]:
    return {
        "mood": i % 11,
        "craving": (i * 3) % 11,
        "sleep_hours": 6.5,
        "sleep_quality": "fair",
        "medications": "yes",
        "used_since_last": False,
        "substance": None,
        "note": f"crash trial entry {i}",
        "created_at": BASE + timedelta(hours=7 * i),
    }


def writer(data_dir: Path) -> Callable[[Emit], None]:
    def body(emit: Emit) -> None:
        store = Vault(data_dir, kdf=LOW_KDF).unlock(PIN)
        emit("R")
        i = int(store.settings.get("counter", 0))
        while True:
            i += 1
            record = store.check_ins.add(check_in(i))
            emit(f"C {record['id']}")
            if i % 4 == 0:
                entry = store.outbox.enqueue("check_in", record["id"], {"n": i}, priority=i % 3)
                emit(f"O {entry['id']}")
            if i % 9 == 0:
                sent = [entry["id"] for entry in store.outbox.pending(limit=2)]
                for entry_id in sent:
                    emit(f"M {entry_id}")  # about to remove: may or may not survive a kill
                store.outbox.mark_sent(sent)
                for entry_id in sent:
                    emit(f"S {entry_id}")
            store.settings.set("counter", i)
            emit(f"N {i}")

    return body


@dataclass
class Trial:
    kills: int = 0
    unreadable: int = 0
    lost: int = 0
    child_errors: int = 0
    mid_write: int = 0
    vault_temps_left: int = 0
    check_ins: set[str] = field(default_factory=set)
    queued: set[str] = field(default_factory=set)
    sending: set[str] = field(default_factory=set)
    sent: set[str] = field(default_factory=set)
    counter: int = 0

    @property
    def acknowledged(self) -> int:
        return len(self.check_ins) + len(self.queued) + len(self.sent)


def temp_files(folder: Path) -> set[str]:
    """Names of the temp files (writes cut short before their rename) in ``folder``."""
    if not folder.is_dir():
        return set()
    return {entry.name for entry in folder.iterdir() if entry.name.endswith(TEMP_SUFFIX)}


def killed_mid_write(data_dir: Path, before: set[str]) -> bool:
    """The round's kill landed inside a partition write: ``data/`` holds a temp file
    that was not among ``before`` (its temp files when the round started)."""
    return bool(temp_files(data_dir / "data") - before)


def run(data_dir: Path, kills: int, seed: int = 1, max_delay_s: float = 0.03) -> Trial:
    rng = random.Random(seed)
    trial = Trial()
    vault = Vault(data_dir, kdf=LOW_KDF)
    if not vault.is_set_up():
        vault.create(PIN).lock()
    notes_before = len(vault.quarantine_reports())
    for _ in range(kills):
        early = rng.random() < 0.1  # one round in ten is killed during unlock/open
        delay = rng.uniform(0, 0.004) if early else rng.uniform(0, max_delay_s)
        before = temp_files(data_dir / "data")
        pid, read_fd = fork_child(writer(data_dir))
        lines = kill_later(pid, read_fd, delay, after_ready=not early)
        trial.kills += 1
        for line in lines:
            tag, _, value = line.partition(" ")
            if tag == "C":
                trial.check_ins.add(value)
            elif tag == "O":
                trial.queued.add(value)
            elif tag == "M":
                trial.sending.add(value)
            elif tag == "S":
                trial.sent.add(value)
            elif tag == "N":
                trial.counter = max(trial.counter, int(value))
            elif tag == "E":
                trial.child_errors += 1
        # A new temp file in data/ means the kill landed inside a partition write
        # (evidence that the trial exercises the dangerous window, not just the gaps).
        trial.mid_write += killed_mid_write(data_dir, before)
        trial.unreadable, trial.lost = _verify(vault, trial, notes_before)
        trial.vault_temps_left += bool(temp_files(data_dir / "vault"))
        if trial.unreadable:
            break
    return trial


def _verify(vault: Vault, trial: Trial, notes_before: int) -> tuple[int, int]:
    try:
        store = vault.unlock(PIN)
    except StoreError:
        return 1, trial.lost
    try:
        unreadable = int(len(vault.quarantine_reports()) > notes_before)
        stored = {record["id"] for record in store.check_ins.all()}
        pending = {entry["id"] for entry in store.outbox.pending()}
        lost = len(trial.check_ins - stored)
        lost += len(trial.queued - trial.sending - pending)  # acknowledged, never sent, gone
        lost += len(trial.sent & pending)  # an acknowledged removal came back
        lost += int(int(store.settings.get("counter", 0)) < trial.counter)
        return unreadable, lost
    finally:
        store.lock()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay-ms", type=float, default=30.0)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="iop-crash-") as tmp:
        trial = run(Path(tmp) / "store", args.kills, args.seed, args.max_delay_ms / 1000)
    print(
        f"kills={trial.kills} unreadable={trial.unreadable} lost={trial.lost} "
        f"acknowledged={trial.acknowledged} killed_mid_write={trial.mid_write} "
        f"vault_temps_left={trial.vault_temps_left} "
        f"child_errors={trial.child_errors} "
        f"elapsed_s={time.monotonic() - started:.0f}"
    )


if __name__ == "__main__":
    main()
