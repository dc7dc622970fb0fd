"""The one safety component: every form that can start the safety flow uses it.

* `start_safety_flow` raises the flag (never waits on or fails with the write) and
  opens the safety screen on top of the form, whose draft stays underneath.
* `crisis_contact_cards` shows 988, 911 and the clinic's line from the crisis data
  (`assets/crisis/`, the clinic profile): never numbers written into a screen. Tapping
  call or text starts the crisis grace period, so coming back from the call opens the
  safety screen without the PIN.
* `safety_plan_steps` shows the participant's own plan, step by step, from local data.
* `CrisisHelpCard` is the inline version for a form: all of the above, compact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flet as ft

from iop_companion.domain.crisis import CrisisContact, web_link
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.domain.safety_plan import SAFETY_PLAN_STEPS
from iop_companion.platform.links import sms_uri, tel_uri
from iop_companion.services.container import AppServices
from iop_companion.services.safety import SafetyFlagOutcome
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services

SAFETY_PAGE = "safety_flow"
# Each step of the plan (domain/safety_plan.py) and the words a person reads for it.
STEP_LABEL_KEYS: dict[str, str] = {
    "warning_signs": "safety.step.warning_signs",
    "coping_strategies": "safety.step.coping",
    "distractions": "safety.step.distractions",
    "people_to_ask": "safety.step.people",
    "professionals": "safety.step.professionals",
    "safe_environment": "safety.step.environment",
}


def start_safety_flow(services: AppServices, navigator: Navigator,
                      trigger: SafetyTrigger, *, replace: bool = False) -> SafetyFlagOutcome:
    """Queue the flag, then show help at once. The screen opens whatever the write did
    (it says plainly if the flag could not be saved) and never waits on the clinic."""
    outcome = services.safety.raise_flag(trigger)
    if replace:
        navigator.replace(SAFETY_PAGE)
    else:
        navigator.open(SAFETY_PAGE)
    navigator.sync_soon()
    return outcome


def reach_out_button(services: AppServices, label: str, url: str, icon: ft.IconData, *,
                     filled: bool = False) -> ft.Control:
    """A call, text or chat button that also opens the crisis grace period (for the
    participant: a family member's app has no safety screen of theirs to come back to)."""
    grace = services.account.begin_crisis_grace if services.role != "family" else None
    return kit.link_button(label, url, icon, filled=filled, on_click=grace)


def contact_card(services: AppServices, contact: CrisisContact, *, first: bool,
                 compact: bool = False) -> ft.Control:
    t = services.t
    actions: list[ft.Control] = []
    if contact.call:
        actions.append(reach_out_button(services, t("help.call", number=contact.call),
                                        tel_uri(contact.call), ft.Icons.CALL, filled=first))
    if contact.text:
        actions.append(reach_out_button(services, t("help.text", number=contact.text),
                                        sms_uri(contact.text), ft.Icons.SMS))
    web = web_link(contact, services.translator.locale)
    if web:
        actions.append(reach_out_button(services, t("help.chat"), web, ft.Icons.CHAT))
    row = ft.Row(actions, wrap=True, spacing=8, run_spacing=8)
    title = t(contact.title_key, **contact.title_values)
    if compact:
        return ft.Column([kit.body(title), row], spacing=4, tight=True)
    return kit.card(kit.subheading(title), kit.body(t(contact.detail_key)), row,
                    tone="help" if first else "surface")


def crisis_contact_cards(services: AppServices,
                         contacts: list[CrisisContact] | None = None) -> list[ft.Control]:
    """988 first, then 911, then the clinic's own line: all from data."""
    found = contacts if contacts is not None else services.crisis_contacts()
    return [contact_card(services, c, first=(i == 0)) for i, c in enumerate(found)]


def plan_has_steps(plan: Mapping[str, Any] | None) -> bool:
    return bool(plan) and (any(plan.get(step) for step in SAFETY_PLAN_STEPS)  # type: ignore[union-attr]
                           or bool(plan.get("most_important")))  # type: ignore[union-attr]


def safety_plan_steps(services: AppServices, plan: Mapping[str, Any] | None, *,
                      line: Callable[[str], ft.Control] | None = None,
                      extra: Mapping[str, list[ft.Control]] | None = None) -> list[ft.Control]:
    """The plan's six steps and what matters most, as cards; steps left empty are
    left out here (the plan screen itself shows them for filling in). `extra` adds
    controls under a step (e.g. My people with call and text under step 4)."""
    t = services.t
    show = line or (lambda item: kit.body(f"• {item}"))
    cards: list[ft.Control] = []
    plan = plan or {}
    if plan.get("most_important"):
        cards.append(kit.card(kit.subheading(t("safety.most_important")),
                              kit.body(str(plan["most_important"])), tone="primary"))
    for number, step in enumerate(SAFETY_PLAN_STEPS, start=1):
        items = [str(item) for item in plan.get(step) or []]
        added = list((extra or {}).get(step) or [])
        if items or added:
            cards.append(kit.card(
                kit.subheading(t("safety.step_heading", number=number,
                                 title=t(STEP_LABEL_KEYS[step]))),
                *[show(item) for item in items], *added))
    return cards


@ft.component
def CrisisHelpCard() -> ft.Control:
    """Inline help inside a form, the moment a safety answer is chosen: every crisis
    line, then the person's own plan (or a way to open it), all offline."""
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    plan = store.safety_plan.get() if store is not None else None
    parts: list[ft.Control] = [kit.subheading(t("crisis_card.title")),
                               kit.body(t("crisis_card.intro"))]
    parts += [contact_card(services, c, first=(i == 0), compact=True)
              for i, c in enumerate(services.crisis_contacts())]
    if plan_has_steps(plan):
        parts.append(kit.subheading(t("help.safety_plan.title")))
        for number, step in enumerate(SAFETY_PLAN_STEPS, start=1):
            items = [str(item) for item in (plan or {}).get(step) or []]
            if items:
                parts.append(kit.body(t("crisis_card.step", number=number,
                                        title=t(STEP_LABEL_KEYS[step]),
                                        items=", ".join(items))))
    parts.append(kit.secondary_button(t("help.safety_plan.open"),
                                      lambda: navigator.open("safety_plan"),
                                      ft.Icons.SHIELD_OUTLINED))
    return kit.card(*parts, tone="help")
