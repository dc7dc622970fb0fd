"""The safety flow: one screen, whatever started it (a check-in answer, a PHQ-9 item 9
answer, or the person asking for support). Crisis lines first, then the safety plan,
and an honest word about when the clinic will see the flag."""

from __future__ import annotations

import flet as ft

from iop_companion.services.care_status import care_status
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.help.view import contact_card


@ft.component
def SafetyFlowScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    care = care_status(store, services.clock()) if store is not None else None
    profile = (services.clinic.profile(store) if store is not None else None) or {}
    contacts = services.crisis_contacts()
    # Honest about who was told: after discharge the app told no one (services/safety.py).
    if care is not None and care.clinic_receives_data:
        notice = t("safety_flow.clinic_told", clinic=profile.get("name", ""))
    elif care is not None and care.discharged:
        notice = t("safety_flow.discharged", clinic=profile.get("name", ""))
    else:
        notice = t("safety_flow.no_clinic")
    return kit.screen(
        kit.heading(t("safety_flow.title")),
        kit.body(t("safety_flow.intro")),
        *[contact_card(services, c, first=(i == 0)) for i, c in enumerate(contacts)],
        kit.card(
            kit.subheading(t("help.safety_plan.title")),
            kit.body(t("help.safety_plan.explain")),
            kit.primary_button(t("help.safety_plan.open"), lambda: navigator.open("safety_plan"),
                               ft.Icons.SHIELD_OUTLINED),
        ),
        ft.Semantics(live_region=True, content=kit.body(notice, muted=True)),
    )
