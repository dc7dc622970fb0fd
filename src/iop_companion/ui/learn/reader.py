"""The module reader: one module in large, plain text, and "I've read this".

For a module the care team assigned, "I've read this" lets them know (at the next sync,
while the clinic receives data); for any other module it is noted on this phone only.
"""

from __future__ import annotations

import flet as ft

from iop_companion.content.modules import Module
from iop_companion.domain.assignments import ModuleTask
from iop_companion.services.care_status import care_status
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.learning import (
    assigned_modules,
    mark_assignment_read,
    mark_read_here,
    modules_read,
    waiting_to_send,
)
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.learn.common import (
    OPEN_MODULE_KEY,
    OpenModule,
    care_team_note,
    library_for,
    read_text,
    status_line,
)

READING_SIZE = 17
READING_LINE_HEIGHT = 1.45  # a little air between lines, for tired eyes


def _paragraph(text: str, *, size: int = READING_SIZE) -> ft.Control:
    return ft.Text(text, size=size, style=ft.TextStyle(height=READING_LINE_HEIGHT))


def _list_item(marker: str, text: str) -> ft.Control:
    return ft.Row([ft.Text(marker, size=READING_SIZE, weight=ft.FontWeight.W_600, width=24),
                   ft.Text(text, size=READING_SIZE, expand=True,
                           style=ft.TextStyle(height=READING_LINE_HEIGHT))],
                  spacing=6, vertical_alignment=ft.CrossAxisAlignment.START)


def _the_task(tasks: list[ModuleTask], opened: OpenModule) -> ModuleTask | None:
    """The assignment this reading answers: the one it was opened from, or else an
    open assignment of the same module (opened from the library)."""
    for task in tasks:
        if task.assignment_id == opened.assignment_id and task.module_id == opened.module_id:
            return task
    return next((task for task in tasks
                 if task.module_id == opened.module_id and not task.is_read), None)


def _body(services: AppServices, module: Module) -> list[ft.Control]:
    t = services.t
    controls: list[ft.Control] = [
        ft.Text(module.summary, size=18, weight=ft.FontWeight.W_500,
                style=ft.TextStyle(height=READING_LINE_HEIGHT)),
    ]
    for section in module.sections:
        controls.append(kit.subheading(section.heading))
        controls += [_paragraph(text) for text in section.paragraphs]
    controls.append(kit.card(
        kit.subheading(t("learn.reader.key_points")),
        *[_list_item("•", point) for point in module.key_points],
        tone="primary",
    ))
    controls.append(kit.card(
        kit.subheading(t("learn.reader.try_this", title=module.try_this.title)),
        *[_list_item(f"{number}.", step)
          for number, step in enumerate(module.try_this.steps, start=1)],
    ))
    return controls


def _sources(services: AppServices, module: Module) -> list[ft.Control]:
    t = services.t
    links = [
        ft.TextButton(
            content=ft.Text(f"{source.publisher}: {source.title}", size=14),
            icon=ft.Icons.OPEN_IN_NEW, url=source.url,
            style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=8, vertical=10),
                                 alignment=ft.Alignment.CENTER_LEFT),
        )
        for source in module.sources
    ]
    return [
        kit.subheading(t("learn.reader.sources")),
        kit.body(t("learn.reader.sources_note"), muted=True, size=13),
        ft.Column(links, spacing=0, horizontal_alignment=ft.CrossAxisAlignment.START),
        kit.body(t("learn.reader.updated", month=t(f"month.{module.updated_on.month}"),
                   year=module.updated_on.year), muted=True, size=13),
    ]


@ft.component
def ModuleScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    opened = services.unsaved_forms.get(OPEN_MODULE_KEY)
    library = library_for(services)
    module = library.get(opened.module_id) if isinstance(opened, OpenModule) else None
    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    if module is None or not isinstance(opened, OpenModule):
        return kit.screen(kit.empty_state(
            ft.Icons.MENU_BOOK_OUTLINED, t("learn.reader.missing.title"),
            t("learn.reader.missing.body"),
            kit.secondary_button(t("learn.reader.back"), navigator.back, ft.Icons.ARROW_BACK)))

    now = services.clock()
    care = care_status(store, now)
    phone_today = now.astimezone().date()
    task = _the_task(assigned_modules(store, library.ids, now), opened)

    def mark_assigned_read() -> None:
        assert task is not None
        try:
            mark_assignment_read(store, task.assignment_id, services.clock())
        except SaveFailed as error:
            navigator.notify(t("learn.read.failed", reason=str(error)))
            return
        navigator.notify(t("learn.read.thanks_clinic" if care.clinic_receives_data
                           else "learn.read.thanks"))
        navigator.data_changed()
        navigator.sync_soon()

    def mark_read_on_phone() -> None:
        try:
            mark_read_here(store, module.id, services.clock())
        except SaveFailed as error:
            navigator.notify(t("learn.read.failed", reason=str(error)))
            return
        navigator.notify(t("learn.read.thanks_phone"))
        navigator.data_changed()

    controls: list[ft.Control] = [
        kit.heading(module.title, size=26),
        ft.Row([ft.Icon(ft.Icons.SCHEDULE, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
                kit.body(t("learn.minutes", minutes=module.reading_minutes), muted=True,
                         size=14)], spacing=6),
    ]
    if task is not None:
        assigned: list[ft.Control] = [kit.subheading(t("learn.reader.assigned"))]
        status = status_line(services, task, care.today, phone_today)
        if status is not None:
            assigned.append(status)
        if task.note:
            assigned.append(care_team_note(services, task.note))
        controls.append(kit.card(*assigned))
    controls += _body(services, module)

    # Saying it is read comes right after the reading, before help and sources.
    if task is not None and not task.is_read:
        controls.append(kit.primary_button(t("learn.read.mark"), mark_assigned_read,
                                           ft.Icons.CHECK, expand=True))
        controls.append(kit.body(t("learn.read.mark_note_clinic" if care.clinic_receives_data
                                   else "learn.read.mark_note_phone"), muted=True, size=13))
    elif task is not None and task.read_on is not None:
        done = [ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.PRIMARY),
                        ft.Text(read_text(services, task.read_on, phone_today), size=16,
                                weight=ft.FontWeight.W_500, expand=True)], spacing=8)]
        if waiting_to_send(store, task.assignment_id):
            done.append(kit.body(t("learn.read.waiting"), muted=True, size=13))
        controls.append(kit.card(*done))
    else:
        read_on = modules_read(store).get(module.id)
        if read_on is None:
            controls.append(kit.secondary_button(t("learn.read.mark"), mark_read_on_phone,
                                                 ft.Icons.CHECK, expand=True))
            controls.append(kit.body(t("learn.read.mark_note_phone"), muted=True, size=13))
        else:
            controls.append(ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.PRIMARY),
                                    ft.Text(read_text(services, read_on, phone_today), size=16,
                                            expand=True)], spacing=8))

    controls.append(kit.card(
        kit.subheading(t("learn.reader.help_title")),
        _paragraph(module.get_help, size=16),
        kit.secondary_button(t("learn.reader.open_help"), lambda: navigator.open("help"),
                             ft.Icons.SUPPORT),
        tone="help",
    ))
    controls += _sources(services, module)
    return kit.screen(*controls)
