"""The daily check-in: under a minute, saved on the phone first.

Nothing is pre-chosen (an unanswered scale is saved as unanswered). A "Yes" to the
self-harm question starts the safety flow the moment it is chosen, whatever else is
on the form, and the rest stays as a draft underneath. The draft is kept encrypted
(`services.drafts`) so a lock, the safety screen or the plan editor loses nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import flet as ft

from iop_companion.domain.check_in import (
    MEDICATION_ANSWERS,
    SLEEP_QUALITIES,
    CheckInDraft,
    add_typed_chip,
    check_in_needs_flag,
    check_in_problems,
    draft_adding,
    draft_from_dict,
    draft_is_current,
    draft_to_dict,
    toggle_chip,
)
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.recovery import plan_choices
from iop_companion.ui import kit
from iop_companion.ui.context import use_care_wording, use_navigator, use_services
from iop_companion.ui.recovery.check_in_section import CHIP_GROUPS, plan_check_in_section
from iop_companion.ui.safety.crisis import SAFETY_PAGE, CrisisHelpCard, start_safety_flow

DRAFT_FORM = "check_in"


def _kept_draft(services: AppServices) -> Any | None:
    """The draft kept for the check-in (after a lock, the safety screen or the plan
    editor), unless it is too old to still be about today."""
    kept = services.drafts.resume(DRAFT_FORM)
    return kept if draft_is_current(kept, services.clock()) else None


@ft.component
def CheckInScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    kept = ft.use_memo(lambda: _kept_draft(services), [])
    draft, set_draft = ft.use_state(lambda: draft_from_dict(kept))
    sleep_hours = kit.use_text(draft.sleep_hours)
    substance, note = kit.use_text(draft.substance), kit.use_text(draft.note)
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    # The optional part from my relapse-prevention plan: one "add" field per chip group.
    adding = draft_adding(kept)
    typed_chips = {field_name: kit.use_text(adding.get(field_name, ""))
                   for field_name, _, _ in CHIP_GROUPS}
    chip_field_round, set_chip_field_round = ft.use_state(0)
    store_now = services.account.store
    choices = ft.use_memo(lambda: plan_choices(store_now) if store_now is not None else None, [])
    # The answers as last set, read by the lock's snapshot (registered once, at mount).
    latest = ft.use_ref(draft)
    latest.current = draft

    def snapshot() -> dict[str, Any]:
        """The draft as a plain JSON value, with what every text field holds right now."""
        return draft_to_dict(with_typed_text(latest.current), kept_at=services.clock(),
                             adding={name: ref.current or "" for name, ref in typed_chips.items()})

    def keep_while_open() -> None:
        services.drafts.keep(DRAFT_FORM, snapshot)

    # Written just before any lock while on screen; leaving without Save or Cancel
    # (the safety screen, the plan editor, the lock) keeps the stored draft.
    ft.use_effect(keep_while_open, [], cleanup=lambda: services.drafts.stop_keeping(DRAFT_FORM))

    def remember(answers: CheckInDraft) -> None:
        latest.current = answers
        set_draft(answers)

    def keep_now(answers: CheckInDraft) -> None:
        """Write the draft at once, before this screen leaves for another."""
        remember(answers)
        services.drafts.save_now(DRAFT_FORM, snapshot())

    def toggle(field_name: str, item: str) -> None:
        update(**{field_name: toggle_chip(getattr(draft, field_name), item)})

    def add_typed(field_name: str) -> None:
        added = add_typed_chip(getattr(draft, field_name), typed_chips[field_name].current)
        typed_chips[field_name].current = ""
        set_chip_field_round(lambda n: n + 1)  # draws the emptied field afresh
        update(**{field_name: added})

    def build_plan() -> None:
        # The plan editor opens on top; coming back finds every answer as it was.
        keep_now(with_typed_text(draft))
        navigator.open("relapse_plan_edit")

    def with_typed_text(answers: CheckInDraft) -> CheckInDraft:
        """The answers plus what the text fields hold right now (kept outside state)."""
        return replace(answers, sleep_hours=sleep_hours.current, substance=substance.current,
                       note=note.current)

    def update(**changes: object) -> None:
        changed = replace(draft, **changes)
        remember(changed)
        if problems:
            # After a first try at saving, answered questions lose their warning at once.
            set_problems(check_in_problems(with_typed_text(changed)))

    def answer_self_harm(value: str) -> None:
        said_yes = value == "yes"
        if not said_yes or draft.safety_flag_raised:
            # "No" never withdraws a flag already raised; a second "Yes" raises no other.
            update(thoughts_of_self_harm=said_yes)
            return
        # Help comes first, whatever else is on the form (blank, wrong or unanswered):
        # keep the draft, queue the flag, and open the safety screen on top of the
        # check-in, so Back returns to every answer as it was.
        said_so = replace(with_typed_text(draft), thoughts_of_self_harm=True)
        keep_now(said_so)
        start_safety_flow(services, navigator, SafetyTrigger.CHECK_IN_SELF_HARM)
        # Marked only once the flag is written (or held by the desk to retry): a crash
        # in between errs towards a second flag at Save, never a "yes" without one.
        keep_now(replace(said_so, safety_flag_raised=True))

    def cancel() -> None:
        services.drafts.finish(DRAFT_FORM)
        navigator.back()

    def problem(field: str) -> str | None:
        key = problems.get(field)
        return t(key) if key else None

    def save() -> None:
        typed = with_typed_text(draft)
        remember(typed)
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
        # Normally raised when "Yes" was chosen; if not (yet), save_check_in raises the
        # flag before it writes the record that carries the answer.
        flag_now = check_in_needs_flag(typed)
        if typed.thoughts_of_self_harm and not flag_now:
            # Its flag was raised at "Yes"; one the phone could not write yet goes first.
            services.safety.retry_unsaved()
        try:
            save_check_in(store, typed, services.clock(), raise_flag=services.safety.raise_flag)
        except SaveFailed as error:
            # The draft stays on screen: nothing typed is lost.
            set_save_error(t("checkin.error.save_failed", reason=str(error)))
            if flag_now:
                # The flag went first (or waits to be retried): help shows anyway.
                keep_now(replace(typed, safety_flag_raised=True))
                navigator.open(SAFETY_PAGE)
                navigator.sync_soon()
            return
        services.drafts.finish(DRAFT_FORM)
        if flag_now:
            # Help comes first: the crisis screen replaces the saved form at once.
            navigator.data_changed()
            navigator.replace(SAFETY_PAGE)
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
        kit.choice_chips(t("checkin.self_harm"), yes_no, harm_value, answer_self_harm,
                         short_name=t("checkin.self_harm.short")),
        kit.message(problem("thoughts_of_self_harm")),
    ]
    if draft.thoughts_of_self_harm:
        # Back on the form after "Yes": every crisis line (from the crisis data) and
        # the person's own plan stay right here while they finish, or not.
        controls.append(CrisisHelpCard())
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
                kit.text_button(t("common.cancel"), cancel)], wrap=True),
    ]
    return kit.screen(*controls)
