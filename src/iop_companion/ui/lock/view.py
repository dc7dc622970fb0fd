"""The lock screen: the PIN opens the encrypted store."""

from __future__ import annotations

import math
from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services


@ft.component
def LockScreen(unlocked: Callable[[], None]) -> ft.Control:
    services = use_services()
    t = services.t
    pin = kit.use_text()
    problem, set_problem = ft.use_state(None)

    def unlock() -> None:
        outcome = services.account.unlock(pin.current)
        pin.current = ""  # never keep a PIN around longer than needed
        if outcome.unlocked:
            unlocked()
            return
        key = outcome.message_key or "lock.error.wrong_pin"
        text = t(key, seconds=math.ceil(outcome.retry_after_s),
                 minutes=max(1, math.ceil(outcome.retry_after_s / 60)))
        if outcome.attempts_left is not None:
            text += " " + t("lock.attempts_left", count=outcome.attempts_left)
            if outcome.retry_after_s > 0:
                text += " " + t("lock.error.wait", seconds=math.ceil(outcome.retry_after_s))
        set_problem(text)

    return kit.screen(
        ft.Icon(ft.Icons.LOCK_OUTLINE, size=48, color=ft.Colors.PRIMARY),
        kit.heading(t("lock.title")),
        kit.body(t("lock.intro")),
        kit.text_field(t("lock.pin"), pin, password=True, numeric=True,
                       error=problem, on_submit=unlock, autofocus=True),
        kit.primary_button(t("lock.unlock"), unlock, ft.Icons.LOCK_OPEN),
        kit.body(t("lock.data_safe"), muted=True, size=13),
    )
