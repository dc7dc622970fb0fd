"""Practice: guided mindfulness and coping exercises."""

from __future__ import annotations

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services


@ft.component
def PracticeScreen() -> ft.Control:
    t = use_services().t
    return kit.screen(
        kit.heading(t("practice.title")),
        kit.body(t("practice.intro")),
        kit.empty_state(ft.Icons.SELF_IMPROVEMENT, t("practice.empty.title"),
                        t("practice.empty.body")),
    )
