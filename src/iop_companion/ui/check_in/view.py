"""The daily check-in: under a minute, saved on the phone first."""

from __future__ import annotations

from dataclasses import replace

import flet as ft

from iop_companion.domain.check_in import (
    MEDICATION_ANSWERS,
    SLEEP_QUALITIES,
    CheckInDraft,
    add_typed_chip,
    check_in_problems,
    toggle_chip,
)
from iop_companion.domain.safety import SafetyTrigger, safety_trigger_for_check_in
from iop_companion.platform.links import sms_uri, tel_uri
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.container import AppServices
from iop_companion.services.recovery import plan_choices
from iop_companion.services.safety import raise_safety_flag
from iop_companion.store import StoreError
from iop_companion.ui import kit
from iop_companion.ui.context import use_care_wording, use_navigator, use_services
from iop_companion.ui.recovery.check_in_section import CHIP_GROUPS, plan_check_in_section

UNSAVED_KEY = "check_in"


def _resumed_draft(services: AppServices) -> CheckInDraft:
    kept = services.unsaved_forms.pop(UNSAVED_KEY, None)
    return kept if isinstance(kept, CheckInDraft) else CheckInDraft()


@ft.component
def CheckInScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    draft, set_draft = ft.use_state(lambda: _resumed_draft(services))
    sleep_hours = kit.use_text(draft.sleep_hours)
    substance, note = kit.use_text(draft.substance), kit.use_text(draft.note)
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    # The optional part from my relapse-prevention plan: one "add" field per chip group.
    typed_chips = {field_name: kit.use_text() for field_name, _, _ in CHIP_GROUPS}
    chip_field_round, set_chip_field_round = ft.use_state(0)
    store_now = services.account.store
    choices = ft.use_memo(lambda: plan_choices(store_now) if store_now is not None else None, [])

    def toggle(field_name: str, item: str) -> None:
        update(**{field_name: toggle_chip(getattr(draft, field_name), item)})

    def add_typed(field_name: str) -> None:
        added = add_typed_chip(getattr(draft, field_name), typed_chips[field_name].current)
        typed_chips[field_name].current = ""
        set_chip_field_round(lambda n: n + 1)  # draws the emptied field afresh
        update(**{field_name: added})

    def build_plan() -> None:
        # The plan editor opens on top; coming back finds every answer as it was.
        services.unsaved_forms[UNSAVED_KEY] = with_typed_text(draft)
        navigator.open("relapse_plan_edit")

    def with_typed_text(answers: CheckInDraft) -> CheckInDraft:
        """The answers plus what the text fields hold right now (kept outside state)."""
        return replace(answers, sleep_hours=sleep_hours.current, substance=substance.current,
                       note=note.current)

    def update(**changes: object) -> None:
        changed = replace(draft, **changes)
        set_draft(changed)
        if problems:
            # After a first try at saving, answered questions lose their warning at once.
            set_problems(check_in_problems(with_typed_text(changed)))

    def problem(field: str) -> str | None:
        key = problems.get(field)
        return t(key) if key else None

    def save() -> None:
        typed = with_typed_text(draft)
        set_draft(typed)
        found = check_in_problems(typed)
        set_problems(found)
        if found:
            set_save_error(t("checkin.error.fix_above"))
            return
        set_save_error(None)
        store = services.account.store
        if store is None:
            navigator.lock()
            return
        try:
            save_check_in(store, typed)
        except StoreError as error:
            # The draft stays on screen: nothing typed is lost.
            set_save_error(t("checkin.error.save_failed", reason=str(error)))
            return
        trigger = safety_trigger_for_check_in(typed.thoughts_of_self_harm)
        if trigger is SafetyTrigger.CHECK_IN_SELF_HARM:
            # Help comes first: the crisis screen replaces the form at once.
            raise_safety_flag(store, trigger, services.clock())
            navigator.data_changed()
            navigator.replace("safety_flow")
            navigator.sync_soon()
            return
        navigator.notify(t("checkin.saved"))
        navigator.data_changed()
        if typed.used_since_last:
            # Offer the guided look back (it has a "Not now"); no streak talk anywhere.
            navigator.replace("lapse_review")
        else:
            navigator.back()
        navigator.sync_soon()

    yes_no = [("yes", t("common.yes")), ("no", t("common.no"))]
    used_value = None if draft.used_since_last is None else ("yes" if draft.used_since_last else "no")
    harm_value = (None if draft.thoughts_of_self_harm is None
                  else ("yes" if draft.thoughts_of_self_harm else "no"))
    controls: list[ft.Control] = [
        kit.heading(t("checkin.title")),
        kit.body(use_care_wording("checkin.intro"), muted=True),
        kit.scale_picker(t("checkin.mood"), draft.mood, lambda v: update(mood=v),
                            low_text=t("checkin.mood.low"), high_text=t("checkin.mood.high")),
        kit.scale_picker(t("checkin.craving"), draft.craving, lambda v: update(craving=v),
                            low_text=t("checkin.craving.low"),
                            high_text=t("checkin.craving.high")),
        kit.text_field(t("checkin.sleep_hours"), sleep_hours, numeric=True, max_length=4,
                       error=problem("sleep_hours")),
        kit.choice_chips(t("checkin.sleep_quality"),
                         [(q, t(f"checkin.sleep.{q}")) for q in SLEEP_QUALITIES],
                         draft.sleep_quality, lambda v: update(sleep_quality=v),
                         short_name=t("checkin.sleep_quality.short")),
        kit.message(problem("sleep_quality")),
        kit.choice_chips(t("checkin.medications"),
                         [(m, t(f"checkin.medications.{m}")) for m in MEDICATION_ANSWERS],
                         draft.medications, lambda v: update(medications=v),
                         short_name=t("checkin.medications.short")),
        kit.message(problem("medications")),
        kit.choice_chips(t("checkin.used"), yes_no, used_value,
                         lambda v: update(used_since_last=(v == "yes")),
                         short_name=t("checkin.used.short")),
        kit.message(problem("used_since_last")),
        kit.choice_chips(t("checkin.self_harm"), yes_no, harm_value,
                         lambda v: update(thoughts_of_self_harm=(v == "yes")),
                         short_name=t("checkin.self_harm.short")),
        kit.message(problem("thoughts_of_self_harm")),
    ]
    if draft.thoughts_of_self_harm:
        # Help is on screen the moment "Yes" is chosen, before anything is saved.
        controls.append(kit.card(
            kit.body(t("checkin.self_harm.help_now")),
            ft.Row([kit.link_button(t("help.call", number="988"), tel_uri("988"), ft.Icons.CALL,
                                    filled=True),
                    kit.link_button(t("help.text", number="988"), sms_uri("988"), ft.Icons.SMS)],
                   wrap=True),
            tone="help",
        ))
    if draft.used_since_last:
        controls.append(kit.body(t("checkin.used.kind_words")))
        controls.append(kit.text_field(t("checkin.substance"), substance, max_length=120,
                                       error=problem("substance")))
    if choices is not None:
        controls += plan_check_in_section(services, choices, draft, typed_chips,
                                          chip_field_round, toggle, add_typed, build_plan)
    controls += [
        kit.text_field(t("checkin.note"), note, multiline=True,
                       max_length=2000, error=problem("note")),
    ]
    controls += [
        kit.message(save_error),
        ft.Row([kit.primary_button(t("checkin.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), navigator.back)], wrap=True),
    ]
    return kit.screen(*controls)
