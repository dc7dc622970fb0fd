"""Practice: homework from the care team (practice between sessions), and a way to the
coping steps the person already wrote in their safety plan."""

from __future__ import annotations

import flet as ft

from iop_companion.services.care_status import care_status
from iop_companion.services.container import AppServices
from iop_companion.services.homework import board as homework_board
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services
from iop_companion.ui.learn.common import library_for, open_module
from iop_companion.ui.practice.homework import HomeworkSection, ModuleLinks
from iop_companion.ui.schedule.view import use_sync_now


def _module_links(services: AppServices, navigator: Navigator) -> ModuleLinks:
    """Homework that goes with a module opens it in the Learn tab's reader (as opened
    from the library: the module assignment, if any, is the reader's to find)."""
    library = library_for(services)
    return ModuleLinks(titles={module.id: module.title for module in library},
                       open=lambda module_id: open_module(services, navigator, module_id))


@ft.component
def PracticeScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    busy, sync_now = use_sync_now("homework.sync.done")
    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    now = services.clock()
    care = care_status(store, now)
    board = homework_board(store, now)

    controls: list[ft.Control] = [kit.heading(t("homework.title")),
                                  kit.body(t("homework.intro"), muted=True)]
    sync_button = kit.secondary_button(
        t("sync.now.busy") if busy else t("homework.sync"), sync_now, ft.Icons.SYNC,
        disabled=busy)
    if not care.enrolled:
        controls.append(kit.empty_state(ft.Icons.ASSIGNMENT_OUTLINED,
                                        t("homework.not_connected.title"),
                                        t("homework.not_connected.body")))
    elif board.is_empty and care.discharged:
        controls.append(kit.empty_state(ft.Icons.ASSIGNMENT_OUTLINED, t("homework.empty.title"),
                                        t("homework.ended.body")))
    elif board.is_empty:
        controls.append(kit.empty_state(ft.Icons.ASSIGNMENT_OUTLINED, t("homework.empty.title"),
                                        t("homework.empty.body"), ft.Row([sync_button])))
    else:
        controls.append(HomeworkSection(store, board, care, _module_links(services, navigator)))
        controls.append(kit.body(t("homework.shared_note" if care.clinic_receives_data
                                   else "homework.discharged_note"), muted=True, size=13))
        controls.append(ft.Row([sync_button]))
    # Honest about what this tab does not have yet, and never a dead end: the coping
    # steps the person already wrote are one tap away.
    controls.append(kit.card(
        kit.subheading(t("homework.exercises.title")),
        kit.body(t("homework.exercises.body"), muted=True),
        ft.Row([kit.secondary_button(t("homework.exercises.open"),
                                     lambda: navigator.open("safety_plan"),
                                     ft.Icons.HEALTH_AND_SAFETY_OUTLINED)]),
    ))
    return kit.screen(*controls)
