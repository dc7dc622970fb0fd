"""Get help now: crisis lines and the safety plan, reachable from every screen, offline."""

from __future__ import annotations

import flet as ft

from iop_companion.domain.safety import SafetyTrigger
from iop_companion.domain.safety_plan import plan_problems, plan_record
from iop_companion.platform.links import tel_uri
from iop_companion.services.care_status import care_status
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.safety_plan_sharing import save_safety_plan
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.aftercare.view import clinic_contact_lines
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.people.view import plan_line
from iop_companion.ui.recovery.sharing import share_card
from iop_companion.ui.safety.crisis import (
    STEP_LABEL_KEYS,
    crisis_contact_cards,
    start_safety_flow,
)
from iop_companion.ui.safety.flow import plan_section as crisis_plan_section
from iop_companion.ui.safety.flow import support_request_status

SAFETY_PLAN_STEPS = tuple(STEP_LABEL_KEYS.items())


@ft.component
def HelpScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    contacts = services.crisis_contacts()
    unlocked = services.account.is_unlocked
    cards = crisis_contact_cards(services, contacts)
    plan_section: list[ft.Control] = []
    if unlocked and services.role == "family":
        plan_section.append(kit.body(t("help.family_note"), muted=True))
    elif unlocked:
        store = services.account.store
        care = care_status(store, services.clock()) if store is not None else None
        if care is not None and care.discharged:
            # The clinic no longer gets anything from this app: never pretend to send.
            plan_section.append(kit.card(
                kit.subheading(t("ended.help.title")),
                *clinic_contact_lines(services, "ended.help.body"),
            ))
        elif store is not None and care is not None and care.enrolled:
            # Looking at this screen sends nothing; only this button tells the clinic.
            asked = support_request_status(services, store, services.clock())
            plan_section.append(kit.card(
                kit.subheading(t("help.tell_clinic.title")),
                kit.body(t("help.tell_clinic.explain")),
                *([ft.Semantics(live_region=True, content=kit.body(asked))] if asked else []),
                kit.secondary_button(
                    t("help.tell_clinic.button"),
                    lambda: start_safety_flow(services, navigator,
                                              SafetyTrigger.PARTICIPANT_REQUEST),
                    ft.Icons.CAMPAIGN_OUTLINED),
            ))
        plan_section.append(kit.card(
            kit.subheading(t("help.safety_plan.title")),
            kit.body(t("help.safety_plan.explain")),
            kit.primary_button(t("help.safety_plan.open"), lambda: navigator.open("safety_plan"),
                               ft.Icons.SHIELD_OUTLINED),
        ))
    else:
        # Locked: the plan shows only if the participant chose to show it here (or has
        # just called for help from this screen: the grace period).
        card = services.locked_help.card(in_grace=services.account.in_crisis_grace)
        shown = crisis_plan_section(services, card.plan, card, navigator=None) if card else []
        plan_section += shown or [kit.body(t("help.locked_note"), muted=True)]
    referral = services.crisis_resources.referral
    referral_section = []
    if referral is not None and referral.call:
        referral_section.append(kit.card(
            kit.subheading(t(referral.title_key)),
            kit.body(t(referral.detail_key)),
            kit.link_button(t("help.call", number=referral.call), tel_uri(referral.call),
                            ft.Icons.CALL),
        ))
    return kit.screen(
        kit.heading(t("help.title")),
        kit.body(t("help.intro")),
        *cards,
        *plan_section,
        *referral_section,
        kit.body(t("help.not_monitored"), muted=True, size=13),
    )


@ft.component
def SafetyPlanScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    plan = store.safety_plan.get() if store is not None else None
    edit = kit.secondary_button(t("safety.edit.open"), lambda: navigator.open("safety_plan_edit"),
                                ft.Icons.EDIT_OUTLINED)
    if not plan or not any(plan.get(step) for step, _ in SAFETY_PLAN_STEPS):
        return kit.screen(
            kit.heading(t("safety.title")),
            kit.empty_state(ft.Icons.SHIELD_OUTLINED, t("safety.empty.title"),
                            t("safety.empty.body"), edit),
            kit.body(t("safety.about"), muted=True, size=13),
        )
    sections: list[ft.Control] = []
    for number, (key, label_key) in enumerate(SAFETY_PLAN_STEPS, start=1):
        items = plan.get(key) or []
        sections.append(kit.card(
            kit.subheading(t("safety.step_heading", number=number, title=t(label_key))),
            *([plan_line(services, item) for item in items]
              or [kit.body(t("safety.step_empty"), muted=True)]),
        ))
    if plan.get("most_important"):
        sections.append(kit.card(kit.subheading(t("safety.most_important")),
                                 kit.body(plan["most_important"]), tone="primary"))
    assert store is not None  # a plan was read from it above
    # After discharge nothing is shared any more, whatever was chosen: say so instead.
    sharing = (kit.card(kit.subheading(t("ended.title")), kit.body(t("ended.safety_plan")))
               if care_status(store, services.clock()).discharged
               else share_card(services, navigator, store))
    return kit.screen(kit.heading(t("safety.title")), *sections, edit, sharing)


PLAN_DRAFT = "safety_plan"


def _starting_texts(services: AppServices, store: Store | None) -> dict[str, str]:
    """What the editor opens with: a draft kept at a lock, else the saved plan, else a
    first plan that already lists the crisis lines as professionals to contact."""
    fields = [step for step, _ in SAFETY_PLAN_STEPS] + ["most_important"]
    draft = services.drafts.resume(PLAN_DRAFT)
    if isinstance(draft, dict):
        return {name: str(draft.get(name) or "") for name in fields}
    saved = (store.safety_plan.get() if store is not None else None) or {}
    texts = {step: "\n".join(saved.get(step) or []) for step, _ in SAFETY_PLAN_STEPS}
    texts["most_important"] = str(saved.get("most_important") or "")
    if not saved:
        texts["professionals"] = "\n".join(
            f"{services.t(c.title_key, **c.title_values)}: {c.call}"
            for c in services.crisis_contacts() if c.call)
    return texts


@ft.component
def SafetyPlanEditScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    starting = ft.use_memo(lambda: _starting_texts(services, store), [])
    texts = {step: kit.use_text(starting[step]) for step, _ in SAFETY_PLAN_STEPS}
    most_important = kit.use_text(starting["most_important"])
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)

    def typed_now() -> dict[str, str]:
        return {**{step: ref.current for step, ref in texts.items()},
                "most_important": most_important.current}

    def keep_draft() -> None:
        # Written encrypted just before any lock; read back when the editor reopens.
        services.drafts.keep(PLAN_DRAFT, typed_now)

    # The cleanup goes in `cleanup=`: Flet 1.0.5 replaces a cleanup returned by the
    # effect with this argument on every later render.
    ft.use_effect(keep_draft, [], cleanup=lambda: services.drafts.stop_keeping(PLAN_DRAFT))

    def cancel() -> None:
        services.drafts.finish(PLAN_DRAFT)
        navigator.back()

    def save() -> None:
        typed = {step: ref.current for step, ref in texts.items()}
        found = plan_problems(typed, most_important.current)
        set_problems(found)
        if found or store is None:
            set_save_error(t("checkin.error.fix_above") if found else None)
            return
        try:
            # While sharing is on, the edit also goes to the clinic as a new version.
            save_safety_plan(store, plan_record(typed, most_important.current),
                             services.clock())
        except SaveFailed as error:
            set_save_error(t("safety.edit.error.save_failed", reason=str(error)))
            return
        services.drafts.finish(PLAN_DRAFT)
        navigator.notify(t("safety.edit.saved"))
        navigator.data_changed()
        navigator.back()
        navigator.sync_soon()

    fields: list[ft.Control] = []
    for number, (step, label_key) in enumerate(SAFETY_PLAN_STEPS, start=1):
        key = problems.get(step)
        fields.append(kit.text_field(
            t("safety.step_heading", number=number, title=t(label_key)), texts[step],
            multiline=True, helper=t(f"safety.edit.hint.{step}"),
            error=t(key) if key else None))
    important_key = problems.get("most_important")
    fields.append(kit.text_field(t("safety.most_important"), most_important, multiline=True,
                                 error=t(important_key) if important_key else None))
    return kit.screen(
        kit.heading(t("safety.edit.title")),
        kit.body(t("safety.edit.intro"), muted=True),
        *fields,
        kit.message(save_error),
        ft.Row([kit.primary_button(t("safety.edit.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), cancel)], wrap=True),
    )
