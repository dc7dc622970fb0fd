"""Wrong-PIN policy and its crash-safe counter.

Policy (documented for the UI):

* failures 1-3: no delay;
* failures 4-9: wait 1, 2, 4, 8, 16, 30 seconds before the next try;
* failure 10: locked out. The data is untouched. After 15 minutes one more try is
  allowed; each further wrong PIN locks out for another 15 minutes; a right PIN
  resets everything. The alternative is "remove from this device".

The counter lives outside the encrypted data (it must be readable before unlock) in
``vault/attempts.json``, replaced atomically. It is a throttle for someone holding
the phone; it cannot stop someone who copies the files. Against that, the defences
are scrypt's cost per guess and, where the platform offers one, a hardware-held
``KeyWrapper``. Times are wall-clock seconds (they must survive a restart, which a
monotonic clock does not); a clock set *back* does not shorten a delay.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .durable import atomic_write, ensure_dir
from .quarantine import Quarantine

MAX_ATTEMPTS = 10
FREE_ATTEMPTS = 3
DELAYS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
LOCKOUT_S = 15 * 60.0


def delay_after(failed: int) -> float:
    """Seconds to wait after ``failed`` consecutive wrong PINs."""
    if failed <= FREE_ATTEMPTS:
        return 0.0
    if failed >= MAX_ATTEMPTS:
        return LOCKOUT_S
    return DELAYS_S[min(failed - FREE_ATTEMPTS - 1, len(DELAYS_S) - 1)]


@dataclass(frozen=True)
class AttemptState:
    failed: int = 0
    last_failure: float = 0.0


class PinAttempts:
    def __init__(self, path: Path, clock: Callable[[], float], quarantine: Quarantine) -> None:
        self._path = path
        self._clock = clock
        self._quarantine = quarantine

    def load(self) -> AttemptState:
        try:
            data = json.loads(self._path.read_text("utf-8"))
            return AttemptState(int(data["failed"]), float(data["last_failure"]))
        except FileNotFoundError:
            return AttemptState()
        except (OSError, ValueError, KeyError, TypeError):
            # Only disk damage gets here (anyone able to edit the file could also
            # copy the data away, so a stricter reading would protect nothing):
            # keep the file for inspection and start counting again.
            self._quarantine.move_aside(self._path, "attempts")
            return AttemptState()

    def retry_after(self, state: AttemptState) -> float:
        """Seconds until the next try is allowed (0 if it is allowed now)."""
        if state.failed <= FREE_ATTEMPTS:
            return 0.0
        elapsed = max(0.0, self._clock() - state.last_failure)
        return max(0.0, delay_after(state.failed) - elapsed)

    def record_try(self, state: AttemptState) -> AttemptState:
        """Count a try as failed *before* checking the PIN, durably.

        Why first: if the count were written only after a wrong answer, killing the
        app during the check would give unlimited free guesses.
        """
        new = AttemptState(state.failed + 1, self._clock())
        self._save(new)
        return new

    def reset(self) -> None:
        self._save(AttemptState())

    def _save(self, state: AttemptState) -> None:
        ensure_dir(self._path.parent)
        payload = {"failed": state.failed, "last_failure": state.last_failure}
        atomic_write(self._path, json.dumps(payload).encode("utf-8"))
