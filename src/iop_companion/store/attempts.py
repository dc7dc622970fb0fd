"""Wrong-PIN policy and its crash-safe counter.

Policy (documented for the UI and the README). One counter for wrong PINs and wrong
recovery codes, wherever they are typed (lock screen, "Forgot PIN?", Settings):

* failures 1-3: no delay;
* failures 4-9: wait 1, 2, 4, 8, 16, 30 seconds before the next try;
* failure 10: locked out for 15 minutes; each further wrong try locks out twice as
  long as the one before (30 minutes, 1, 2, 4 hours), at most 8 hours (from failure 15
  on). Trying during a wait is refused and not counted;
* a right PIN or recovery code resets the count;
* the data is never touched, unless the person chose in Settings to erase everything
  after 10, 15 or 20 wrong tries in a row (``Vault.set_wipe_after``): the try that
  reaches that count erases it.

The counter lives outside the encrypted data (it must be readable before unlock) in
``vault/attempts.json``, replaced atomically. It is a throttle for someone holding
the phone; it cannot stop someone who copies the files. Against that, the defences
are scrypt's cost per guess and, where the platform offers one, a hardware-backed
``KeyWrapper`` (platform/secure_key.py).

Clocks. A wait is measured on a clock that setting the phone's date and time does
not move: ``CLOCK_BOOTTIME`` (seconds since boot, counting sleep), together with the
kernel's boot id (``/proc/sys/kernel/random/boot_id``) saved with each failure. Within
the same boot the elapsed time is exact. After a reboot, or a clock we cannot compare,
the wait starts again in full from the first check after it: never shorter. Where
the boot clock or the boot id is missing (iOS, macOS, Windows), the app's own
monotonic clock stands in, tagged with a token made at each start, so every restart
of the app restarts the wait in full. The wall clock is recorded only to say when the
last failure happened; no wait depends on it.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .durable import atomic_write, ensure_dir
from .quarantine import Quarantine

MAX_ATTEMPTS = 10  # the failure that starts the lock-out
FREE_ATTEMPTS = 3
DELAYS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
LOCKOUT_S = 15 * 60.0
MAX_LOCKOUT_S = 8 * 3600.0

BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")

#: ``() -> (epoch, seconds)``: seconds on a clock that only moves forward within
#: ``epoch`` (a boot, or one run of the app); a different epoch means "cannot compare".
BootTimer = Callable[[], tuple[str, float]]


def delay_after(failed: int) -> float:
    """Seconds to wait after ``failed`` consecutive wrong PINs."""
    if failed <= FREE_ATTEMPTS:
        return 0.0
    if failed >= MAX_ATTEMPTS:
        return min(MAX_LOCKOUT_S, LOCKOUT_S * 2.0 ** min(failed - MAX_ATTEMPTS, 16))
    return DELAYS_S[min(failed - FREE_ATTEMPTS - 1, len(DELAYS_S) - 1)]


def system_boot_timer(boot_id_path: Path = BOOT_ID_PATH) -> BootTimer:
    """The boot clock with the kernel's boot id, else this run's monotonic clock."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    try:
        boot_id = boot_id_path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        boot_id = ""
    if boottime is not None and boot_id:
        epoch = "boot:" + boot_id
        return lambda: (epoch, time.clock_gettime(boottime))
    run = "run:" + secrets.token_hex(8)  # a new epoch each start: waits restart in full
    return lambda: (run, time.monotonic())


@dataclass(frozen=True)
class AttemptState:
    failed: int = 0
    epoch: str | None = None  # the boot (or app run) whose clock ``since`` is on
    since: float = 0.0  # when the current wait started, on that clock
    last_failure_at: float = 0.0  # wall clock, for information only


class PinAttempts:
    def __init__(
        self,
        path: Path,
        timer: BootTimer,
        quarantine: Quarantine,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._path = path
        self._timer = timer
        self._wall_clock = wall_clock
        self._quarantine = quarantine

    def load(self) -> AttemptState:
        """The saved state (the vault first sweeps temp files of killed writes)."""
        try:
            data = json.loads(self._path.read_text("utf-8"))
            epoch = data.get("epoch")
            return AttemptState(
                failed=int(data["failed"]),
                # A file from before boot clocks has no epoch: its wait restarts in full.
                epoch=str(epoch) if epoch is not None else None,
                since=float(data.get("since", 0.0)),
                last_failure_at=float(data.get("last_failure", 0.0)),
            )
        except FileNotFoundError:
            return AttemptState()
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # Only disk damage gets here (anyone able to edit the file could also
            # copy the data away, so a stricter reading would protect nothing):
            # keep the file for inspection and start counting again.
            self._quarantine.move_aside(self._path, "attempts")
            return AttemptState()

    def retry_after(self, state: AttemptState, *, persist: bool = True) -> float:
        """Seconds until the next try is allowed (0 if it is allowed now).

        When the saved clock cannot be compared with the current one (a reboot), the
        wait restarts in full now; ``persist`` saves that restart (writer lock held)
        so that it then counts down.
        """
        if state.failed <= FREE_ATTEMPTS:
            return 0.0
        delay = delay_after(state.failed)
        epoch, now = self._timer()
        elapsed = now - state.since
        if state.epoch != epoch or elapsed < 0:
            if persist:
                self._save(replace(state, epoch=epoch, since=now))
            return delay
        return max(0.0, delay - elapsed)

    def record_try(self, state: AttemptState) -> AttemptState:
        """Count a try as failed *before* checking the PIN, durably.

        Why first: if the count were written only after a wrong answer, killing the
        app during the check would give unlimited free guesses.
        """
        epoch, now = self._timer()
        new = AttemptState(state.failed + 1, epoch, now, self._wall_clock())
        self._save(new)
        return new

    def reset(self) -> None:
        self._save(AttemptState())

    def _save(self, state: AttemptState) -> None:
        ensure_dir(self._path.parent)
        payload = {
            "failed": state.failed,
            "epoch": state.epoch,
            "since": state.since,
            "last_failure": state.last_failure_at,
        }
        atomic_write(self._path, json.dumps(payload).encode("utf-8"))
