"""Connecting the app to the clinic: with the clinic's enrolment link, or its address
and an enrolment code typed by hand; only the code when the app knows its clinic."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.services.aftercare import share_aftercare_plan_on_connecting
from iop_companion.services.clinic_link import CodeOutcome, looks_like_link
from iop_companion.services.goals import share_goals_on_connecting
from iop_companion.services.recovery import share_plan_on_connecting
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services

# Which field a refusal belongs beside: "address" for what is wrong with the clinic's
# address, "code" (the code, or the link that carries it) for the rest.
ADDRESS_PROBLEM_KEYS = frozenset({
    "connect.error.address_unreachable", "connect.error.not_a_clinic",
    "connect.error.other_clinic",
})


def problem_field(message_key: str | None) -> str:
    key = message_key or ""
    if key.startswith("connect.address.") or key in ADDRESS_PROBLEM_KEYS:
        return "address"
    return "code"


def outcome_text(t: Callable[..., str], outcome: CodeOutcome) -> str:
    text = t(outcome.message_key or "connect.error.other")
    return f"{text} {outcome.detail}" if outcome.detail else text


def address_or_refusal(address: str) -> str | CodeOutcome:
    """The typed clinic address, or the refusal when nothing was typed."""
    return address if address.strip() else CodeOutcome(False, "connect.address.empty")


@ft.component
def ConnectClinicScreen(finish: Callable[[], None], *, first_run: bool) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    # A clinic given at start (or kept from an earlier connection): only its code is
    # asked. Otherwise the clinic's link, or its address and the code by hand.
    knows_clinic = store is not None and services.clinic.clinic_url(store) is not None
    by_hand, set_by_hand = ft.use_state(False)
    link = kit.use_text()
    address = kit.use_text()
    code = kit.use_text()
    problem, set_problem = ft.use_state(None)  # (field, text)
    busy, set_busy = ft.use_state(False)

    def attempt() -> CodeOutcome:
        assert store is not None
        clinic = services.clinic
        if knows_clinic:
            typed = code.current
            return (clinic.enrol_with_link(store, typed) if looks_like_link(typed)
                    else clinic.enrol_at(store, None, typed))
        if not by_hand:
            return clinic.enrol_with_link(store, link.current)
        typed_address = address_or_refusal(address.current)
        if isinstance(typed_address, CodeOutcome):
            return typed_address
        return clinic.enrol_at(store, typed_address, code.current)

    def connect() -> None:
        if store is None:
            return
        set_busy(True)
        set_problem(None)
        outcome = attempt()
        set_busy(False)
        if not outcome.ok:
            set_problem((problem_field(outcome.message_key), outcome_text(t, outcome)))
            return
        share_plan_on_connecting(store, services.clock())
        share_aftercare_plan_on_connecting(store, services.clock())
        share_goals_on_connecting(store, services.clock())
        navigator.sync_soon()
        profile = services.clinic.profile(store) or {}
        navigator.notify(t("connect.done", clinic=profile.get("name", "")))
        navigator.data_changed()
        finish()

    def switch(to_hand: bool) -> None:
        set_problem(None)
        set_by_hand(to_hand)

    def error_for(field: str) -> str | None:
        return problem[1] if problem and problem[0] == field else None

    link_errors = error_for("code") or error_for("address")
    if knows_clinic:
        fields = [
            kit.body(t("connect.intro")),
            kit.text_field(t("connect.code"), code, helper=t("connect.code_or_link_help"),
                           error=link_errors, on_submit=connect, autofocus=True),
        ]
    elif by_hand:
        fields = [
            kit.body(t("connect.hand.intro")),
            kit.text_field(t("connect.hand.address"), address,
                           helper=t("connect.hand.address_help"), error=error_for("address"),
                           autofocus=True),
            kit.text_field(t("connect.code"), code, max_length=20, helper=t("connect.code_help"),
                           error=error_for("code"), on_submit=connect),
        ]
    else:
        fields = [
            kit.body(t("connect.link.intro")),
            kit.text_field(t("connect.link.field"), link, helper=t("connect.link.help"),
                           error=link_errors, on_submit=connect, autofocus=True),
        ]
    switch_mode = [] if knows_clinic else [
        kit.text_button(t("connect.by_link"), lambda: switch(False), ft.Icons.LINK) if by_hand
        else kit.text_button(t("connect.by_hand"), lambda: switch(True), ft.Icons.KEYBOARD)
    ]
    skip = [kit.text_button(t("connect.skip"), finish)] if first_run else []
    return kit.screen(
        kit.heading(t("connect.title")),
        *fields,
        kit.primary_button(t("connect.submit"), connect, ft.Icons.LINK, disabled=busy),
        ft.ProgressRing(visible=busy, semantics_label=t("connect.working")),
        *switch_mode,
        *skip,
        kit.body(t("connect.privacy"), muted=True, size=13),
    )
