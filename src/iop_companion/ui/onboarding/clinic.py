"""Connecting the app to the clinic with an enrolment code."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.services.aftercare import share_aftercare_plan_on_connecting
from iop_companion.services.goals import share_goals_on_connecting
from iop_companion.services.recovery import share_plan_on_connecting
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services


@ft.component
def ConnectClinicScreen(finish: Callable[[], None], *, first_run: bool) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    code = kit.use_text()
    problem, set_problem = ft.use_state(None)
    busy, set_busy = ft.use_state(False)
    store = services.account.store

    def connect() -> None:
        if store is None:
            return
        set_busy(True)
        set_problem(None)
        outcome = services.clinic.enrol(store, code.current)
        set_busy(False)
        if not outcome.ok:
            text = t(outcome.message_key or "connect.error.other")
            set_problem(f"{text} {outcome.detail}" if outcome.detail else text)
            return
        share_plan_on_connecting(store, services.clock())
        share_aftercare_plan_on_connecting(store, services.clock())
        share_goals_on_connecting(store, services.clock())
        navigator.sync_soon()
        profile = services.clinic.profile(store) or {}
        navigator.notify(t("connect.done", clinic=profile.get("name", "")))
        navigator.data_changed()
        finish()

    skip = [kit.text_button(t("connect.skip"), finish)] if first_run else []
    return kit.screen(
        kit.heading(t("connect.title")),
        kit.body(t("connect.intro")),
        kit.text_field(t("connect.code"), code, max_length=20,
                       helper=t("connect.code_help"), error=problem, on_submit=connect,
                       autofocus=True),
        kit.primary_button(t("connect.submit"), connect, ft.Icons.LINK, disabled=busy),
        ft.ProgressRing(visible=busy, semantics_label=t("connect.working")),
        *skip,
        kit.body(t("connect.privacy"), muted=True, size=13),
    )
