"""Settings: whether "Get help now" on the lock screen shows the safety plan and the
clinic's crisis line. Off by default: it shows anyone holding the phone that the
person is in a program, so it is their choice, said plainly."""

from __future__ import annotations

import flet as ft

from iop_companion.services.errors import SaveFailed
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services


@ft.component
def LockScreenHelpCard() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    on, set_on = ft.use_state(services.locked_help.shows_on_lock_screen)
    problem, set_problem = ft.use_state(None)

    def choose(value: str) -> None:
        store = services.account.store
        if store is None:
            navigator.lock()
            return
        wanted = value == "on"
        try:
            services.locked_help.show_on_lock_screen(store, wanted)
        except SaveFailed as error:
            set_problem(str(error))
            return
        set_problem(None)
        set_on(wanted)
        navigator.notify(t("settings.lock_help.saved_on" if wanted else "settings.lock_help.saved_off"))

    return kit.card(
        kit.subheading(t("settings.lock_help.title")),
        kit.body(t("settings.lock_help.explain")),
        kit.choice_chips(t("settings.lock_help.question"),
                         [("on", t("settings.lock_help.on")), ("off", t("settings.lock_help.off"))],
                         "on" if on else "off", choose,
                         short_name=t("settings.lock_help.short")),
        kit.message(problem),
    )
