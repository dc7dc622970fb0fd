"""System notifications through plyer, with the app's own banner as the fallback.

plyer has a notification backend on Android, iOS, Windows, macOS and Linux with
D-Bus/notify-send; elsewhere its facade raises NotImplementedError, and a backend can
fail in other ways (no D-Bus session, a missing binary, a permission refused). None of
that may crash the app: every failure means "show the reminder inside the app".

Privacy (security S6): notification text shows on a lock screen, so callers pass only
fixed, content-free text such as "Time for your daily check-in". This module never
logs the text or the error (an error message could echo it).
"""

from __future__ import annotations

import importlib
import warnings
from enum import Enum

APP_NAME = "IOP Companion"


class Delivery(str, Enum):
    SYSTEM = "system"  # the operating system showed it
    IN_APP = "in_app"  # the caller shows its own banner


def notify(title: str, message: str, *, system_allowed: bool) -> Delivery:
    """Try a system notification; say IN_APP whenever the app must show it itself.

    `system_allowed` is False in web mode: the app's Python then runs on a server, and
    a system notification would pop up on that machine, not on the person's screen.
    """
    if not system_allowed:
        return Delivery.IN_APP
    try:
        with warnings.catch_warnings():
            # plyer warns on stderr while it looks for a Linux backend; the fallback is ours.
            warnings.simplefilter("ignore")
            # Looked up at call time so a phone build (or a test) can provide its own plyer.
            notification = importlib.import_module("plyer").notification
            notification.notify(title=title, message=message, app_name=APP_NAME, timeout=10)
    except Exception:  # noqa: BLE001 - NotImplementedError and any backend failure alike
        return Delivery.IN_APP
    return Delivery.SYSTEM
