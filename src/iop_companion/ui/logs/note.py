"""A free-text journal note: an optional title and the person's own words.

The form says plainly that a note stays on this phone and the clinic does not see it
(services/journal_notes.py never queues one). What is typed is kept as a draft at each
change (encrypted, so it survives a lock or the app being killed) and registered with
`services.drafts`, so a lock writes it once more and the shell reopens this page after
the PIN. Saved notes open from the Journal for editing, and delete with "Undo".

Which note the form edits is navigation state in memory (`services.unsaved_forms`), as
for the coping logs (ui/logs/common.py); so is the last deleted note, offered back with
"Undo" for this session only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from iop_companion.domain.journal_notes import TEXT_MAX, TITLE_MAX, written_at
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.journal_notes import (
    DRAFT_FORM,
    DeletedNote,
    NoteDraft,
    NoteNotValid,
    delete_note,
    draft_value,
    keep_note_draft,
    note,
    resume_note_draft,
    save_note,
    undo_delete_note,
)
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services
from iop_companion.ui.formatting import moment_label
from iop_companion.ui.logs.common import (
    UNDO_KEY,
    UNDO_SECONDS,
    form_buttons,
    live_text_field,
    restored_notice,
)

NOTE_PAGE = "journal_note"  # ui/shell.py PAGE_SCREENS
# Which note the form edits: its id, "" for a new one.
EDITING_KEY = "logs.editing.journal_note"
# The last deleted note (the coping logs keep theirs under common.UNDO_KEY).
NOTE_UNDO_KEY = "logs.undo.journal_note"


def open_note(services: AppServices, navigator: Navigator, record_id: str | None = None) -> None:
    """Open the note form: a new note (`record_id` None) or the note with this id."""
    services.unsaved_forms[EDITING_KEY] = record_id or ""
    navigator.open(NOTE_PAGE)


def editing(services: AppServices, kept: NoteDraft | None) -> str | None:
    """Which note the form opens: as asked by `open_note`; after the PIN with nothing in
    memory (the shell reopened the page), the draft's own note."""
    asked = services.unsaved_forms.get(EDITING_KEY)
    if asked is None and kept is not None:
        return kept.record_id
    return str(asked or "") or None


# ------------------------------------------------------------------------------- undo


def offer_note_undo(services: AppServices, navigator: Navigator, deleted: DeletedNote) -> None:
    """Just deleted: say so with "Undo" at the bottom of the screen, and keep it for
    the Journal's own "Undo" once the message has gone. Only the newest deletion is
    offered, so a coping log deleted before this one is no longer offered."""
    services.unsaved_forms.pop(UNDO_KEY, None)
    services.unsaved_forms[NOTE_UNDO_KEY] = deleted
    t = services.t
    ft.context.page.show_dialog(ft.SnackBar(
        ft.Text(t("journal_note.deleted")), action=t("coping.undo"),
        on_action=kit.tracked(lambda: undo_last_note_delete(services, navigator)),
        duration=ft.Duration(seconds=UNDO_SECONDS)))
    navigator.data_changed()


def pending_note_undo(services: AppServices) -> DeletedNote | None:
    found = services.unsaved_forms.get(NOTE_UNDO_KEY)
    return found if isinstance(found, DeletedNote) else None


def forget_note_undo(services: AppServices) -> None:
    services.unsaved_forms.pop(NOTE_UNDO_KEY, None)


def undo_last_note_delete(services: AppServices, navigator: Navigator) -> None:
    """Put the last deleted note back (once: a second "Undo" finds nothing to do)."""
    deleted = services.unsaved_forms.pop(NOTE_UNDO_KEY, None)
    store = services.account.store
    if not isinstance(deleted, DeletedNote) or store is None:
        return
    try:
        undo_delete_note(store, deleted)
    except SaveFailed as error:
        navigator.notify(services.t("coping.error.undo_failed", reason=str(error)))
    else:
        navigator.notify(services.t("journal_note.undone"))
    navigator.data_changed()


# ------------------------------------------------------------------------------- form


def note_text_field(label: str, text: ft.MutableRef[str], on_change: Callable[[], None], *,
                    error: str | None) -> ft.Control:
    """The note itself: taller than the logs' text fields (it is the whole entry)."""

    def changed(event: ft.ControlEvent) -> None:
        text.current = event.control.value or ""
        run = kit.tracked(on_change)  # counts as activity for the idle lock
        if run is not None:
            run()

    return ft.TextField(label=label, value=text.current, on_change=changed, multiline=True,
                        min_lines=6, max_lines=14, max_length=TEXT_MAX, error=error,
                        error_max_lines=4)


def problem_message(t: Callable[..., str], problems: dict[str, str], name: str) -> str | None:
    """The problem with `name` in the person's language (the domain's words are English)."""
    found = problems.get(name)
    if found is None:
        return None
    if name == "text" and found == "must not be empty":
        return t("journal_note.problem.text_empty")
    key = f"journal_note.problem.{name}"
    text = t(key)
    return text if text != key else t("coping.problem.other")


@ft.component
def NoteScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    kept = ft.use_memo(lambda: resume_note_draft(store) if store is not None else None, [])
    record_id = ft.use_memo(lambda: editing(services, kept), [])
    saved = note(store, record_id) if store is not None and record_id else None
    base = (str(saved.get("title", "")), str(saved.get("text", ""))) if saved else ("", "")
    draft_for = saved["id"] if saved is not None else None

    def start() -> tuple[tuple[str, str], bool]:
        if kept is not None and kept.record_id == draft_for and (kept.title, kept.text) != base:
            return (kept.title, kept.text), True
        return base, False

    (first_title, first_text), was_restored = ft.use_memo(start, [])
    title = kit.use_text(first_title)
    text = kit.use_text(first_text)
    restored, set_restored = ft.use_state(was_restored)
    form_round, set_form_round = ft.use_state(0)
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    finished = ft.use_ref(False)

    def snapshot() -> dict[str, Any]:
        return draft_value(title.current or "", text.current or "", services.clock(), draft_for)

    def keep() -> None:
        current = services.account.store
        if current is not None:
            keep_note_draft(current, title.current or "", text.current or "", services.clock(),
                            record_id=draft_for)

    if not finished.current:
        # While on screen: a lock writes the draft and reopens this form after the PIN.
        services.drafts.keep(DRAFT_FORM, snapshot)
    ft.use_effect(lambda: None, [], cleanup=lambda: None if finished.current
                  else services.drafts.stop_keeping(DRAFT_FORM))

    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))

    def done() -> None:
        finished.current = True
        services.drafts.finish(DRAFT_FORM)
        navigator.back()

    def start_again() -> None:
        services.drafts.finish(DRAFT_FORM)
        title.current, text.current = base
        set_restored(False)
        set_problems({})
        set_form_round(lambda n: n + 1)

    def save() -> None:
        try:
            save_note(store, title.current or "", text.current or "", services.clock(),
                      record_id=draft_for)
        except NoteNotValid as error:
            set_problems(error.problems)
            set_save_error(t("coping.error.fix_above"))
            return
        except SaveFailed as error:
            set_save_error(t("coping.error.save_failed", reason=str(error)))
            return
        finished.current = True
        services.drafts.finish(DRAFT_FORM)
        navigator.data_changed()
        navigator.notify(t("journal_note.saved"))
        navigator.back()

    def delete() -> None:
        assert saved is not None
        try:
            deleted = delete_note(store, saved["id"])
        except SaveFailed as error:
            set_save_error(t("coping.error.save_failed", reason=str(error)))
            return
        finished.current = True
        services.drafts.finish(DRAFT_FORM)
        navigator.back()
        offer_note_undo(services, navigator, deleted)

    controls: list[ft.Control] = [
        kit.heading(t("journal_note.heading.edit" if saved else "journal_note.heading")),
        kit.card(ft.Row([ft.Icon(ft.Icons.PHONE_ANDROID, color=ft.Colors.PRIMARY),
                         ft.Container(kit.body(t("journal_note.private")), expand=True)],
                        vertical_alignment=ft.CrossAxisAlignment.START), tone="primary"),
    ]
    when = written_at(saved) if saved is not None else None
    if when is not None:
        controls.append(kit.body(t("journal_note.written", when=moment_label(
            services.translator, when, services.zone(), services.clock())), muted=True, size=13))
    if restored:
        controls.append(restored_notice(t, start_again))
    controls += [
        live_text_field(t("journal_note.title_field"), title, keep, max_length=TITLE_MAX,
                        error=problem_message(t, problems, "title")),
        note_text_field(t("journal_note.text_field"), text, keep,
                        error=problem_message(t, problems, "text")),
        kit.message(save_error),
        *form_buttons(t, save=save, cancel=done, delete=delete if saved is not None else None,
                      save_label=t("journal_note.save")),
    ]
    return kit.screen(ft.Column(controls, spacing=16, key=f"round-{form_round}",
                                horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
