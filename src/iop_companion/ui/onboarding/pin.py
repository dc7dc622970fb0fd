"""First run: a PIN (at least 6 digits) or a passphrase that locks the app."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services
from iop_companion.ui.lock.pin_kind import passphrase_switch, remember_pin_kind, use_pin_kind


def pin_rule(t: Callable[..., str], passphrase: bool) -> str:
    """The rule for a new PIN, in plain words, for the kind being typed."""
    return t("pin_screens.rule.passphrase" if passphrase else "pin_screens.rule.digits")


@ft.component
def SetPinScreen(done: Callable[[], None]) -> ft.Control:
    services = use_services()
    t = services.t
    pin = kit.use_text()
    confirmation = kit.use_text()
    problem, set_problem = ft.use_state(None)
    busy, set_busy = ft.use_state(False)
    passphrase, set_passphrase = use_pin_kind(services)

    def save() -> None:
        set_busy(True)
        error = services.account.create(pin.current, confirmation.current)
        set_busy(False)
        if error:
            set_problem(error)
            return
        pin.current = confirmation.current = ""
        remember_pin_kind(services, passphrase)
        done()

    return kit.screen(
        kit.heading(t("pin_screens.setup.title")),
        kit.body(t("pin_screens.setup.intro")),
        kit.body(pin_rule(t, passphrase)),
        passphrase_switch(t, passphrase, set_passphrase),
        kit.text_field(t("pin_screens.new"), pin, password=True, numeric=not passphrase,
                       autofocus=True),
        kit.text_field(t("pin_screens.confirm"), confirmation, password=True,
                       numeric=not passphrase, error=t(problem) if problem else None,
                       on_submit=save),
        kit.primary_button(t("pin_screens.setup.save"), save, ft.Icons.LOCK_OUTLINE,
                           disabled=busy),
        ft.ProgressRing(visible=busy, semantics_label=t("pin_screens.setup.working")),
        kit.body(t("pin_screens.setup.code_next"), muted=True, size=13),
    )
