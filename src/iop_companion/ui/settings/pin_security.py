"""Settings > PIN and security: change the PIN, make a new recovery code, and choose
whether the app erases its data after too many wrong PINs."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.lock.pin_kind import (
    PASSPHRASE,
    PIN_KIND_PREFERENCE,
    passphrase_switch,
    remember_pin_kind,
    use_pin_kind,
)
from iop_companion.ui.onboarding.pin import pin_rule
from iop_companion.ui.onboarding.recovery_code import recovery_code_explained

WIPE_CHOICES = (10, 15, 20)
WIPE_OFF = "off"
WIPED_KEY = "pin.wiped"  # a wrong PIN here reached the count chosen below


def section_title(text: str) -> ft.Control:
    """A part of the card, a step below the card's own title."""
    return ft.Semantics(header=True, content=ft.Text(text, size=15, weight=ft.FontWeight.W_600))


@ft.component
def ChangePinForm(changed: Callable[[], None] | None = None, *, save_label: str | None = None,
                  full_width: bool = False) -> ft.Control:
    """Current PIN, then the new one twice. Used in Settings and (`full_width`, on a
    screen of its own) after unlocking with a PIN the rules no longer accept."""
    services = use_services()
    navigator = use_navigator()
    t = services.t
    old = kit.use_text()
    new = kit.use_text()
    confirmation = kit.use_text()
    problem, set_problem = ft.use_state(None)
    _, set_saved_count = ft.use_state(0)
    passphrase, set_passphrase = use_pin_kind(services)
    # The current PIN is of the kind chosen last time, whatever the new one will be.
    current_is_passphrase = services.preferences.get(PIN_KIND_PREFERENCE) == PASSPHRASE

    def save() -> None:
        error = services.account.change_pin(old.current, new.current, confirmation.current)
        old.current = new.current = confirmation.current = ""
        if error == WIPED_KEY:
            return  # everything was erased; the shell shows the welcome screen
        set_saved_count(lambda n: n + 1)  # re-render so the fields clear
        if error:
            set_problem(t(error))
            return
        set_problem(None)
        remember_pin_kind(services, passphrase)
        navigator.notify(t("settings.pin.changed"))
        if changed is not None:
            changed()

    return ft.Column(
        [
            kit.text_field(t("settings.pin.current"), old, password=True,
                           numeric=not current_is_passphrase),
            kit.body(pin_rule(t, passphrase), size=14),
            passphrase_switch(t, passphrase, set_passphrase),
            kit.text_field(t("pin_screens.new"), new, password=True, numeric=not passphrase),
            kit.text_field(t("pin_screens.confirm"), confirmation, password=True,
                           numeric=not passphrase, error=problem, on_submit=save),
            kit.primary_button(save_label or t("settings.pin.save"), save, ft.Icons.PASSWORD),
        ],
        spacing=10, tight=True,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH if full_width else None,
    )


@ft.component
def NewRecoveryCode() -> ft.Control:
    """Make a new recovery code (the PIN first); it is shown here once."""
    services = use_services()
    t = services.t
    pin = kit.use_text()
    problem, set_problem = ft.use_state(None)
    shown_code, set_shown_code = ft.use_state(None)
    has_code, set_has_code = ft.use_state(services.account.has_recovery_code)
    passphrase, _ = use_pin_kind(services)

    def make() -> None:
        error = services.account.new_recovery_code(pin.current)
        pin.current = ""
        if error == WIPED_KEY:
            return  # everything was erased; the shell shows the welcome screen
        if error:
            set_problem(t(error))
            return
        code = services.account.take_recovery_code()
        set_problem(None if code else t("pin_screens.security.code_failed"))
        set_shown_code(code)

    def wrote_it_down() -> None:
        set_shown_code(None)
        set_has_code(True)

    if shown_code:
        return ft.Column(
            [section_title(t("pin_screens.code.title")),
             *recovery_code_explained(t, shown_code, replaced=has_code),
             kit.primary_button(t("pin_screens.code.done"), wrote_it_down, ft.Icons.CHECK)],
            spacing=10, tight=True,
        )
    return ft.Column(
        [
            section_title(t("pin_screens.security.code_title")),
            kit.body(t("pin_screens.security.code_have" if has_code
                       else "pin_screens.security.code_none")),
            kit.text_field(t("pin_screens.security.code_pin"), pin, password=True,
                           numeric=not passphrase, error=problem, on_submit=make),
            kit.secondary_button(t("pin_screens.security.code_make"), make, ft.Icons.KEY_OUTLINED),
        ],
        spacing=10, tight=True,
    )


@ft.component
def WipeChoice() -> ft.Control:
    """Off, or erase after 10, 15 or 20 wrong PINs: with what that costs, said plainly."""
    services = use_services()
    navigator = use_navigator()
    t = services.t
    chosen, set_chosen = ft.use_state(services.account.wipe_after)
    store = services.account.store
    family = services.role == "family"

    def choose(value: str) -> None:
        if services.account.store is None:
            navigator.lock()  # locked meanwhile: the choice needs the open store
            return
        count = None if value == WIPE_OFF else int(value)
        services.account.set_wipe_after(count)
        set_chosen(count)
        navigator.notify(t("pin_screens.wipe.saved_off") if count is None
                         else t("pin_screens.wipe.saved_on", count=count))

    unsent = store.unsynced_count() if store is not None and not family else 0
    question = t("pin_screens.wipe.question")
    return ft.Column(
        [
            section_title(question),
            kit.body(t("pin_screens.wipe.explain_family" if family
                       else "pin_screens.wipe.explain")),
            kit.body(t("pin_screens.wipe.family_loss" if family
                       else "pin_screens.wipe.unsent_loss")),
            *([kit.body(t("pin_screens.wipe.unsent_now", count=unsent))] if unsent else []),
            kit.choice_chips(t("pin_screens.wipe.choose"),
                             [(WIPE_OFF, t("pin_screens.wipe.off")),
                              *[(str(n), str(n)) for n in WIPE_CHOICES]],
                             WIPE_OFF if chosen is None else str(chosen), choose,
                             short_name=question),
        ],
        spacing=10, tight=True,
    )


@ft.component
def PinSecurityCard() -> ft.Control:
    services = use_services()
    t = services.t
    return kit.card(
        kit.subheading(t("pin_screens.security.title")),
        section_title(t("settings.pin.title")),
        ChangePinForm(),
        ft.Divider(),
        NewRecoveryCode(),
        ft.Divider(),
        WipeChoice(),
    )
