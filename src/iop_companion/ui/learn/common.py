"""What the Learn tab and the module reader share: which module the reader shows, and
due dates and read days in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import flet as ft

from iop_companion.content.modules import ModuleLibrary, cached_library
from iop_companion.domain.assignments import DueWhen, ModuleTask, TaskState, due_label
from iop_companion.services.container import AppServices
from iop_companion.ui.context import Navigator

# Which module the reader page shows: pages are opened by name alone (see goals).
OPEN_MODULE_KEY = "learn.open_module"


@dataclass(frozen=True)
class OpenModule:
    module_id: str
    assignment_id: str | None  # opened from the care team's list


def library_for(services: AppServices) -> ModuleLibrary:
    """The modules in the person's language (English where there is no translation)."""
    return cached_library(services.paths.assets_dir, services.translator.locale)


def open_module(services: AppServices, navigator: Navigator, module_id: str,
                assignment_id: str | None = None) -> None:
    services.unsaved_forms[OPEN_MODULE_KEY] = OpenModule(module_id, assignment_id)
    navigator.open("module")


def _long_date(services: AppServices, day: date) -> str:
    t = services.t
    return t("date.long", weekday=t(f"weekday.{day.weekday()}"), month=t(f"month.{day.month}"),
             day=day.day)


def due_text(services: AppServices, due_on: date, today: date) -> str:
    """"Due tomorrow", "Due Friday", "Was due Monday, November 23" (never scolding)."""
    t = services.t
    label = due_label(due_on, today)
    if label.when is DueWhen.PAST:
        return t("learn.due.past", date=_long_date(services, due_on))
    if label.when is DueWhen.TODAY:
        return t("learn.due.today")
    if label.when is DueWhen.TOMORROW:
        return t("learn.due.tomorrow")
    if label.when is DueWhen.THIS_WEEK:
        return t("learn.due.weekday", weekday=t(f"weekday.{due_on.weekday()}"))
    return t("learn.due.date", date=_long_date(services, due_on))


def read_text(services: AppServices, read_on: date, today: date) -> str:
    if read_on == today:
        return services.t("learn.read.on_today")
    return services.t("learn.read.on_date", date=_long_date(services, read_on))


def status_line(services: AppServices, task: ModuleTask, clinic_today: date,
                phone_today: date) -> ft.Control | None:
    """The one line under an assignment's title: read when, or due when."""
    if task.read_on is not None:
        icon, color = ft.Icons.CHECK_CIRCLE, ft.Colors.PRIMARY
        words = read_text(services, task.read_on, phone_today)
    elif task.due_on is not None:
        # A calm colour even when the date has passed: a nudge, not a warning.
        icon = ft.Icons.EVENT_NOTE if task.state is TaskState.OVERDUE else ft.Icons.EVENT
        color = ft.Colors.TERTIARY if task.state is TaskState.OVERDUE else ft.Colors.ON_SURFACE
        words = due_text(services, task.due_on, clinic_today)
    else:
        return None
    return ft.Row([ft.Icon(icon, size=20, color=color),
                   ft.Text(words, size=15, weight=ft.FontWeight.W_500, expand=True)],
                  spacing=8, vertical_alignment=ft.CrossAxisAlignment.CENTER)


def care_team_note(services: AppServices, note: str) -> ft.Control:
    """The clinician's note, set apart so it reads as theirs."""
    box = ft.Container(
        content=ft.Column([
            ft.Text(services.t("learn.note.label"), size=13, weight=ft.FontWeight.W_600,
                    color=ft.Colors.ON_SECONDARY_CONTAINER),
            ft.Text(note, size=15, color=ft.Colors.ON_SECONDARY_CONTAINER),
        ], spacing=4, tight=True),
        bgcolor=ft.Colors.SECONDARY_CONTAINER, border_radius=12,
        padding=ft.Padding.symmetric(horizontal=12, vertical=10),
        expand=True,
    )
    # In a Row, `expand` takes the card's full width: a short note keeps a full box.
    return ft.Row([box])


def named(button: ft.Control, spoken: str) -> ft.Control:
    """A button whose screen-reader name says which module it is for ("Read now: Riding
    out cravings"): every card has the same buttons."""
    return ft.Semantics(label=spoken, button=True, container=True, exclude_semantics=True,
                        content=button)
