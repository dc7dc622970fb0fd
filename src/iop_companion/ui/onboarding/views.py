"""First run: who is this app for, a PIN that locks it, and the link to the clinic."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.services.aftercare import share_aftercare_plan_on_connecting
from iop_companion.services.goals import share_goals_on_connecting
from iop_companion.services.recovery import share_plan_on_connecting
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services


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


@ft.component
def SetPinScreen(done: Callable[[], None]) -> ft.Control:
    services = use_services()
    t = services.t
    pin = kit.use_text()
    confirmation = kit.use_text()
    problem, set_problem = ft.use_state(None)
    busy, set_busy = ft.use_state(False)

    def save() -> None:
        set_busy(True)
        error = services.account.create(pin.current, confirmation.current)
        set_busy(False)
        if error:
            set_problem(error)
            return
        done()

    return kit.screen(
        kit.heading(t("pin.create.title")),
        kit.body(t("pin.create.intro")),
        kit.text_field(t("pin.new"), pin, password=True, numeric=True,
                       helper=t("pin.rules"), autofocus=True),
        kit.text_field(t("pin.confirm"), confirmation, password=True,
                       numeric=True, error=t(problem) if problem else None, on_submit=save),
        kit.primary_button(t("pin.create.save"), save, ft.Icons.LOCK_OUTLINE, disabled=busy),
        ft.ProgressRing(visible=busy, semantics_label=t("pin.create.working")),
        kit.body(t("pin.create.forgot"), muted=True, size=13),
    )


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
