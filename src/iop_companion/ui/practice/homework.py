"""Homework from the care team, on the Practice tab: what to do and by when, "Mark as
done" with an optional note on how it went, and done items with an undo.

Due dates are said in plain words, and late homework kindly ("2 days late. That's
okay, it still counts."): never red, never a warning. A note being typed is kept in
memory for this session when the person steps away (another tab, Get help now, the idle
lock) and is there again when they go back to it (`services.unsaved_forms`; unlike the
check-in's encrypted draft, it is not written to the store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import flet as ft

from iop_companion.domain.homework import (
    NOTE_MAX,
    DueKind,
    DueLabel,
    HomeworkBoard,
    HomeworkItem,
    note_problem,
)
from iop_companion.i18n import Translator
from iop_companion.services.care_status import CareStatus
from iop_companion.services.errors import SaveFailed
from iop_companion.services.homework import mark_done, undo_done
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import day_label

NOTE_DRAFT_KEY = "practice.homework_note"



@dataclass(frozen=True)
class ModuleLinks:
    """The Learn tab's modules that homework can point to: their titles (in the
    person's language) by id, and how to open one in the reader."""

    titles: dict[str, str]
    open: Callable[[str], None]


@dataclass(frozen=True)
class ExerciseLinks:
    """The exercises homework can name: which one an item names (by its title or
    instructions, domain/practice.exercise_named_in), its title, and how to open it
    for this homework (finishing it then marks the homework done)."""

    named_in: Callable[[str], str | None]
    known: Callable[[str], bool]  # the exercise is in this app's library
    title: Callable[[str], str]
    open: Callable[[str, str], None]  # (exercise id, homework id)


@dataclass(frozen=True)
class NoteDraft:
    """A "How did it go?" note being typed when the person stepped away."""

    assignment_id: str
    note: str


def due_text(t: Translator, due: DueLabel, today: date) -> str:
    """A due date in plain words: "Due Friday", "Due today", "2 days late..."."""
    if due.kind is DueKind.NO_DATE or due.due_on is None:
        return t.t("homework.due.no_date")
    if due.kind is DueKind.TODAY:
        return t.t("homework.due.today")
    if due.kind is DueKind.TOMORROW:
        return t.t("homework.due.tomorrow")
    if due.kind is DueKind.THIS_WEEK:
        return t.t("homework.due.weekday", weekday=t.t(f"weekday.{due.due_on.weekday()}"))
    if due.kind is DueKind.LATE:
        if due.days_late == 1:
            return t.t("homework.due.late_one")
        return t.t("homework.due.late", days=due.days_late)
    return t.t("homework.due.date", date=day_label(t, due.due_on, today))


def done_text(t: Translator, done_on: date | None, today: date) -> str:
    if done_on is None or done_on == today:
        return t.t("homework.done_on.today")
    if done_on == today - timedelta(days=1):
        return t.t("homework.done_on.yesterday")
    return t.t("homework.done_on.date", date=day_label(t, done_on, today))


_DUE_ICONS = {
    DueKind.NO_DATE: ft.Icons.EVENT_AVAILABLE_OUTLINED,
    DueKind.TODAY: ft.Icons.TODAY_OUTLINED,
    DueKind.TOMORROW: ft.Icons.EVENT_OUTLINED,
    DueKind.THIS_WEEK: ft.Icons.EVENT_OUTLINED,
    DueKind.LATER: ft.Icons.EVENT_OUTLINED,
    DueKind.LATE: ft.Icons.SPA_OUTLINED,  # calm, not an alarm
}


_BUTTONS = {"primary": ft.FilledButton, "secondary": ft.OutlinedButton, "text": ft.TextButton}


def _named(kind: str, text: str, on_click: Callable[[], object], icon: ft.IconData, *,
           spoken: str) -> ft.Control:
    """A button showing `text` whose screen-reader name also says which homework it is
    for ("Mark as done: Urge log"): every card has the same buttons. The name is on the
    button's own text (as kit.scale_picker names its numbers), so the named element is
    the button itself and a screen reader's activation reaches its action; a Semantics
    wrapper around it would be a second element, named but with nothing to do."""
    return _BUTTONS[kind](content=ft.Text(text, semantics_label=spoken), icon=icon,
                          on_click=kit.tracked(on_click), height=kit.MIN_TOUCH,
                          style=ft.ButtonStyle(
                              padding=ft.Padding.symmetric(horizontal=20, vertical=12)))


def _line(icon: ft.IconData, text: str, *, color: ft.ColorValue | None = None) -> ft.Control:
    return ft.Row([ft.Icon(icon, size=18, color=color or ft.Colors.PRIMARY),
                   ft.Text(text, size=14, color=color, weight=ft.FontWeight.W_500,
                           expand=True)],
                  spacing=8, vertical_alignment=ft.CrossAxisAlignment.START)


@ft.component
def HomeworkSection(store: Store, board: HomeworkBoard, care: CareStatus,
                    modules: ModuleLinks | None,
                    exercises: ExerciseLinks | None = None) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    to_do_ids = {item.assignment_id for item in board.to_do}

    def resume() -> NoteDraft | None:
        kept = services.unsaved_forms.pop(NOTE_DRAFT_KEY, None)
        # Homework withdrawn (or done elsewhere) meanwhile: nothing to come back to.
        return kept if isinstance(kept, NoteDraft) and kept.assignment_id in to_do_ids else None

    resumed = ft.use_memo(resume, [])
    note_for, set_note_for = ft.use_state(resumed.assignment_id if resumed else None)
    restored, set_restored = ft.use_state(resumed is not None)
    note = kit.use_text(resumed.note if resumed else "")
    note_error, set_note_error = ft.use_state(None)

    def keep_note_draft() -> None:
        if note_for is not None:
            services.unsaved_forms[NOTE_DRAFT_KEY] = NoteDraft(note_for, note.current)

    ft.use_effect(lambda: None, [], cleanup=keep_note_draft)

    def open_note(item: HomeworkItem) -> None:
        note.current = item.note  # a note from before an undo, ready to reuse
        set_note_error(None)
        set_restored(False)
        set_note_for(item.assignment_id)

    def close_note() -> None:
        set_note_for(None)
        set_note_error(None)
        set_restored(False)
        note.current = ""

    def save_done(item: HomeworkItem) -> None:
        problem = note_problem(note.current)
        if problem is not None:
            set_note_error(t(problem, limit=NOTE_MAX))
            return
        try:
            mark_done(store, item.assignment_id, note.current, services.clock())
        except SaveFailed as error:
            set_note_error(t("homework.error.save_failed", reason=str(error)))
            return
        close_note()
        navigator.notify(t("homework.saved"))
        navigator.data_changed()
        navigator.sync_soon()

    def undo(item: HomeworkItem) -> None:
        try:
            undo_done(store, item.assignment_id, services.clock())
        except SaveFailed as error:
            navigator.notify(t("homework.error.undo_failed", reason=str(error)))
            return
        navigator.notify(t("homework.undone"))
        navigator.data_changed()
        navigator.sync_soon()

    def module_link(item: HomeworkItem) -> list[ft.Control]:
        module_id = item.module_id
        if modules is None or module_id is None or module_id not in modules.titles:
            return []  # nothing to open it in: no button that goes nowhere
        title = modules.titles[module_id]
        text = t("homework.open_module")
        return [
            _line(ft.Icons.MENU_BOOK_OUTLINED, t("homework.goes_with_module", title=title)),
            ft.Row([_named("secondary", text, lambda: modules.open(module_id),
                           ft.Icons.OPEN_IN_NEW, spoken=f"{text}: {title}")]),
        ]

    def exercise_link(item: HomeworkItem) -> list[ft.Control]:
        if exercises is None:
            return []
        # The exercise the clinic chose by id; for homework written before that, one
        # its words name.
        exercise_id = (item.exercise_id if item.exercise_id and exercises.known(item.exercise_id)
                       else exercises.named_in(f"{item.title} {item.instructions}"))
        if exercise_id is None:
            return []
        title = exercises.title(exercise_id)
        text = t("practice.homework.start")
        return [ft.Row([_named("secondary", text,
                               lambda: exercises.open(exercise_id, item.assignment_id),
                               ft.Icons.PLAY_ARROW, spoken=f"{text}: {title}")])]

    def note_panel(item: HomeworkItem) -> ft.Control:
        controls: list[ft.Control] = [ft.Divider(height=1)]
        if restored:
            controls.append(kit.message(t("homework.note_restored"), error=False))
        controls += [
            kit.text_field(t("homework.note"), note, multiline=True, max_length=NOTE_MAX,
                           helper=t("homework.note_hint")),
            kit.message(note_error),
            ft.Row([kit.primary_button(t("homework.save_done"), lambda: save_done(item),
                                       ft.Icons.CHECK),
                    kit.text_button(t("common.cancel"), close_note)],
                   wrap=True, spacing=8, run_spacing=8),
        ]
        return ft.Column(controls, spacing=10,
                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def to_do_card(item: HomeworkItem) -> ft.Control:
        late = item.due.kind is DueKind.LATE
        lines: list[ft.Control] = [
            kit.subheading(item.title),
            _line(_DUE_ICONS[item.due.kind], due_text(services.translator, item.due, care.today),
                  color=ft.Colors.TERTIARY if late else None),
        ]
        if item.instructions:
            lines.append(kit.body(item.instructions))
        lines += module_link(item)
        lines += exercise_link(item)
        if note_for == item.assignment_id:
            lines.append(note_panel(item))
        else:
            text = t("homework.mark_done")
            lines.append(ft.Row([_named("primary", text, lambda: open_note(item),
                                        ft.Icons.CHECK_CIRCLE_OUTLINE,
                                        spoken=f"{text}: {item.title}")]))
        return kit.card(*lines)

    def done_card(item: HomeworkItem) -> ft.Control:
        lines: list[ft.Control] = [
            kit.subheading(item.title),
            _line(ft.Icons.CHECK_CIRCLE, done_text(services.translator, item.done_on,
                                                   care.today)),
        ]
        if item.note:
            lines.append(kit.body(t("homework.your_note", note=item.note), muted=True, size=14))
        text = t("homework.undo")
        lines.append(ft.Row([_named("text", text, lambda: undo(item), ft.Icons.UNDO,
                                    spoken=f"{text}: {item.title}")]))
        return kit.card(*lines)

    controls: list[ft.Control] = []
    if board.to_do:
        controls.append(kit.subheading(t("homework.to_do")))
        controls += [to_do_card(item) for item in board.to_do]
    elif board.done:
        controls.append(kit.body(t("homework.all_done")))
    if board.done:
        controls.append(kit.subheading(t("homework.done")))
        controls += [done_card(item) for item in board.done]
    return ft.Column(controls, spacing=16, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
