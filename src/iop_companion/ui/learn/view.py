"""Learn: the modules the care team assigned first (due date, their note, read or not),
then the whole library. Everything here opens without internet: the modules ship with
the app, and assignments are kept on the phone once synced."""

from __future__ import annotations

from datetime import date

import flet as ft

from iop_companion.content.modules import Module, ModuleLibrary
from iop_companion.domain.assignments import ModuleTask, open_tasks
from iop_companion.services.care_status import care_status
from iop_companion.services.container import AppServices
from iop_companion.services.learning import assigned_modules, modules_read, waiting_to_send
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services
from iop_companion.ui.learn.common import (
    care_team_note,
    library_for,
    named,
    open_module,
    status_line,
)
from iop_companion.ui.schedule.view import use_sync_now


def _minutes(services: AppServices, module: Module) -> ft.Control:
    return ft.Row([ft.Icon(ft.Icons.SCHEDULE, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
                   kit.body(services.t("learn.minutes", minutes=module.reading_minutes),
                            muted=True, size=14)],
                  spacing=6, tight=True)


def _task_card(services: AppServices, navigator: Navigator, store: Store, task: ModuleTask,
               library: ModuleLibrary, clinic_today: date, phone_today: date) -> ft.Control:
    t = services.t
    module = library.get(task.module_id) if task.in_library else None
    title = module.title if module is not None else t("learn.assigned.unknown_title")
    lines: list[ft.Control] = [kit.subheading(title)]
    status = status_line(services, task, clinic_today, phone_today)
    if status is not None:
        lines.append(status)
    if task.note:
        lines.append(care_team_note(services, task.note))
    if module is None:
        # Honest, and no button that would lead nowhere.
        lines.append(ft.Row([
            ft.Icon(ft.Icons.SYSTEM_UPDATE_OUTLINED, size=20, color=ft.Colors.ON_SURFACE_VARIANT),
            # expand: the text wraps beside the icon instead of running off the card.
            ft.Text(t("learn.assigned.needs_update"), size=15, expand=True)],
            spacing=8, vertical_alignment=ft.CrossAxisAlignment.START))
        return kit.card(*lines)
    lines.append(_minutes(services, module))
    if task.is_read:
        if waiting_to_send(store, task.assignment_id):
            lines.append(kit.body(t("learn.read.waiting"), muted=True, size=13))
        action = t("learn.read_again")
        button = kit.secondary_button(action, lambda: open_module(
            services, navigator, task.module_id, task.assignment_id), ft.Icons.MENU_BOOK)
    else:
        action = t("learn.read_now")
        button = kit.primary_button(action, lambda: open_module(
            services, navigator, task.module_id, task.assignment_id), ft.Icons.MENU_BOOK)
    lines.append(named(button, f"{action}: {title}"))
    return kit.card(*lines, tone="surface")


def _library_card(services: AppServices, navigator: Navigator, module: Module,
                  read: bool) -> ft.Control:
    t = services.t
    meta: list[ft.Control] = [_minutes(services, module)]
    if read:
        meta.append(ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE, size=18, color=ft.Colors.PRIMARY),
                            kit.body(t("learn.library.read"), size=14)], spacing=6, tight=True))
    action = t("learn.library.open")
    return kit.card(
        kit.subheading(module.title),
        kit.body(module.summary, muted=True),
        ft.Row(meta, spacing=16, wrap=True),
        named(kit.secondary_button(action, lambda: open_module(services, navigator, module.id),
                                   ft.Icons.CHROME_READER_MODE_OUTLINED),
              f"{t('learn.library.open_named')}: {module.title}"),
    )


@ft.component
def LearnScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    busy, sync_now = use_sync_now("learn.sync.done")
    store = services.account.store
    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    now = services.clock()
    library = library_for(services)
    care = care_status(store, now)
    phone_today = now.astimezone().date()
    tasks = assigned_modules(store, library.ids, now)
    read = modules_read(store)

    controls: list[ft.Control] = [kit.heading(t("learn.title")),
                                  kit.body(t("learn.intro"), muted=True)]
    if tasks or care.enrolled:
        to_read = len(open_tasks(tasks))
        controls.append(kit.subheading(t("learn.assigned.title")))
        if to_read:
            controls.append(kit.body(t("learn.assigned.count_one" if to_read == 1
                                       else "learn.assigned.count", count=to_read), size=14))
        controls += [_task_card(services, navigator, store, task, library, care.today,
                                phone_today) for task in tasks]
        if not tasks:
            controls.append(kit.body(t("learn.assigned.none"), muted=True))
        if care.enrolled:
            controls.append(kit.secondary_button(
                t("sync.now.busy") if busy else t("learn.sync"), sync_now, ft.Icons.SYNC,
                disabled=busy))
    controls.append(kit.subheading(t("learn.library.title")))
    if len(library):
        controls += [_library_card(services, navigator, module, module.id in read)
                     for module in library]
    else:
        controls.append(kit.empty_state(ft.Icons.MENU_BOOK_OUTLINED,
                                        t("learn.library.missing.title"),
                                        t("learn.library.missing.body")))
    return kit.screen(*controls)
