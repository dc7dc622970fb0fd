"""My relapse-prevention plan (view and edit) and the guided look back after a slip.

Both forms keep what is typed as an encrypted draft (services/drafts.py): written just
before any lock, or when the form is left half-typed (Get help now, say), and there
again when the form reopens. Saving or cancelling ends the draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import flet as ft

from iop_companion.domain.lapse import LAPSE_REVIEW_FIELDS, LAPSE_TEXT_MAX, lapse_review_problems
from iop_companion.domain.relapse_plan import (
    RELAPSE_PLAN_SECTIONS,
    item_limit,
    plan_is_empty,
    relapse_plan_problems,
)
from iop_companion.services.drafts import Drafts
from iop_companion.services.errors import SaveFailed
from iop_companion.services.plan_sharing import RELAPSE_PLAN
from iop_companion.services.recovery import save_lapse_review, save_relapse_plan
from iop_companion.ui import kit
from iop_companion.ui.context import use_care_wording, use_navigator, use_services
from iop_companion.ui.people.view import my_people_note, people_lines, plan_line
from iop_companion.ui.recovery.sharing import share_card, sharing_note

# Drafts (services.drafts) kept across a lock, named like the pages the shell reopens.
RELAPSE_DRAFT = "relapse_plan_edit"
LAPSE_DRAFT = "lapse_review"


def texts_from_draft(kept: Any, names: Sequence[str],
                     limits: Mapping[str, int] | None = None) -> dict[str, str] | None:
    """A stored draft read back as {field: text}, or None when it is not one these
    fields wrote (missing, or malformed): such a draft is ignored, never guessed at.
    `limits` cut a text to what its field takes."""
    if not isinstance(kept, Mapping):
        return None
    texts: dict[str, str] = {}
    for name in names:
        value = kept.get(name)
        if not isinstance(value, str):
            return None
        limit = (limits or {}).get(name)
        texts[name] = value[:limit] if limit is not None else value
    return texts


def plan_texts(plan: Mapping[str, Any] | None) -> dict[str, str]:
    """The saved plan as the editor shows it: one item per line."""
    return {section: "\n".join(str(item) for item in (plan or {}).get(section) or [])
            for section in RELAPSE_PLAN_SECTIONS}


@ft.component
def RelapsePlanScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    plan = store.relapse_plan.get()
    if plan_is_empty(plan):
        return kit.screen(
            kit.heading(t("relapse.title")),
            kit.empty_state(
                ft.Icons.ROUTE_OUTLINED, t("relapse.empty.title"), t("relapse.empty.body"),
                kit.primary_button(t("relapse.empty.build"),
                                   lambda: navigator.open("relapse_plan_edit"), ft.Icons.EDIT),
            ),
            *([kit.card(kit.subheading(t("relapse.section.people_to_call")), *supporters)]
              if (supporters := people_lines(services, "support")) else []),
            kit.body(t("relapse.about"), muted=True, size=13),
        )
    assert plan is not None
    sections: list[ft.Control] = []
    for section in RELAPSE_PLAN_SECTIONS:
        items = plan.get(section) or []
        sections.append(kit.card(
            kit.subheading(t(f"relapse.section.{section}")),
            *([plan_line(services, item) for item in items]
              + (people_lines(services, "support") if section == "people_to_call" else [])
              or [kit.body(t("relapse.section_empty"), muted=True)]),
            # My people: typed once, shown in every plan with call and text.
            *([kit.text_button(t("people.open"), lambda: navigator.open("people"),
                               ft.Icons.PEOPLE_OUTLINE)] if section == "people_to_call" else []),
        ))
    return kit.screen(
        kit.heading(t("relapse.title")),
        kit.body(t("relapse.intro"), muted=True),
        *sections,
        kit.secondary_button(t("relapse.edit.open"), lambda: navigator.open("relapse_plan_edit"),
                             ft.Icons.EDIT_OUTLINED),
        # Asks before it is first shared; says whether the clinic gets later versions.
        share_card(services, navigator, store, RELAPSE_PLAN),
    )


@ft.component
def RelapsePlanEditScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    saved_texts = plan_texts(store.relapse_plan.get() if store is not None else None)
    # A draft kept at a lock (or when the form was left) comes back; else the saved plan.
    starting = ft.use_memo(
        lambda: texts_from_draft(services.drafts.resume(RELAPSE_DRAFT), RELAPSE_PLAN_SECTIONS)
        or saved_texts, [])
    texts = {section: kit.use_text(starting[section]) for section in RELAPSE_PLAN_SECTIONS}
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    finished = ft.use_ref(False)  # saved or cancelled: nothing to keep

    def typed_now() -> dict[str, str]:
        return {section: ref.current or "" for section, ref in texts.items()}

    def keep_draft() -> None:
        # Written encrypted just before any lock; read back when the editor reopens.
        services.drafts.keep(RELAPSE_DRAFT, typed_now)

    def left_the_screen() -> None:
        if not finished.current:
            _leave_draft(services.drafts, RELAPSE_DRAFT, typed_now(), saved_texts)

    ft.use_effect(keep_draft, [], cleanup=left_the_screen)

    def cancel() -> None:
        finished.current = True
        services.drafts.finish(RELAPSE_DRAFT)
        navigator.back()

    def save() -> None:
        typed = typed_now()
        found = relapse_plan_problems(typed)
        set_problems(found)
        if found:
            set_save_error(t("checkin.error.fix_above"))
            return
        if store is None:
            navigator.lock()
            return
        try:
            save_relapse_plan(store, typed, services.clock())
        except SaveFailed as error:
            set_save_error(t("relapse.edit.error.save_failed", reason=str(error)))
            return
        finished.current = True
        services.drafts.finish(RELAPSE_DRAFT)
        navigator.notify(t("relapse.edit.saved"))
        navigator.data_changed()
        navigator.back()
        navigator.sync_soon()

    fields: list[ft.Control] = []
    for section in RELAPSE_PLAN_SECTIONS:
        key = problems.get(section)
        fields.append(kit.text_field(
            t(f"relapse.section.{section}"), texts[section], multiline=True,
            helper=t(f"relapse.edit.hint.{section}"),
            error=t(key, limit=item_limit(section)) if key else None))
        if section == "people_to_call":
            fields.append(my_people_note(services, "support"))
    return kit.screen(
        kit.heading(t("relapse.edit.title")),
        kit.body(t("relapse.edit.intro"), muted=True),
        *fields,
        *([kit.body(sharing_note(services, store, RELAPSE_PLAN), muted=True, size=13)]
          if store is not None else []),
        kit.message(save_error),
        ft.Row([kit.primary_button(t("relapse.edit.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), cancel)], wrap=True),
    )


def _leave_draft(drafts: Drafts, form: str, typed: dict[str, str],
                 unchanged: dict[str, str]) -> None:
    """The form leaves the screen unfinished (Get help now, the back arrow, a lock):
    what was typed stays as a draft; nothing changed, no draft. While locked the store
    is closed and the draft written just before the lock stays as it is."""
    if typed != unchanged:
        drafts.save_now(form, typed)
    else:
        drafts.finish(form)


@ft.component
def LapseReviewScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    blank = {name: "" for name in LAPSE_REVIEW_FIELDS}
    starting = ft.use_memo(
        lambda: texts_from_draft(services.drafts.resume(LAPSE_DRAFT), LAPSE_REVIEW_FIELDS,
                                 LAPSE_TEXT_MAX) or blank, [])
    texts = {name: kit.use_text(starting[name]) for name in LAPSE_REVIEW_FIELDS}
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    finished = ft.use_ref(False)  # saved, or "Not now": nothing to keep

    def typed_now() -> dict[str, str]:
        return {name: ref.current or "" for name, ref in texts.items()}

    def keep_draft() -> None:
        services.drafts.keep(LAPSE_DRAFT, typed_now)

    def left_the_screen() -> None:
        if not finished.current:
            _leave_draft(services.drafts, LAPSE_DRAFT, typed_now(), blank)

    ft.use_effect(keep_draft, [], cleanup=left_the_screen)

    def not_now() -> None:
        finished.current = True
        services.drafts.finish(LAPSE_DRAFT)
        navigator.back()

    def save() -> None:
        typed = typed_now()
        found = lapse_review_problems(typed)
        set_problems(found)
        if found:
            set_save_error(t(found.get("form", "checkin.error.fix_above")))
            return
        if store is None:
            navigator.lock()
            return
        today = services.clock().astimezone(services.zone()).date()
        try:
            save_lapse_review(store, typed, today)
        except SaveFailed as error:
            set_save_error(t("lapse.error.save_failed", reason=str(error)))
            return
        finished.current = True
        services.drafts.finish(LAPSE_DRAFT)
        navigator.notify(t("lapse.saved"))
        navigator.data_changed()
        navigator.back()
        navigator.sync_soon()

    fields: list[ft.Control] = []
    for name in LAPSE_REVIEW_FIELDS:
        key = problems.get(name)
        fields.append(kit.text_field(t(f"lapse.field.{name}"), texts[name], multiline=True,
                                     max_length=LAPSE_TEXT_MAX[name],
                                     helper=t(f"lapse.hint.{name}"),
                                     error=t(key) if key else None))
    return kit.screen(
        kit.heading(t("lapse.title")),
        kit.body(t("lapse.intro")),
        kit.body(use_care_wording("lapse.private"), muted=True, size=13),
        *fields,
        kit.message(save_error),
        ft.Row([kit.primary_button(t("lapse.save"), save, ft.Icons.CHECK),
                kit.text_button(t("lapse.not_now"), not_now)], wrap=True),
        kit.card(kit.body(t("lapse.support"))),
    )
