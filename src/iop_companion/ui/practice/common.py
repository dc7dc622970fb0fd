"""What the Practice tab, Today and homework share about exercises: the library, the
words of an exercise in the person's language, the session in progress, and opening an
exercise in one tap from anywhere.

The session in progress lives in `services.unsaved_forms` (memory, for this app
session) so that stepping away to "Get help now" or another tab loses nothing, and in
the encrypted draft (services/drafts.py) so that a lock loses nothing either.
"""

from __future__ import annotations

import time
from dataclasses import replace

from iop_companion.content.exercises import (
    Exercise,
    ExerciseKind,
    ExerciseLibrary,
    Text,
    cached_library,
)
from iop_companion.domain.practice import Schedule, breathing_schedule, steps_schedule
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.practice import (
    DRAFT_FORM,
    PracticeRun,
    Stage,
    run_from_snapshot,
    run_snapshot,
    save_session,
)
from iop_companion.ui.context import Navigator

RUN_KEY = "practice.run"
CRAVING_EXERCISE = "urge-surfing"
OVERWHELMED_EXERCISE = "tipp"


def exercise_library() -> ExerciseLibrary:
    """The exercises shipped with the app (read once; a bad file is left out)."""
    return cached_library(None)


def words(services: AppServices, text: Text) -> str:
    return text.in_language(services.translator.locale)


def title_of(services: AppServices, exercise_id: str) -> str:
    exercise = exercise_library().get(exercise_id)
    return words(services, exercise.title) if exercise else exercise_id


def exercise_names(library: ExerciseLibrary) -> dict[str, list[str]]:
    """Every name each exercise goes by, in every language (to find it in homework)."""
    return {e.id: [text for _, text in e.title.by_language] for e in library}


def schedule_for(exercise: Exercise, minutes: int) -> Schedule:
    if exercise.kind is ExerciseKind.BREATHING:
        return breathing_schedule([(p.phase.value, p.seconds) for p in exercise.pattern],
                                  minutes)
    return steps_schedule([(s.seconds, s.stretch) for s in exercise.steps], minutes,
                          bell_every_seconds=exercise.bell_every_seconds)


def current_run(services: AppServices) -> PracticeRun | None:
    run = services.unsaved_forms.get(RUN_KEY)
    return run if isinstance(run, PracticeRun) else None


def set_run(services: AppServices, run: PracticeRun | None) -> None:
    if run is None:
        services.unsaved_forms.pop(RUN_KEY, None)
    else:
        services.unsaved_forms[RUN_KEY] = run


def keep_draft(services: AppServices) -> None:
    """While a session runs, a lock writes it (paused) to the encrypted store."""
    def snapshot() -> object:
        run = current_run(services)
        if run is None or run.stage != Stage.RUNNING:
            return {}
        return run_snapshot(run, time.monotonic())

    services.drafts.keep(DRAFT_FORM, snapshot)


def restore_run(services: AppServices) -> PracticeRun | None:
    """The session in progress: the one in memory, else the one a lock kept (paused)."""
    run = current_run(services)
    if run is None:
        run = run_from_snapshot(services.drafts.resume(DRAFT_FORM))
        if run is not None and (run.stage != Stage.RUNNING
                                or exercise_library().get(run.exercise_id) is None):
            services.drafts.finish(DRAFT_FORM)
            run = None
        if run is not None:
            set_run(services, run)
    if run is not None and run.stage == Stage.RUNNING:
        keep_draft(services)
    return run


def paused_run(services: AppServices) -> PracticeRun | None:
    """A session started and not yet ended (for "Continue" on Today)."""
    run = restore_run(services)
    return run if run is not None and run.stage == Stage.RUNNING else None


def open_exercise(services: AppServices, navigator: Navigator, exercise_id: str, *,
                  homework_id: str | None = None) -> None:
    """Show the exercise ready to start, on the Practice tab. A session still in
    progress is saved first (as ended early), so switching never loses minutes."""
    exercise = exercise_library().get(exercise_id)
    if exercise is None:
        navigator.notify(services.t("practice.error.missing"))
        return
    existing = restore_run(services)
    if existing is not None and existing.stage == Stage.RUNNING and existing.clock:
        if existing.exercise_id == exercise_id and existing.homework_id == homework_id:
            navigator.go_tab("practice")  # the same one: carry on where it was
            navigator.data_changed()
            return
        end_early(services, existing)
    set_run(services, PracticeRun(exercise_id, exercise.default_minutes,
                                  exercise.rating.value, homework_id=homework_id))
    navigator.go_tab("practice")
    navigator.data_changed()  # already on the tab: draw the exercise now


def end_early(services: AppServices, run: PracticeRun) -> None:
    """Save a session that is being left for another one."""
    store = services.account.store
    if store is None or run.clock is None:
        return
    now = time.monotonic()
    outcome = run.clock.outcome(now)
    try:
        save_session(store, replace(run, clock=run.clock.pause(now)), outcome,
                     services.clock())
    except SaveFailed:
        return  # the draft stays: nothing is lost
    services.drafts.finish(DRAFT_FORM)
    set_run(services, None)
