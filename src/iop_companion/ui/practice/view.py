"""Practice: exercises (breathing, grounding, mindfulness) one tap from starting, with
the minutes practised this week; homework from the care team (practice between
sessions); and a way to the coping steps the person already wrote in their safety plan.

Order: homework first only while some is to do; otherwise the exercises first. The
safety-plan card comes last either way.

While an exercise is under way (or its rating after), the tab shows it instead of the
list, so coming back to the tab (or to the app after the PIN) finds it where it was.
"""

from __future__ import annotations

import flet as ft

from iop_companion.domain.practice import exercise_named_in
from iop_companion.services.care_status import care_status
from iop_companion.services.container import AppServices
from iop_companion.services.homework import board as homework_board
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services
from iop_companion.ui.learn.common import library_for, open_module
from iop_companion.ui.practice.common import (
    exercise_library,
    exercise_names,
    open_exercise,
    restore_run,
    title_of,
)
from iop_companion.ui.practice.exercise import ExerciseRunner
from iop_companion.ui.practice.homework import ExerciseLinks, HomeworkSection, ModuleLinks
from iop_companion.ui.practice.library import exercise_section
from iop_companion.ui.schedule.view import use_sync_now


def _module_links(services: AppServices, navigator: Navigator) -> ModuleLinks:
    """Homework that goes with a module opens it in the Learn tab's reader (as opened
    from the library: the module assignment, if any, is the reader's to find)."""
    library = library_for(services)
    return ModuleLinks(titles={module.id: module.title for module in library},
                       open=lambda module_id: open_module(services, navigator, module_id))


def _exercise_links(services: AppServices, navigator: Navigator) -> ExerciseLinks:
    """Homework that asks for an exercise (by id, or whose title or instructions name
    one) opens it, for that homework."""
    names = exercise_names(exercise_library())
    return ExerciseLinks(
        named_in=lambda text: exercise_named_in(text, names),
        known=lambda exercise_id: exercise_id in names,
        title=lambda exercise_id: title_of(services, exercise_id),
        open=lambda exercise_id, homework_id: open_exercise(
            services, navigator, exercise_id, homework_id=homework_id))


@ft.component
def PracticeScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    busy, sync_now = use_sync_now("homework.sync.done")
    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    run = restore_run(services)
    running = exercise_library().get(run.exercise_id) if run is not None else None
    if running is not None:
        return ExerciseRunner(running, key=f"exercise:{running.id}")
    now = services.clock()
    care = care_status(store, now)
    board = homework_board(store, now)

    homework: list[ft.Control] = [kit.heading(t("homework.title")),
                                  kit.body(t("homework.intro"), muted=True)]
    sync_button = kit.secondary_button(
        t("sync.now.busy") if busy else t("homework.sync"), sync_now, ft.Icons.SYNC,
        disabled=busy)
    if not care.enrolled:
        homework.append(kit.empty_state(ft.Icons.ASSIGNMENT_OUTLINED,
                                        t("homework.not_connected.title"),
                                        t("homework.not_connected.body")))
    elif board.is_empty and care.discharged:
        homework.append(kit.empty_state(ft.Icons.ASSIGNMENT_OUTLINED, t("homework.empty.title"),
                                        t("homework.ended.body")))
    elif board.is_empty:
        homework.append(kit.empty_state(ft.Icons.ASSIGNMENT_OUTLINED, t("homework.empty.title"),
                                        t("homework.empty.body"), ft.Row([sync_button])))
    else:
        homework.append(HomeworkSection(store, board, care, _module_links(services, navigator),
                                        _exercise_links(services, navigator)))
        homework.append(kit.body(t("homework.shared_note" if care.clinic_receives_data
                                   else "homework.discharged_note"), muted=True, size=13))
        homework.append(ft.Row([sync_button]))
    exercises = exercise_section(services, navigator, store, now)
    # Homework due comes first (the care team asked for it, and it is short); otherwise
    # the exercises do, so a person who opens the tab to practise finds them at once.
    controls = [*homework, *exercises] if board.to_do else [*exercises, *homework]
    # Never a dead end: the coping steps the person already wrote are one tap away.
    controls.append(kit.card(
        kit.subheading(t("homework.exercises.title")),
        kit.body(t("homework.exercises.body"), muted=True),
        ft.Row([kit.secondary_button(t("homework.exercises.open"),
                                     lambda: navigator.open("safety_plan"),
                                     ft.Icons.HEALTH_AND_SAFETY_OUTLINED)]),
    ))
    return kit.screen(*controls)
