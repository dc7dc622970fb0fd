"""The participant's local account: PIN, unlocking, locking (idle and background),
the recovery code, and the optional wipe after wrong PINs.

Every method returns a translation key (or an ``UnlockOutcome`` carrying one) rather
than raising, so that screens only show text. Keys: the PIN rules (``pin.error.*``,
only when a PIN is being *chosen*), ``lock.error.wrong_pin`` / ``lock.error.wait`` /
``lock.error.locked_out`` (the wrong-PIN policy in store/attempts.py), ``pin.wiped``,
``pin.try_later`` and ``pin.recovery.error.*``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from iop_companion.domain.pin import needs_upgrade, new_pin_problem, normalise_recovery_code
from iop_companion.store import (
    LockedOut,
    NoRecoveryCode,
    PinDelay,
    Store,
    Vault,
    Wiped,
    WrongPin,
)

log = logging.getLogger(__name__)

DEFAULT_IDLE_LOCK_SECONDS = 5 * 60
# After a call or text from the safety screen or Get help, coming back to the app shows
# the safety screen without the PIN for this long (the person may still be in crisis).
DEFAULT_CRISIS_GRACE_SECONDS = 10 * 60


@dataclass(frozen=True)
class UnlockOutcome:
    """What happened when someone typed a PIN (or a recovery code); `message_key` is
    for the screen. `attempts_left`: wrong tries left before everything is erased when
    the person chose that (`Account.wipe_after()` is not None), else before the
    lock-out. `wiped`: the try that reached the chosen count erased everything."""

    unlocked: bool
    message_key: str | None = None
    attempts_left: int | None = None
    retry_after_s: float = 0.0
    wiped: bool = False


_WIPED = UnlockOutcome(False, "pin.wiped", wiped=True)


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
        self._recovery_code: str | None = None
        self._pin_needs_upgrade = False

    @property
    def is_set_up(self) -> bool:
        return self._vault.is_set_up()

    @property
    def is_unlocked(self) -> bool:
        return self.store is not None

    @property
    def pin_needs_upgrade(self) -> bool:
        """The store was opened with a PIN the current rule would refuse (set up by an
        older version): the app may ask for a stronger one (`change_pin`)."""
        return self._pin_needs_upgrade

    def create(self, pin: str, confirmation: str) -> str | None:
        """Set the first PIN; returns a message key when the PIN is not acceptable.
        The recovery code made with it waits in `take_recovery_code()`."""
        problem = new_pin_problem(pin, confirmation)
        if problem:
            return problem
        self.store, self._recovery_code = self._vault.set_up(pin)
        self._pin_needs_upgrade = False
        self.touch()
        return None

    def unlock(self, pin: str) -> UnlockOutcome:
        """Open the app. Whatever is typed is tried as the PIN: the answer never
        states a rule for choosing one (a short or odd PIN is just a wrong PIN)."""
        if not pin:
            return UnlockOutcome(False, "pin.error.empty")  # nothing typed: not a try
        try:
            self.store = self._vault.unlock(pin)
        except (WrongPin, PinDelay, LockedOut, Wiped) as refused:
            return self._refused(refused, "lock.error.wrong_pin")
        self._pin_needs_upgrade = needs_upgrade(pin)
        self._opened()
        return UnlockOutcome(True)

    def recover(self, recovery_code: str, new_pin: str, confirmation: str) -> UnlockOutcome:
        """"Forgot PIN?": the recovery code sets `new_pin` and opens the app. The code
        is then spent; a new one waits in `take_recovery_code()`. Wrong codes count
        like wrong PINs (same delays, lock-out and wipe)."""
        problem = new_pin_problem(new_pin, confirmation)
        if problem:
            return UnlockOutcome(False, problem)
        if normalise_recovery_code(recovery_code) is None:
            # The code's shape is printed on the person's own paper, not a secret:
            # say it without spending a try.
            return UnlockOutcome(False, "pin.recovery.error.format")
        try:
            self.store, self._recovery_code = self._vault.recover(recovery_code, new_pin)
        except NoRecoveryCode:
            return UnlockOutcome(False, "pin.recovery.error.none")
        except (WrongPin, PinDelay, LockedOut, Wiped) as refused:
            return self._refused(refused, "pin.recovery.error.wrong_code")
        self._pin_needs_upgrade = False
        self._opened()
        return UnlockOutcome(True)

    def take_recovery_code(self) -> str | None:
        """The code made by the last create, recover or new_recovery_code, once.

        Held only in this session's memory (across a lock, so an idle lock while the
        person writes it down does not lose it), never written or logged."""
        code, self._recovery_code = self._recovery_code, None
        return code

    def has_recovery_code(self) -> bool:
        return self._vault.has_recovery_code()

    def new_recovery_code(self, pin: str) -> str | None:
        """Replace the recovery code (the old one stops working); the new one waits
        in `take_recovery_code()`. Returns an error key, or None."""
        if not pin:
            return "pin.error.empty"
        try:
            self._recovery_code = self._vault.new_recovery_code(pin)
        except (WrongPin, PinDelay, LockedOut, Wiped) as refused:
            return self._refusal_key(refused, "lock.error.wrong_pin")
        return None

    def confirm_pin(self, pin: str) -> str | None:
        """Check the PIN (before "Remove everything"); counted like an unlock.
        None when right, else an error key."""
        if not pin:
            return "pin.error.empty"
        try:
            self._vault.verify_pin(pin)
        except (WrongPin, PinDelay, LockedOut, Wiped) as refused:
            return self._refusal_key(refused, "lock.error.wrong_pin")
        return None

    def change_pin(self, old_pin: str, new_pin: str, confirmation: str) -> str | None:
        problem = new_pin_problem(new_pin, confirmation)
        if problem:
            return problem
        if not old_pin:
            return "settings.pin.error.old_wrong"
        try:
            self._vault.change_pin(old_pin, new_pin)
        except (WrongPin, PinDelay, LockedOut, Wiped) as refused:
            return self._refusal_key(refused, "settings.pin.error.old_wrong")
        self._pin_needs_upgrade = False
        return None

    def wipe_after(self) -> int | None:
        """After how many wrong PINs in a row everything is erased (10, 15 or 20), or
        None (the default: never). Readable while locked."""
        return self._vault.wipe_after()

    def set_wipe_after(self, count: int | None) -> None:
        """Choose 10, 15, 20 or None (never). Only while unlocked."""
        self._vault.set_wipe_after(count)

    def _opened(self) -> None:
        self.touch()
        self._crisis_grace_until = None  # the whole app is open again

    def _refused(self, refused: Exception, wrong_key: str) -> UnlockOutcome:
        if isinstance(refused, Wiped):
            self._after_wipe()
            return _WIPED
        if isinstance(refused, WrongPin):
            return UnlockOutcome(False, wrong_key, refused.attempts_left, refused.retry_after_s)
        if isinstance(refused, LockedOut):
            return UnlockOutcome(False, "lock.error.locked_out", refused.attempts_left,
                                 refused.retry_after_s)
        assert isinstance(refused, PinDelay)
        return UnlockOutcome(False, "lock.error.wait", retry_after_s=refused.retry_after_s)

    def _refusal_key(self, refused: Exception, wrong_key: str) -> str:
        if isinstance(refused, Wiped):
            self._after_wipe()
            return "pin.wiped"
        if isinstance(refused, WrongPin):
            return wrong_key
        return "pin.try_later"  # a wait or a lock-out: the same policy as the lock screen

    def _after_wipe(self) -> None:
        """Everything was erased: this session is locked and set up no more."""
        self._recovery_code = None
        self._pin_needs_upgrade = False
        was_unlocked = self.store is not None
        self.store = None  # its handle was closed by the wipe: nothing left to keep
        if was_unlocked:
            for listener in self._lock_listeners:
                listener()

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
        self._recovery_code = None
        self._pin_needs_upgrade = False
        self._vault.remove_from_device()
