"""Rules for the PIN that locks the app and protects the encryption key."""

from __future__ import annotations

PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 12


def pin_problem(pin: str) -> str | None:
    """A translation key describing what is wrong with `pin`, or None when it is fine."""
    if not pin:
        return "pin.error.empty"
    if not pin.isdigit() or not pin.isascii():
        return "pin.error.digits_only"
    if len(pin) < PIN_MIN_LENGTH:
        return "pin.error.too_short"
    if len(pin) > PIN_MAX_LENGTH:
        return "pin.error.too_long"
    if len(set(pin)) == 1:
        return "pin.error.all_same"
    return None


def new_pin_problem(pin: str, confirmation: str) -> str | None:
    """Validate a new PIN and its confirmation; the first problem found wins."""
    problem = pin_problem(pin)
    if problem:
        return problem
    if pin != confirmation:
        return "pin.error.mismatch"
    return None
