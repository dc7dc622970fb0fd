"""First run: a PIN that locks the app."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services


@ft.component
def SetPinScreen(done: Callable[[], None]) -> ft.Control:
    services = use_services()
    t = services.t
    pin = kit.use_text()
    confirmation = kit.use_text()
    problem, set_problem = ft.use_state(None)
    busy, set_busy = ft.use_state(False)

    def save() -> None:
        set_busy(True)
        error = services.account.create(pin.current, confirmation.current)
        set_busy(False)
        if error:
            set_problem(error)
            return
        done()

    return kit.screen(
        kit.heading(t("pin.create.title")),
        kit.body(t("pin.create.intro")),
        kit.text_field(t("pin.new"), pin, password=True, numeric=True,
                       helper=t("pin.rules"), autofocus=True),
        kit.text_field(t("pin.confirm"), confirmation, password=True,
                       numeric=True, error=t(problem) if problem else None, on_submit=save),
        kit.primary_button(t("pin.create.save"), save, ft.Icons.LOCK_OUTLINE, disabled=busy),
        ft.ProgressRing(visible=busy, semantics_label=t("pin.create.working")),
        kit.body(t("pin.create.forgot"), muted=True, size=13),
    )
