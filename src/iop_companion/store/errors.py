"""Exceptions raised by the on-device store.

Every message here is safe to show to the person and to write to a log: it never
contains a field's value, a note, a PIN or anything else the person typed. Code that
catches a lower-level error whose message might carry data (``json``, TinyDB)
re-raises one of these ``from None`` so that the original text does not end up in a
traceback either.
"""

from __future__ import annotations

LOCKOUT_HELP = (
    "Your data is safe and still on this phone. "
    "If you cannot remember your PIN, your recovery code can set a new one. Without it, "
    "you can remove IOP Companion's data from this phone and set it up again; anything "
    "not yet sent to your program would be lost."
)


class StoreError(Exception):
    """Base class. ``str(error)`` is a message that is safe to show and to log."""


class NotSetUp(StoreError):
    def __init__(self) -> None:
        super().__init__("IOP Companion has not been set up on this phone yet.")


class AlreadySetUp(StoreError):
    def __init__(self) -> None:
        super().__init__("IOP Companion is already set up on this phone.")


class WrongPin(StoreError):
    """The PIN did not open the store. ``attempts_left``: wrong tries left before the
    lock-out, or before everything is erased when the person chose that."""

    what = "PIN"

    def __init__(self, attempts_left: int, retry_after_s: float) -> None:
        self.attempts_left = attempts_left
        self.retry_after_s = retry_after_s
        message = f"That {self.what} is not right."
        message += f" {attempts_left} {'try' if attempts_left == 1 else 'tries'} left."
        if retry_after_s > 0:
            message += f" You can try again in {_seconds(retry_after_s)}."
        super().__init__(message)


class WrongRecoveryCode(WrongPin):
    """The recovery code did not open the store (counted like a wrong PIN)."""

    what = "recovery code"


class NoRecoveryCode(StoreError):
    """This install was set up before recovery codes: there is none to check."""

    def __init__(self) -> None:
        super().__init__(
            "This phone has no recovery code yet. You can make one in Settings once the "
            "app is open."
        )


class PinDelay(StoreError):
    """A PIN was entered before the delay after the last wrong PIN had passed."""

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"Please wait {_seconds(retry_after_s)} before trying again.")


class LockedOut(StoreError):
    """Too many wrong PINs. The data is intact; one more try after ``retry_after_s``.
    ``attempts_left`` is set only when the person chose to erase everything after a
    number of wrong PINs: the tries left before that happens."""

    def __init__(self, retry_after_s: float = 0.0, attempts_left: int | None = None) -> None:
        self.retry_after_s = retry_after_s
        self.attempts_left = attempts_left
        wait = f"You can try again in {_seconds(retry_after_s)}. " if retry_after_s > 0 else ""
        super().__init__("Too many wrong PINs. " + wait + LOCKOUT_HELP)


class Wiped(StoreError):
    """The wrong PIN reached the count the person chose: everything was erased."""

    def __init__(self) -> None:
        super().__init__(
            "Too many wrong PINs. As chosen in Settings, everything IOP Companion kept on "
            "this phone was erased. You can set the app up again."
        )


class StoreLocked(StoreError):
    def __init__(self) -> None:
        super().__init__("IOP Companion is locked. Enter your PIN to continue.")


class StoreBusy(StoreError):
    def __init__(self) -> None:
        super().__init__(
            "IOP Companion's data is open in another window or process. Close it and try again."
        )


class WriteFailed(StoreError):
    """The phone refused the write (storage full, read-only...). Nothing was half
    written: the store still holds everything saved before."""

    def __init__(self) -> None:
        super().__init__(
            "This could not be saved: the phone's storage may be full. "
            "Everything saved before is safe. Free some space and try again."
        )


class StoreCorrupt(StoreError):
    """The store cannot be opened safely. ``report`` says why; nothing was deleted."""

    def __init__(self, report: str) -> None:
        self.report = report
        super().__init__(report)


class NewerVersion(StoreCorrupt):
    def __init__(self) -> None:
        super().__init__(
            "This data was saved by a newer version of IOP Companion. "
            "Please update the app; nothing was changed."
        )


class ValidationError(StoreError, ValueError):
    """A value was refused before writing. Names the field and why, never the value."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def _seconds(value: float) -> str:
    whole = max(1, round(value))
    if whole < 120:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = (whole + 59) // 60
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{(minutes + 59) // 60} hours"
