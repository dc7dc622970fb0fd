"""Learn: the psychoeducation modules the clinic publishes for this participant."""

from __future__ import annotations

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services


@ft.component
def LearnScreen() -> ft.Control:
    t = use_services().t
    return kit.screen(
        kit.heading(t("learn.title")),
        kit.body(t("learn.intro")),
        kit.empty_state(ft.Icons.MENU_BOOK_OUTLINED, t("learn.empty.title"),
                        t("learn.empty.body")),
    )
