"""The lock screen: the PIN (or passphrase) opens the encrypted store.

A wrong PIN is answered with "that did not match" and any wait, never with the rules
for choosing a PIN: those would tell someone guessing what the PIN cannot be.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import flet as ft

from iop_companion.services.account import UnlockOutcome
from iop_companion.services.container import AppServices
from iop_companion.ui import kit
from iop_companion.ui.context import use_services
from iop_companion.ui.lock.pin_kind import passphrase_switch, use_pin_kind

# Keys for choosing a new PIN; never an answer to a PIN typed to unlock.
CREATION_RULE_PREFIX = "pin.error."
WRONG_PIN_KEY = "lock.error.wrong_pin"
WAIT_KEY = "lock.error.wait"
WAIT_MINUTES_KEY = "pin_screens.lock.wait_minutes"
WAIT_ONE_KEY = "pin_screens.lock.wait_one"
LOCKED_OUT_KEY = "lock.error.locked_out"
LONG_WAIT_S = 120


def attempt_message(t: Callable[..., str], outcome: UnlockOutcome, *,
                    fallback_key: str = WRONG_PIN_KEY, wipe_on: bool = False) -> str:
    """What to say after a refused PIN or recovery code: what happened, then any tries
    left and any wait (the same words on the lock screen and on "Forgot PIN?").
    `wipe_on`: the person chose to erase after wrong PINs, so the tries left count
    down to that rather than to a pause."""
    key = outcome.message_key or fallback_key
    if key.startswith(CREATION_RULE_PREFIX):
        key = fallback_key
    seconds = math.ceil(outcome.retry_after_s)
    minutes = max(1, math.ceil(outcome.retry_after_s / 60))
    if key == WAIT_KEY:
        key = _wait_key(seconds)
    text = t(key, seconds=seconds, minutes=minutes)
    if outcome.attempts_left is not None:
        one = outcome.attempts_left == 1  # "1 try", not "1 tries"
        if wipe_on:
            left_key = "pin_screens.lock.attempts_left_wipe" + ("_one" if one else "")
        else:
            left_key = "pin_screens.lock.attempts_left_one" if one else "lock.attempts_left"
        text += " " + t(left_key, count=outcome.attempts_left)
        if outcome.retry_after_s > 0 and key != LOCKED_OUT_KEY:
            text += " " + t(_wait_key(seconds), seconds=seconds, minutes=minutes)
    return text


def _wait_key(seconds: int) -> str:
    if seconds == 1:
        return WAIT_ONE_KEY
    # "Wait 900 seconds" is hard to take in: long waits are said in minutes.
    return WAIT_KEY if seconds < LONG_WAIT_S else WAIT_MINUTES_KEY


def wipe_warning(services: AppServices) -> str | None:
    """The lock screen's reminder that the person chose to erase after wrong PINs."""
    count = services.account.wipe_after()
    if count is None:
        return None
    return services.t("pin_screens.lock.wipe_on", count=count)


def wiped_notice(t: Callable[..., str]) -> ft.Control:
    """Shown over the welcome screen after the data was erased for too many wrong PINs."""
    return ft.Container(
        padding=ft.Padding.only(left=16, right=16, top=12),
        content=kit.card(
            ft.Row([ft.Icon(ft.Icons.INFO_OUTLINE, color=ft.Colors.PRIMARY),
                    ft.Container(kit.subheading(t("pin_screens.wiped.title")), expand=True)],
                   spacing=8),
            ft.Semantics(live_region=True, content=kit.body(t("pin_screens.wiped.body"))),
            kit.body(t("pin_screens.wiped.next"), muted=True, size=13),
            tone="primary",
        ),
    )


@ft.component
def LockScreen(unlocked: Callable[[], None], forgot: Callable[[], None] | None = None,
               wiped: Callable[[], None] | None = None) -> ft.Control:
    services = use_services()
    t = services.t
    pin = kit.use_text()
    problem, set_problem = ft.use_state(None)
    passphrase, set_passphrase = use_pin_kind(services)

    def unlock() -> None:
        if not pin.current:
            set_problem(t("pin_screens.lock.type_pin"))
            return
        outcome = services.account.unlock(pin.current)
        pin.current = ""  # never keep a PIN around longer than needed
        if outcome.unlocked:
            unlocked()
            return
        if outcome.wiped:
            if wiped is not None:
                wiped()
            return
        set_problem(attempt_message(t, outcome,
                                    wipe_on=services.account.wipe_after() is not None))

    warning = wipe_warning(services)
    return kit.screen(
        ft.Icon(ft.Icons.LOCK_OUTLINE, size=48, color=ft.Colors.PRIMARY),
        kit.heading(t("lock.title")),
        kit.body(t("lock.intro")),
        kit.text_field(t("lock.pin"), pin, password=True, numeric=not passphrase,
                       error=problem, on_submit=unlock, autofocus=True),
        passphrase_switch(t, passphrase, set_passphrase),
        kit.primary_button(t("lock.unlock"), unlock, ft.Icons.LOCK_OPEN),
        *([kit.text_button(t("pin_screens.lock.forgot"), forgot, ft.Icons.HELP_OUTLINE)]
          if forgot is not None else []),
        kit.body(warning or t("lock.data_safe"), muted=True, size=13),
    )
