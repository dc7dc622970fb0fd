"""Exceptions raised by the on-device store.

Every message here is safe to show to the person and to write to a log: it never
contains a field's value, a note, a PIN or anything else the person typed. Code that
catches a lower-level error whose message might carry data (``json``, TinyDB)
re-raises one of these ``from None`` so that the original text does not end up in a
traceback either.
"""

from __future__ import annotations

LOCKOUT_HELP = (
    "Your data is safe and still on this phone. You can try again in 15 minutes. "
    "If you cannot remember your PIN, you can remove IOP Companion's data from this "
    "phone and set it up again; anything not yet sent to your program would be lost."
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
    """The PIN did not open the store. ``attempts_left`` before the lock-out."""

    def __init__(self, attempts_left: int, retry_after_s: float) -> None:
        self.attempts_left = attempts_left
        self.retry_after_s = retry_after_s
        message = "That PIN is not right."
        message += f" {attempts_left} {'try' if attempts_left == 1 else 'tries'} left."
        if retry_after_s > 0:
            message += f" You can try again in {_seconds(retry_after_s)}."
        super().__init__(message)


class PinDelay(StoreError):
    """A PIN was entered before the delay after the last wrong PIN had passed."""

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"Please wait {_seconds(retry_after_s)} before trying again.")


class LockedOut(StoreError):
    """Too many wrong PINs. The data is intact; one more try after ``retry_after_s``."""

    def __init__(self, retry_after_s: float = 0.0) -> None:
        self.retry_after_s = retry_after_s
        super().__init__("Too many wrong PINs. " + LOCKOUT_HELP)


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
    return f"{minutes} minutes"
