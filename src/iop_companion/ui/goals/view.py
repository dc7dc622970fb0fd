"""My treatment goals: the list (steps to tick, a weekly rating) and the goal form.

Goals the care team wrote say so. Text typed into the form, or a rating being given,
is kept as an encrypted draft (`services.drafts`, as the check-in does): written just
before any lock, or when the person steps away (Get help now, say), and there again
when they come back, after the PIN too. Which goal the form edits is navigation state,
kept in memory (`services.unsaved_forms`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import flet as ft

from iop_companion.domain.goals import (
    GOAL_STATUSES,
    RATING_MAX,
    RATING_MIN,
    RATING_NOTE_MAX,
    STEP_MAX,
    STEPS_MAX,
    TITLE_MAX,
    WHY_MAX,
    GoalDraft,
    draft_from_goal,
    goal_problems,
    rating_problems,
    rating_words,
)
from iop_companion.services.care_status import care_status
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.goals import (
    GoalOverview,
    goal_overviews,
    rate_week,
    save_goal,
    set_step_done,
)
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services
from iop_companion.ui.schedule.view import use_sync_now

# Which goal the form edits ("" for a new one): pages are opened by name alone.
EDITING_KEY = "goal_edit.goal_id"
# Drafts (services.drafts) kept across a lock.
GOAL_DRAFT = "goal_edit"
RATING_DRAFT = "goals.rating"


@dataclass(frozen=True)
class RatingDraft:
    """A rating being given when the person stepped away."""

    goal_id: str
    rating: int | None
    note: str

    def snapshot(self) -> dict[str, Any]:
        return {"goal_id": self.goal_id, "rating": self.rating, "note": self.note}

    @classmethod
    def from_snapshot(cls, kept: Any) -> RatingDraft | None:
        """A stored draft read back; None when it is malformed (then it is ignored)."""
        if not isinstance(kept, Mapping):
            return None
        goal_id, rating, note = kept.get("goal_id"), kept.get("rating"), kept.get("note")
        if not isinstance(goal_id, str) or not goal_id or not isinstance(note, str):
            return None
        if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)
                                   or not RATING_MIN <= rating <= RATING_MAX):
            return None
        return cls(goal_id, rating, note[:RATING_NOTE_MAX])


def goal_draft_snapshot(goal_id: str | None, draft: GoalDraft) -> dict[str, Any]:
    """What the goal form's draft keeps, as JSON ("" for a new goal)."""
    return {"goal_id": goal_id or "", "title": draft.title,
            "why_it_matters": draft.why_it_matters, "steps": draft.steps,
            "status": draft.status}


def goal_draft_from_snapshot(kept: Any) -> tuple[str | None, GoalDraft] | None:
    """A stored goal form read back as (goal id or None for a new goal, what was typed);
    None when it is malformed (then it is ignored, never guessed at)."""
    if not isinstance(kept, Mapping):
        return None
    goal_id, status = kept.get("goal_id"), kept.get("status")
    texts = {name: kept.get(name) for name in ("title", "why_it_matters", "steps")}
    if (not isinstance(goal_id, str) or status not in GOAL_STATUSES
            or not all(isinstance(value, str) for value in texts.values())):
        return None
    return goal_id or None, GoalDraft(title=texts["title"][:TITLE_MAX],
                                      why_it_matters=texts["why_it_matters"][:WHY_MAX],
                                      steps=texts["steps"], status=str(status))


def open_goal_form(services: AppServices, navigator: Navigator, goal_id: str | None) -> None:
    services.unsaved_forms[EDITING_KEY] = goal_id or ""
    navigator.open("goal_edit")


def _named(button: ft.Control, spoken: str) -> ft.Control:
    """A button whose screen-reader name also says which goal it is for ("Edit goal:
    Sleep better"): every goal's card has the same buttons."""
    return ft.Semantics(label=spoken, button=True, container=True, exclude_semantics=True,
                        content=button)


def _care_team_badge(text: str) -> ft.Control:
    return ft.Container(
        content=ft.Row([ft.Icon(ft.Icons.GROUPS_OUTLINED, size=16,
                                color=ft.Colors.ON_SECONDARY_CONTAINER),
                        ft.Text(text, size=13, color=ft.Colors.ON_SECONDARY_CONTAINER)],
                       spacing=6, tight=True),
        bgcolor=ft.Colors.SECONDARY_CONTAINER, border_radius=8,
        padding=ft.Padding.symmetric(horizontal=8, vertical=4),
    )


def _needs_choice(explanation: str, action: ft.Control) -> ft.Control:
    """Both sides changed the goal: a calm notice, not an error (nothing was lost)."""
    return ft.Container(
        content=ft.Column([
            ft.Row([ft.Icon(ft.Icons.CALL_SPLIT, size=18, color=ft.Colors.ON_TERTIARY_CONTAINER),
                    ft.Text(explanation, size=14, color=ft.Colors.ON_TERTIARY_CONTAINER,
                            expand=True)],
                   spacing=8, vertical_alignment=ft.CrossAxisAlignment.START),
            action,
        ], spacing=8, tight=True),
        bgcolor=ft.Colors.TERTIARY_CONTAINER, border_radius=12, padding=12,
    )


@ft.component
def GoalsScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store

    def resume_rating() -> RatingDraft | None:
        kept = RatingDraft.from_snapshot(services.drafts.resume(RATING_DRAFT))
        if kept is None or store is None or store.goals.get(kept.goal_id) is None:
            return None  # none kept, or the goal was removed meanwhile
        return kept

    resumed = ft.use_memo(resume_rating, [])
    rating_for, set_rating_for = ft.use_state(resumed.goal_id if resumed else None)
    picked, set_picked = ft.use_state(resumed.rating if resumed else None)
    note = kit.use_text(resumed.note if resumed else "")
    rating_error, set_rating_error = ft.use_state(None)
    busy, sync_now = use_sync_now("goals.sync.done")

    def rating_snapshot() -> dict[str, Any] | None:
        """The rating being given right now (None: no rating open)."""
        if not rating_for:
            return None
        return RatingDraft(rating_for, picked, note.current or "").snapshot()

    def left_the_screen() -> None:
        # Stepped away with a rating open (Get help now, say): it is there again later.
        typing = rating_snapshot()
        if typing is not None:
            services.drafts.save_now(RATING_DRAFT, typing)
        services.drafts.stop_keeping(RATING_DRAFT)

    ft.use_effect(lambda: None, [], cleanup=left_the_screen)

    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    # While a rating is open, a lock writes it (encrypted) to come back after the PIN.
    if rating_for:
        services.drafts.keep(RATING_DRAFT, rating_snapshot)
    else:
        services.drafts.stop_keeping(RATING_DRAFT)
    now = services.clock()
    overviews = goal_overviews(store, now)
    care = care_status(store, now)

    def tick(goal_id: str, index: int, done: bool) -> None:
        try:
            set_step_done(store, goal_id, index, done, services.clock())
        except SaveFailed as error:
            navigator.notify(t("goals.error.save_failed", reason=str(error)))
            return
        navigator.data_changed()
        navigator.sync_soon()

    def open_rating(overview: GoalOverview) -> None:
        saved = store.goal_ratings.get(overview.goal["id"], care.today)
        note.current = saved["note"] if saved else ""
        set_picked(overview.progress.this_week)
        set_rating_error(None)
        set_rating_for(overview.goal["id"])

    def close_rating() -> None:
        services.drafts.finish(RATING_DRAFT)
        set_rating_for(None)
        set_rating_error(None)

    def save_rating() -> None:
        found = rating_problems(picked, note.current)
        if found:
            set_rating_error(t(next(iter(found.values())), limit=RATING_NOTE_MAX))
            return
        assert rating_for is not None and picked is not None
        try:
            rate_week(store, rating_for, picked, note.current, services.clock())
        except SaveFailed as error:
            set_rating_error(t("goals.error.save_failed", reason=str(error)))
            return
        close_rating()
        navigator.notify(t("goals.rate.saved"))
        navigator.data_changed()
        navigator.sync_soon()

    def rating_panel() -> ft.Control:
        return ft.Column([
            ft.Divider(height=1),
            kit.scale_picker(t("goals.rate.scale"), picked, set_picked,
                             low_text=t("goals.rate.low"), high_text=t("goals.rate.high"),
                             minimum=RATING_MIN, maximum=RATING_MAX),
            kit.body(t(f"goals.rate.words.{rating_words(picked)}") if picked is not None
                     else t("goals.rate.pick"), muted=picked is None, size=14),
            kit.text_field(t("goals.rate.note"), note, multiline=True,
                           max_length=RATING_NOTE_MAX, helper=t("goals.rate.note_hint")),
            kit.message(rating_error),
            ft.Row([kit.primary_button(t("goals.rate.save"), save_rating, ft.Icons.CHECK),
                    kit.text_button(t("common.cancel"), close_rating)], wrap=True),
        ], spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def goal_card(overview: GoalOverview) -> ft.Control:
        goal, progress = overview.goal, overview.progress
        title = goal["title"]
        lines: list[ft.Control] = [kit.subheading(title)]
        if overview.from_care_team:
            lines.append(_care_team_badge(t("goals.from_care_team")))
        if goal["status"] != "active":
            lines.append(kit.body(t(f"goals.status.{goal['status']}"), size=14))
        if goal.get("why_it_matters"):
            lines.append(kit.body(goal["why_it_matters"], muted=True))
        for index, step in enumerate(goal["steps"]):
            done = bool(step["done"])
            # kit's activity tracking (the idle lock) wraps the toggle, as for every control.
            lines.append(ft.Checkbox(
                label=step["text"], value=done,
                on_change=kit.tracked(lambda goal_id=goal["id"], index=index, done=done: tick(
                    goal_id, index, not done))))
        if progress.steps_total:
            lines.append(kit.body(t("goals.steps_done", done=progress.steps_done,
                                    total=progress.steps_total), muted=True, size=13))
        else:
            lines.append(kit.body(t("goals.no_steps"), muted=True, size=13))
        if progress.this_week is not None:
            words = t(f"goals.rate.words.{rating_words(progress.this_week)}")
            lines.append(kit.body(t("goals.this_week", rating=progress.this_week, words=words),
                                  size=14))
        else:
            lines.append(kit.body(t("goals.not_rated"), size=14))
        if progress.last_week is not None:
            lines.append(kit.body(t("goals.last_week", rating=progress.last_week), muted=True,
                                  size=13))
        if overview.needs_choice:
            lines.append(_needs_choice(t("goals.needs_choice"), kit.secondary_button(
                t("goals.needs_choice.open"), lambda: navigator.open("settings"),
                ft.Icons.SETTINGS_OUTLINED)))
        elif overview.waiting_to_send and care.enrolled:
            lines.append(kit.body(t("goals.waiting"), muted=True, size=13))
        if rating_for == goal["id"]:
            lines.append(rating_panel())
        else:
            rate_text = t("goals.rate.change" if progress.rated_this_week else "goals.rate.open")
            lines.append(ft.Row([
                _named(kit.secondary_button(rate_text, lambda: open_rating(overview),
                                            ft.Icons.SPEED), f"{rate_text}: {title}"),
                _named(kit.text_button(t("goals.edit.open"),
                                       lambda: open_goal_form(services, navigator, goal["id"]),
                                       ft.Icons.EDIT_OUTLINED),
                       f"{t('goals.edit.open_named')}: {title}"),
            ], wrap=True, spacing=8, run_spacing=8))
        return kit.card(*lines)

    add_goal = kit.primary_button(t("goals.add"), lambda: open_goal_form(services, navigator,
                                                                         None), ft.Icons.ADD)
    if care.clinic_receives_data:
        sharing_note = t("goals.shared_note")
    elif care.enrolled:
        sharing_note = t("goals.discharged_note")
    else:
        sharing_note = t("goals.local_note")
    controls: list[ft.Control] = [kit.heading(t("goals.title")),
                                  kit.body(t("goals.intro"), muted=True)]
    if not overviews:
        controls.append(kit.empty_state(ft.Icons.FLAG_OUTLINED, t("goals.empty.title"),
                                        t("goals.empty.body"), add_goal))
    else:
        controls += [goal_card(overview) for overview in overviews]
        controls.append(add_goal)
    controls.append(kit.body(sharing_note, muted=True, size=13))
    if care.enrolled:
        controls.append(kit.secondary_button(
            t("sync.now.busy") if busy else t("goals.sync"), sync_now, ft.Icons.SYNC,
            disabled=busy))
    return kit.screen(*controls)


@ft.component
def GoalEditScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    kept = ft.use_memo(lambda: goal_draft_from_snapshot(services.drafts.resume(GOAL_DRAFT)), [])

    def which_goal() -> str | None:
        editing = services.unsaved_forms.get(EDITING_KEY)
        if editing is None and kept is not None:
            return kept[0]  # reopened after the PIN with nothing in memory: the draft's goal
        return str(editing or "") or None

    goal_id = ft.use_memo(which_goal, [])
    saved = store.goals.get(goal_id) if store is not None and goal_id else None
    unchanged = draft_from_goal(saved)
    own_draft = kept is not None and kept[0] == goal_id  # not one left on another goal

    def resume() -> tuple[GoalDraft, bool]:
        if own_draft and kept is not None and kept[1] != unchanged:
            return kept[1], True
        return unchanged, False

    start, restored = ft.use_memo(resume, [])
    title = kit.use_text(start.title)
    why = kit.use_text(start.why_it_matters)
    steps = kit.use_text(start.steps)
    status, set_status = ft.use_state(start.status)
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    finished = ft.use_ref(False)  # saved or cancelled: nothing to keep

    def typed() -> GoalDraft:
        return GoalDraft(title=title.current or "", why_it_matters=why.current or "",
                         steps=steps.current or "", status=status)

    def snapshot() -> dict[str, Any]:
        return goal_draft_snapshot(goal_id, typed())

    def left_the_screen() -> None:
        if not finished.current:
            if typed() != unchanged:
                services.drafts.save_now(GOAL_DRAFT, snapshot())  # back after Get help, say
            elif own_draft:
                services.drafts.finish(GOAL_DRAFT)  # typed back to how it was
        services.drafts.stop_keeping(GOAL_DRAFT)

    ft.use_effect(lambda: None, [], cleanup=left_the_screen)

    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    # While the form is on screen, a lock writes what is typed (encrypted).
    if not finished.current:
        services.drafts.keep(GOAL_DRAFT, snapshot)

    def done() -> None:
        finished.current = True
        if own_draft:
            services.drafts.finish(GOAL_DRAFT)
        else:
            services.drafts.stop_keeping(GOAL_DRAFT)  # a draft of another goal stays
        navigator.back()

    def save() -> None:
        draft = typed()
        found = goal_problems(draft)
        set_problems(found)
        if found:
            set_save_error(t("checkin.error.fix_above"))
            return
        try:
            save_goal(store, draft, services.clock(), goal_id)
        except SaveFailed as error:
            set_save_error(t("goals.edit.error.save_failed", reason=str(error)))
            return
        navigator.notify(t("goals.edit.saved"))
        navigator.data_changed()
        done()
        navigator.sync_soon()

    def problem(field: str, **values: object) -> str | None:
        key = problems.get(field)
        return t(key, **values) if key else None

    controls: list[ft.Control] = [
        kit.heading(t("goals.edit.title_edit" if saved else "goals.edit.title_new")),
        kit.body(t("goals.edit.intro"), muted=True),
    ]
    if saved is not None and saved.get("author") == "clinic":
        # In a row: the screen's column would stretch the badge across the page.
        controls.append(ft.Row([_care_team_badge(t("goals.from_care_team"))]))
        controls.append(kit.body(t("goals.edit.care_team_note"), muted=True, size=13))
    if restored:
        controls.append(kit.message(t("goals.edit.restored"), error=False))
    controls += [
        kit.text_field(t("goals.edit.goal"), title, multiline=False, max_length=TITLE_MAX,
                       helper=t("goals.edit.goal_hint"),
                       error=problem("title", limit=TITLE_MAX)),
        kit.text_field(t("goals.edit.why"), why, multiline=True, max_length=WHY_MAX,
                       helper=t("goals.edit.why_hint"),
                       error=problem("why_it_matters", limit=WHY_MAX)),
        kit.text_field(t("goals.edit.steps"), steps, multiline=True,
                       helper=t("goals.edit.steps_hint", limit=STEPS_MAX),
                       error=problem("steps", limit=STEP_MAX, count=STEPS_MAX)),
    ]
    if saved is not None:
        controls.append(kit.choice_chips(
            t("goals.edit.status"), [(s, t(f"goals.status.{s}")) for s in GOAL_STATUSES],
            status, set_status, short_name=t("goals.edit.status_short")))
    controls += [
        kit.message(save_error),
        ft.Row([kit.primary_button(t("goals.edit.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), done)], wrap=True),
    ]
    return kit.screen(*controls)
