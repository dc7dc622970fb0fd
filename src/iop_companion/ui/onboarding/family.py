"""A family member joins with the invite the participant or clinic gave them: the invite
link, or the clinic's address and the invite code typed by hand; only the code when
the app knows its clinic."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.services.clinic_link import CodeOutcome, looks_like_link
from iop_companion.sync.protocol.enrolment_link import LinkKind
from iop_companion.ui import kit
from iop_companion.ui.context import use_services
from iop_companion.ui.onboarding.clinic import address_or_refusal, outcome_text, problem_field


@ft.component
def FamilyInviteScreen(joined: Callable[[], None]) -> ft.Control:
    services = use_services()
    t = services.t
    store = services.account.store
    knows_clinic = store is not None and services.clinic.clinic_url(store) is not None
    by_hand, set_by_hand = ft.use_state(False)
    link = kit.use_text()
    address = kit.use_text()
    code = kit.use_text()
    name = kit.use_text()
    problem, set_problem = ft.use_state(None)  # (field, text)
    busy, set_busy = ft.use_state(False)

    def attempt() -> CodeOutcome:
        assert store is not None
        clinic, family = services.clinic, services.family
        if not name.current.strip():
            return CodeOutcome(False, "family.error.empty_name")

        def join_with(invite_code: str) -> CodeOutcome:
            return family.join(store, invite_code, name.current)

        typed = link.current if not knows_clinic and not by_hand else code.current
        if knows_clinic and not looks_like_link(typed):
            if not typed.strip():
                return CodeOutcome(False, "family.error.empty_code")
            return clinic.connect(store, None, lambda: join_with(typed))
        if knows_clinic or not by_hand:
            return clinic.connect_with_link(store, typed, LinkKind.INVITE, join_with)
        typed_address = address_or_refusal(address.current)
        if isinstance(typed_address, CodeOutcome):
            return typed_address
        if not typed.strip():
            return CodeOutcome(False, "family.error.empty_code")
        return clinic.connect(store, typed_address, lambda: join_with(typed))

    def join() -> None:
        if store is None:
            return
        set_busy(True)
        set_problem(None)
        outcome = attempt()
        set_busy(False)
        if not outcome.ok:
            field = ("name" if outcome.message_key == "family.error.empty_name"
                     else problem_field(outcome.message_key))
            set_problem((field, outcome_text(t, outcome)))
            return
        joined()

    def switch(to_hand: bool) -> None:
        set_problem(None)
        set_by_hand(to_hand)

    def error_for(field: str) -> str | None:
        return problem[1] if problem and problem[0] == field else None

    name_field = kit.text_field(t("family.your_name"), name, max_length=80,
                                error=error_for("name"), autofocus=True)
    if knows_clinic:
        fields = [
            kit.body(t("family.intro")),
            name_field,
            kit.text_field(t("family.code"), code, helper=t("family.code_or_link_help"),
                           error=error_for("code") or error_for("address"), on_submit=join),
        ]
    elif by_hand:
        fields = [
            kit.body(t("family.hand.intro")),
            name_field,
            kit.text_field(t("connect.hand.address"), address,
                           helper=t("connect.hand.address_help"), error=error_for("address")),
            kit.text_field(t("family.code"), code, max_length=20, helper=t("connect.code_help"),
                           error=error_for("code"), on_submit=join),
        ]
    else:
        fields = [
            kit.body(t("family.link.intro")),
            name_field,
            kit.text_field(t("family.link.field"), link, helper=t("family.link.help"),
                           error=error_for("code") or error_for("address"), on_submit=join),
        ]
    switch_mode = [] if knows_clinic else [
        kit.text_button(t("connect.by_link"), lambda: switch(False), ft.Icons.LINK) if by_hand
        else kit.text_button(t("connect.by_hand"), lambda: switch(True), ft.Icons.KEYBOARD)
    ]
    return kit.screen(
        kit.heading(t("family.title")),
        *fields,
        kit.primary_button(t("family.submit"), join, ft.Icons.LINK, disabled=busy),
        ft.ProgressRing(visible=busy, semantics_label=t("connect.working")),
        *switch_mode,
        kit.body(t("family.what_you_see"), muted=True, size=13),
    )
