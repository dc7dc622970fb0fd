"""After unlocking with a PIN the current rules refuse (an older, shorter one): ask,
once per unlock, for a stronger PIN. The person may choose "Not now"."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services
from iop_companion.ui.settings.pin_security import ChangePinForm


@ft.component
def UpgradePinScreen(done: Callable[[], None]) -> ft.Control:
    services = use_services()
    t = services.t
    return kit.screen(
        ft.Icon(ft.Icons.SHIELD_OUTLINED, size=48, color=ft.Colors.PRIMARY),
        kit.heading(t("pin_screens.upgrade.title")),
        kit.body(t("pin_screens.upgrade.why")),
        ChangePinForm(changed=done, save_label=t("pin_screens.upgrade.save"), full_width=True),
        kit.secondary_button(t("pin_screens.upgrade.later"), done, ft.Icons.SCHEDULE),
        kit.body(t("pin_screens.upgrade.later_note"), muted=True, size=13),
    )
