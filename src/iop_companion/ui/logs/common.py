"""What the three coping-log screens share: which entry a form opens, the draft kept as
the person types, names of skills and thinking traps in the person's language, and
the small controls the forms are made of.

Which entry a form edits is navigation state, kept in memory (`services.unsaved_forms`,
as the goal form does): pages are opened by name alone. The draft is the services'
(`services/coping_logs.keep_draft`): written to the encrypted store at every change, so
it survives the app being killed, and registered with `services.drafts` so that a lock
writes it once more and the shell reopens the form after the PIN.

The domain holds skill and thinking-trap names in English; the screens show them by
translation keys derived from their ids (``coping.skill.<id>``, ``coping.trap.<id>``,
``coping.trap.<id>.explain``), falling back to the domain's words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import flet as ft

from iop_companion.domain.coping_logs import SKILLS, THINKING_TRAPS, skills_by_module
from iop_companion.services.container import AppServices
from iop_companion.services.coping_logs import (
    DIARY_CARD,
    DRAFT_FORMS,
    THOUGHT_RECORD,
    URGE_LOG,
    DeletedLog,
    Draft,
    keep_draft,
    resume_draft,
    undo_delete,
)
from iop_companion.services.errors import SaveFailed
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator
from iop_companion.ui.theme import MIN_TOUCH

# The shell's page for each kind of log (ui/shell.py PAGE_SCREENS).
LOG_PAGES = {DIARY_CARD: "diary_card", THOUGHT_RECORD: "thought_record", URGE_LOG: "urge_log"}
# Which entry the form edits: a record id ("" for a new one); for the diary card, the day.
EDITING_KEY = "logs.editing.{kind}"
# The last deletion, offered back with "Undo" (in memory for this session only).
UNDO_KEY = "logs.undo"

_SKILL_NAMES = {skill.id: skill.name for skill in SKILLS}
_TRAPS = {trap.id: trap for trap in THINKING_TRAPS}


def _translated(t: Callable[..., str], key: str, fallback: str) -> str:
    text = t(key)
    return fallback if text == key else text


def skill_name(t: Callable[..., str], skill_id: str) -> str:
    return _translated(t, f"coping.skill.{skill_id}", _SKILL_NAMES.get(skill_id, skill_id))


def trap_name(t: Callable[..., str], trap_id: str) -> str:
    trap = _TRAPS.get(trap_id)
    return _translated(t, f"coping.trap.{trap_id}", trap.name if trap else trap_id)


def trap_explanation(t: Callable[..., str], trap_id: str) -> str:
    trap = _TRAPS.get(trap_id)
    return _translated(t, f"coping.trap.{trap_id}.explain", trap.explanation if trap else "")


def module_name(t: Callable[..., str], module: str) -> str:
    return _translated(t, f"coping.module.{module}", module.replace("_", " "))


# ------------------------------------------------------------------- opening a form


def open_log(services: AppServices, navigator: Navigator, kind: str,
             which: str | None = None) -> None:
    """Open the form of `kind`: a new entry (`which` None) or the one with this id (for
    the diary card: this day, ISO)."""
    services.unsaved_forms[EDITING_KEY.format(kind=kind)] = which or ""
    navigator.open(LOG_PAGES[kind])


def editing(services: AppServices, kind: str, kept: Draft | None) -> str | None:
    """Which entry the form opens: as asked by `open_log`; after the PIN with nothing in
    memory (the shell reopened the page), the draft's own entry."""
    asked = services.unsaved_forms.get(EDITING_KEY.format(kind=kind))
    if asked is None and kept is not None:
        if kind == DIARY_CARD:
            day = kept.content.get("day")
            return day if isinstance(day, str) else None
        return kept.record_id
    return str(asked or "") or None


def draft_value(kind: str, content: Mapping[str, Any], now: datetime,
                record_id: str | None) -> dict[str, Any]:
    """The draft as `keep_draft` writes it (what a lock's flush writes too)."""
    return {"kind": kind, "record_id": record_id, "content": dict(content),
            "kept_at": now.isoformat()}


@dataclass
class LogDraft:
    """A form's draft: what it started from, and how to keep what is typed."""

    services: AppServices
    kind: str
    record_id: str | None
    content: Callable[[], dict[str, Any]]  # what the form holds right now

    def keep(self) -> None:
        """Write what the form holds now (every change)."""
        store = self.services.account.store
        if store is not None:
            keep_draft(store, self.kind, self.content(), self.services.clock(),
                       record_id=self.record_id)

    def snapshot(self) -> dict[str, Any]:
        return draft_value(self.kind, self.content(), self.services.clock(), self.record_id)

    def register(self) -> None:
        """While on screen: a lock writes the draft and reopens this form after the PIN."""
        self.services.drafts.keep(DRAFT_FORMS[self.kind], self.snapshot)

    def leave(self) -> None:
        """The form left the screen without Save or Cancel: the stored draft stays."""
        self.services.drafts.stop_keeping(DRAFT_FORMS[self.kind])

    def finish(self) -> None:
        """Saved or cancelled: the draft is forgotten."""
        self.services.drafts.finish(DRAFT_FORMS[self.kind])


def kept_draft(services: AppServices, kind: str) -> Draft | None:
    store = services.account.store
    return resume_draft(store, kind) if store is not None else None


def remember_deleted(services: AppServices, deleted: DeletedLog) -> None:
    services.unsaved_forms[UNDO_KEY] = deleted


UNDO_SECONDS = 8


def offer_undo(services: AppServices, navigator: Navigator, deleted: DeletedLog) -> None:
    """Just deleted: say so with an "Undo" at the bottom of the screen (and keep the
    deletion, so the Journal offers "Undo" too once the message has gone)."""
    remember_deleted(services, deleted)
    t = services.t
    ft.context.page.show_dialog(ft.SnackBar(
        ft.Text(t("coping.deleted")), action=t("coping.undo"),
        on_action=kit.tracked(lambda: undo_last_delete(services, navigator)),
        duration=ft.Duration(seconds=UNDO_SECONDS)))
    navigator.data_changed()
    navigator.sync_soon()


def undo_last_delete(services: AppServices, navigator: Navigator) -> None:
    """Put the last deleted entry back (once: a second "Undo" finds nothing to do)."""
    deleted = take_deleted(services)
    store = services.account.store
    if deleted is None or store is None:
        return
    try:
        undo_delete(store, deleted, services.clock())
    except SaveFailed as error:
        navigator.notify(services.t("coping.error.undo_failed", reason=str(error)))
    else:
        navigator.notify(services.t("coping.undone"))
        navigator.sync_soon()
    navigator.data_changed()


def take_deleted(services: AppServices) -> DeletedLog | None:
    found = services.unsaved_forms.pop(UNDO_KEY, None)
    return found if isinstance(found, DeletedLog) else None


def pending_undo(services: AppServices) -> DeletedLog | None:
    found = services.unsaved_forms.get(UNDO_KEY)
    return found if isinstance(found, DeletedLog) else None


# ------------------------------------------------------------------------- controls


def live_text_field(label: str, text: ft.MutableRef[str], on_change: Callable[[], None], *,
                    multiline: bool = False, max_length: int | None = None,
                    numeric: bool = False, error: str | None = None,
                    helper: str | None = None) -> ft.Control:
    """kit.text_field, but every change is also handed to `on_change` (the draft is
    written as the person types). The text lives in a ref: no re-render per key."""

    def changed(event: ft.ControlEvent) -> None:
        text.current = event.control.value or ""
        run = kit.tracked(on_change)  # counts as activity for the idle lock
        if run is not None:
            run()

    return ft.TextField(
        label=label, value=text.current, on_change=changed,
        multiline=multiline, min_lines=3 if multiline else None,
        max_lines=6 if multiline else None, max_length=max_length,
        keyboard_type=ft.KeyboardType.NUMBER if numeric else None,
        helper=helper, error=error, helper_max_lines=3, error_max_lines=4)


def number_picker(label: str, value: int | None, on_select: Callable[[int], None],
                  numbers: list[int], *, low_text: str | None = None,
                  high_text: str | None = None) -> ft.Control:
    """kit.scale_picker for any list of numbers (0, 10 ... 100 for a percentage)."""

    def number(n: int) -> ft.Control:
        chosen = n == value
        button = ft.FilledButton if chosen else ft.OutlinedButton
        face = ft.Text(str(n), semantics_label=f"{label} {n}", size=13 if n >= 100 else None)
        return ft.Semantics(selected=chosen, content=button(
            face, on_click=kit.tracked(lambda: on_select(n)), width=MIN_TOUCH,
            height=MIN_TOUCH, style=ft.ButtonStyle(padding=0, shape=ft.CircleBorder())))

    rows: list[ft.Control] = [
        ft.Text(f"{label}: {value}" if value is not None else label, size=15,
                weight=ft.FontWeight.W_500),
        ft.Row([number(n) for n in numbers], wrap=True, spacing=4, run_spacing=4),
    ]
    if low_text and high_text:
        rows.append(ft.Row([kit.body(low_text, muted=True, size=13),
                            kit.body(high_text, muted=True, size=13)],
                           alignment=ft.MainAxisAlignment.SPACE_BETWEEN))
    return ft.Column(rows, spacing=6)


def toggle_chip(text: str, chosen: bool, on_click: Callable[[], None], *,
                spoken: str | None = None) -> ft.Control:
    """A chip that is on or off (a skill used, a thinking trap)."""
    button = ft.FilledTonalButton if chosen else ft.OutlinedButton
    return ft.Semantics(selected=chosen, content=button(
        ft.Text(text, semantics_label=spoken), icon=ft.Icons.CHECK if chosen else None,
        on_click=kit.tracked(on_click), height=MIN_TOUCH))


def skill_chips(t: Callable[..., str], chosen: Callable[[str], bool],
                on_toggle: Callable[[str], None], *,
                label: Callable[[str], str] | None = None,
                under: Callable[[list[str]], list[ft.Control]] | None = None
                ) -> list[ft.Control]:
    """Every skill as a chip, grouped under its DBT module; `under` adds controls below
    a module's chips (given its skill ids), e.g. the rating of a skill just tapped."""
    parts: list[ft.Control] = []
    for module, skills in skills_by_module().items():
        parts.append(ft.Text(module_name(t, module), size=14, weight=ft.FontWeight.W_500))
        parts.append(ft.Row(
            [toggle_chip(label(skill.id) if label else skill_name(t, skill.id),
                         chosen(skill.id), lambda s=skill.id: on_toggle(s))
             for skill in skills], wrap=True, spacing=8, run_spacing=8))
        if under is not None:
            parts += under([skill.id for skill in skills])
    return parts


def problem_text(t: Callable[..., str], problems: Mapping[str, str], *fields: str) -> str | None:
    """A translated message for the first problem found on any of `fields` (or a field
    under them, e.g. "emotions.0.name"); the domain's words are English, so each field
    says what it needs in the person's language."""
    for name in fields:
        if any(found == name or found.startswith(f"{name}.") for found in problems):
            key = f"coping.problem.{name}"
            text = t(key)
            return text if text != key else t("coping.problem.other")
    return None


def form_buttons(t: Callable[..., str], *, save: Callable[[], None], cancel: Callable[[], None],
                 delete: Callable[[], None] | None, save_label: str) -> list[ft.Control]:
    buttons: list[ft.Control] = [kit.primary_button(save_label, save, ft.Icons.CHECK),
                                 kit.text_button(t("common.cancel"), cancel)]
    if delete is not None:
        buttons.append(kit.text_button(t("coping.delete"), delete, ft.Icons.DELETE_OUTLINE))
    return [ft.Row(buttons, wrap=True)]


def restored_notice(t: Callable[..., str], start_again: Callable[[], None]) -> ft.Control:
    return kit.card(kit.message(t("coping.draft.restored"), error=False),
                    kit.text_button(t("coping.draft.start_again"), start_again,
                                    ft.Icons.RESTART_ALT))
