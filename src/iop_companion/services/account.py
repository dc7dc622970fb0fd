"""The participant's local account: PIN, unlocking, locking (idle and background)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from iop_companion.domain.pin import new_pin_problem, pin_problem
from iop_companion.store import LockedOut, PinDelay, Store, Vault, WrongPin

log = logging.getLogger(__name__)

DEFAULT_IDLE_LOCK_SECONDS = 5 * 60
# After a call or text from the safety screen or Get help, coming back to the app shows
# the safety screen without the PIN for this long (the person may still be in crisis).
DEFAULT_CRISIS_GRACE_SECONDS = 10 * 60


@dataclass(frozen=True)
class UnlockOutcome:
    """What happened when someone typed a PIN; `message_key` is for the screen."""

    unlocked: bool
    message_key: str | None = None
    attempts_left: int | None = None
    retry_after_s: float = 0.0


class Account:
    def __init__(self, vault: Vault, *, idle_lock_seconds: float = DEFAULT_IDLE_LOCK_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 crisis_grace_seconds: float = DEFAULT_CRISIS_GRACE_SECONDS) -> None:
        self._vault = vault
        self._clock = clock
        self.idle_lock_seconds = idle_lock_seconds
        self.crisis_grace_seconds = crisis_grace_seconds
        self.store: Store | None = None
        self._last_activity = clock()
        self._lock_listeners: list[Callable[[], None]] = []
        self._before_lock: list[Callable[[Store], None]] = []
        self._crisis_grace_until: float | None = None

    @property
    def is_set_up(self) -> bool:
        return self._vault.is_set_up()

    @property
    def is_unlocked(self) -> bool:
        return self.store is not None

    def create(self, pin: str, confirmation: str) -> str | None:
        """Set the first PIN; returns a message key when the PIN is not acceptable."""
        problem = new_pin_problem(pin, confirmation)
        if problem:
            return problem
        self.store = self._vault.create(pin)
        self.touch()
        return None

    def unlock(self, pin: str) -> UnlockOutcome:
        problem = pin_problem(pin)
        if problem:
            return UnlockOutcome(False, problem)
        try:
            self.store = self._vault.unlock(pin)
        except WrongPin as wrong:
            return UnlockOutcome(False, "lock.error.wrong_pin", wrong.attempts_left,
                                 wrong.retry_after_s)
        except PinDelay as delay:
            return UnlockOutcome(False, "lock.error.wait", retry_after_s=delay.retry_after_s)
        except LockedOut as locked:
            return UnlockOutcome(False, "lock.error.locked_out",
                                 retry_after_s=getattr(locked, "retry_after_s", 0.0))
        self.touch()
        self._crisis_grace_until = None  # the whole app is open again
        return UnlockOutcome(True)

    def change_pin(self, old_pin: str, new_pin: str, confirmation: str) -> str | None:
        problem = new_pin_problem(new_pin, confirmation)
        if problem:
            return problem
        try:
            self._vault.change_pin(old_pin, new_pin)
        except (WrongPin, PinDelay, LockedOut):
            return "settings.pin.error.old_wrong"
        return None

    def on_lock(self, listener: Callable[[], None]) -> None:
        """Be told whenever the app locks, whatever locked it (idle, background, a button)."""
        self._lock_listeners.append(listener)

    def before_lock(self, listener: Callable[[Store], None]) -> None:
        """Run `listener(store)` just before the store is locked (keep drafts, etc.)."""
        self._before_lock.append(listener)

    def lock(self) -> None:
        was_unlocked = self.store is not None
        if self.store is not None:
            for listener in self._before_lock:
                try:
                    listener(self.store)
                except Exception as error:  # noqa: BLE001 - nothing may stop the lock itself
                    # Only the type: a message might quote what was being kept.
                    log.warning("Before-lock step failed: %s", type(error).__name__)
            self.store.lock()
        self.store = None
        if was_unlocked:
            for listener in self._lock_listeners:
                listener()

    def touch(self) -> None:
        """Record that the person did something, postponing the idle lock."""
        self._last_activity = self._clock()

    def begin_crisis_grace(self) -> None:
        """The person called or texted for help: for a while, coming back to the app
        opens the safety screen without asking for the PIN."""
        self._crisis_grace_until = self._clock() + self.crisis_grace_seconds

    def end_crisis_grace(self) -> None:
        self._crisis_grace_until = None

    @property
    def in_crisis_grace(self) -> bool:
        until = self._crisis_grace_until
        if until is None:
            return False
        if self._clock() >= until:
            self._crisis_grace_until = None
            return False
        return True

    def idle_expired(self) -> bool:
        return self.is_unlocked and self._clock() - self._last_activity >= self.idle_lock_seconds

    def quarantine_reports(self) -> list[str]:
        """Notes about saved files that could not be read and were set aside."""
        return self._vault.quarantine_reports()

    def remove_from_device(self) -> None:
        self.lock()
        self._vault.remove_from_device()
