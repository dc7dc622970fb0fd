""""Forgot PIN?": the recovery code written down at set-up opens the store, and the
person chooses a new PIN. Nothing is lost; a new recovery code replaces the old one.

Wrong codes count like wrong PINs (the same waits and the same messages), so the code
is no easier to guess than the PIN.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services
from iop_companion.ui.lock.pin_kind import passphrase_switch, remember_pin_kind, use_pin_kind
from iop_companion.ui.lock.view import CREATION_RULE_PREFIX, attempt_message
from iop_companion.ui.onboarding.pin import pin_rule

WRONG_CODE_KEY = "pin.recovery.error.wrong_code"


@ft.component
def ForgotPinScreen(recovered: Callable[[], None], back: Callable[[], None],
                    wiped: Callable[[], None] | None = None) -> ft.Control:
    services = use_services()
    t = services.t
    code = kit.use_text()
    pin = kit.use_text()
    confirmation = kit.use_text()
    code_problem, set_code_problem = ft.use_state(None)
    pin_problem, set_pin_problem = ft.use_state(None)
    passphrase, set_passphrase = use_pin_kind(services)

    if not services.account.has_recovery_code():
        return kit.screen(
            ft.Icon(ft.Icons.KEY_OFF_OUTLINED, size=48, color=ft.Colors.PRIMARY),
            kit.heading(t("pin_screens.forgot.title")),
            kit.body(t("pin_screens.forgot.no_code")),
            kit.body(t("pin_screens.forgot.no_code_clinic"), muted=True, size=13),
            kit.secondary_button(t("pin_screens.forgot.back"), back, ft.Icons.ARROW_BACK),
        )

    def save() -> None:
        if not code.current.strip():
            set_pin_problem(None)
            set_code_problem(t("pin_screens.forgot.type_code"))
            return
        outcome = services.account.recover(code.current, pin.current, confirmation.current)
        if outcome.unlocked:
            code.current = pin.current = confirmation.current = ""
            remember_pin_kind(services, passphrase)
            recovered()
            return
        if outcome.wiped:
            code.current = pin.current = confirmation.current = ""
            if wiped is not None:
                wiped()
            return
        key = outcome.message_key or WRONG_CODE_KEY
        if key.startswith(CREATION_RULE_PREFIX):
            # The new PIN does not follow the rules: here that is the right answer.
            set_code_problem(None)
            set_pin_problem(t(key))
            return
        # A refused code stays in its field: a typo in a long code is easier to fix.
        set_pin_problem(None)
        set_code_problem(attempt_message(
            t, outcome, fallback_key=WRONG_CODE_KEY,
            wipe_on=services.account.wipe_after() is not None))

    return kit.screen(
        ft.Icon(ft.Icons.KEY_OUTLINED, size=48, color=ft.Colors.PRIMARY),
        kit.heading(t("pin_screens.forgot.title")),
        kit.body(t("pin_screens.forgot.intro")),
        kit.text_field(t("pin_screens.forgot.code"), code, error=code_problem,
                       helper=t("pin_screens.forgot.code_help"), autofocus=True),
        kit.body(pin_rule(t, passphrase)),
        passphrase_switch(t, passphrase, set_passphrase),
        kit.text_field(t("pin_screens.new"), pin, password=True, numeric=not passphrase),
        kit.text_field(t("pin_screens.confirm"), confirmation, password=True,
                       numeric=not passphrase, error=pin_problem, on_submit=save),
        kit.primary_button(t("pin_screens.forgot.save"), save, ft.Icons.LOCK_RESET),
        kit.secondary_button(t("pin_screens.forgot.back"), back, ft.Icons.ARROW_BACK),
        kit.body(t("pin_screens.forgot.keeps_data"), muted=True, size=13),
    )
