"""First run: who is this app for."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services


@ft.component
def WelcomeScreen(choose: Callable[[str], None]) -> ft.Control:
    services = use_services()
    t = services.t
    return kit.screen(
        ft.Icon(ft.Icons.SPA_OUTLINED, size=56, color=ft.Colors.PRIMARY),
        kit.heading(t("welcome.title"), size=26),
        kit.body(t("welcome.intro")),
        kit.primary_button(t("welcome.participant"), lambda: choose("participant"),
                           ft.Icons.PERSON_OUTLINE, expand=True),
        kit.secondary_button(t("welcome.family"), lambda: choose("family"),
                             ft.Icons.FAMILY_RESTROOM, expand=True),
        kit.body(t("welcome.privacy"), muted=True, size=13),
    )
