"""A family member joins with the invite the participant or clinic gave them."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services


@ft.component
def FamilyInviteScreen(joined: Callable[[], None]) -> ft.Control:
    services = use_services()
    t = services.t
    code = kit.use_text()
    name = kit.use_text()
    problem, set_problem = ft.use_state(None)
    busy, set_busy = ft.use_state(False)

    def join() -> None:
        store = services.account.store
        if store is None:
            return
        set_busy(True)
        outcome = services.family.join(store, code.current, name.current)
        set_busy(False)
        if not outcome.ok:
            text = t(outcome.message_key or "connect.error.other")
            set_problem(f"{text} {outcome.detail}" if outcome.detail else text)
            return
        joined()

    return kit.screen(
        kit.heading(t("family.title")),
        kit.body(t("family.intro")),
        kit.text_field(t("family.your_name"), name, max_length=80),
        kit.text_field(t("family.code"), code, max_length=20, error=problem,
                       helper=t("connect.code_help"), on_submit=join),
        kit.primary_button(t("family.submit"), join, ft.Icons.LINK, disabled=busy),
        ft.ProgressRing(visible=busy, semantics_label=t("connect.working")),
        kit.body(t("family.what_you_see"), muted=True, size=13),
    )
