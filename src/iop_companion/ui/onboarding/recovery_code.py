"""The recovery code, shown once: at set-up, after "Forgot PIN?", and from Settings.

The code is the person's only way back in without their PIN, and the app keeps no
readable copy: it is shown large and grouped so it is easy to copy onto paper, with
plain words about why and where to keep it.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services

GROUP_SIZE = 4
SEPARATORS = (" ", "-")


def code_groups(code: str) -> list[str]:
    """The code in short groups, easier to copy by hand than one long string."""
    plain = "".join(ch for ch in code if ch not in SEPARATORS)
    return [plain[i:i + GROUP_SIZE] for i in range(0, len(plain), GROUP_SIZE)]


def recovery_code_panel(t: Callable[..., str], code: str) -> ft.Control:
    """The code itself, large, in groups; a screen reader hears it group by group."""
    groups = code_groups(code)
    spoken = " - ".join(groups)
    return ft.Semantics(
        container=True,
        exclude_semantics=True,
        label=t("pin_screens.code.spoken", code=spoken),
        content=ft.Container(
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
            border_radius=16,
            padding=ft.Padding.symmetric(horizontal=16, vertical=20),
            content=ft.Row(
                [ft.Text(group, size=30, weight=ft.FontWeight.W_600, font_family="monospace",
                         no_wrap=True)
                 for group in groups],
                wrap=True, spacing=18, run_spacing=10,
                alignment=ft.MainAxisAlignment.CENTER,
            ),
        ),
    )


def recovery_code_explained(t: Callable[..., str], code: str, *,
                            replaced: bool = False) -> list[ft.Control]:
    """The code with the words that go with it (what it is for, where to keep it)."""
    return [
        kit.body(t("pin_screens.code.write_down")),
        recovery_code_panel(t, code),
        kit.body(t("pin_screens.code.what_for")),
        kit.body(t("pin_screens.code.keep_safe")),
        *([kit.body(t("pin_screens.code.old_stops"))] if replaced else []),
        kit.body(t("pin_screens.code.once"), muted=True, size=13),
    ]


@ft.component
def RecoveryCodeScreen(code: str, done: Callable[[], None], replaced: bool = False
                       ) -> ft.Control:
    """Full-screen: the new code, then "I wrote it down" to go on."""
    services = use_services()
    t = services.t
    return kit.screen(
        ft.Icon(ft.Icons.KEY_OUTLINED, size=48, color=ft.Colors.PRIMARY),
        kit.heading(t("pin_screens.code.title")),
        *recovery_code_explained(t, code, replaced=replaced),
        kit.primary_button(t("pin_screens.code.done"), done, ft.Icons.CHECK),
    )
