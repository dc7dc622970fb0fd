"""One exercise, from choosing it to the rating after: the runner.

Before: how to do it (and a health caution where there is one), the length, and an
optional 0-10 rating of distress (or craving, for urge surfing). Running: the pacer or
the step dial, the phase word (announced to screen readers), the time left, pause,
resume and stop. After: how long it lasted, an optional rating, and done.

Timing: the session's time is a `SessionClock` on `time.monotonic()`; a task sleeps
until the next moment the screen must change (the countdown's next second, a phase
change or a bell, from `Schedule.next_event_after`) and draws it then, rather than
polling, so each change reaches the screen as close to its time as the connection
allows. While it runs the screen is kept awake (Flet's `Wakelock`), each phase change
gives a light tap on phones (`HapticFeedback`), steps can be read aloud where the
device can speak (platform/speech.py), and the idle lock is held off (the person is
practising, not away). Leaving the screen (another tab, "Get help now", a lock)
pauses the session; a lock also writes it to the encrypted store
(services/practice.py), so it comes back, paused, after the PIN.

The soft bell (platform/bell.py, through flet-audio) is off by default; the person
turns it on on the start screen, and the choice is kept in the encrypted store
(services/practice.py). When on, it sounds at the start, at each phase change, at each
interval signal ("just sit") and at the end; in the web build it plays in the browser.
Audio that fails or is missing never stops the exercise: it goes on silently. Either
way an interval signal also shows its words on screen for a few seconds (announced
like a phase change), with a tap on phones.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import flet as ft

from iop_companion.content.exercises import Exercise, ExerciseKind
from iop_companion.domain.practice import PhaseAt
from iop_companion.platform.bell import Bell, make_bell
from iop_companion.platform.speech import speak, speech_available
from iop_companion.services.errors import SaveFailed
from iop_companion.services.practice import (
    DRAFT_FORM,
    PracticeRun,
    Stage,
    bell_on,
    finish_homework,
    save_session,
    set_bell,
)
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.practice.common import (
    current_run,
    keep_draft,
    schedule_for,
    set_run,
    words,
)
from iop_companion.ui.practice.pacer import pacer, step_dial

log = logging.getLogger(__name__)
READ_ALOUD_PREFERENCE = "practice.read_aloud"
DRAFT_EVERY_SECONDS = 30.0  # a running session is also written now and then (a crash)
PLATFORM_CALL_SECONDS = 3.0
BELL_SHOWN_SECONDS = 3  # an interval signal stays on screen this long


def clock_text(seconds: int) -> str:
    minutes, rest = divmod(max(seconds, 0), 60)
    return f"{minutes}:{rest:02d}"


def minutes_text(t: Callable[..., str], seconds: int) -> str:
    """"1 minute", "2 minutes", "under a minute" (what a session amounted to)."""
    if seconds < 60:
        return t("practice.duration.under_minute", seconds=seconds)
    minutes = round(seconds / 60)
    return t("practice.duration.one_minute") if minutes == 1 else t(
        "practice.duration.minutes", minutes=minutes)


async def _quietly(call: Callable[[], Awaitable[Any]]) -> None:
    """A platform service call that may be missing on this platform: never an error."""
    try:
        await asyncio.wait_for(call(), PLATFORM_CALL_SECONDS)
    except Exception as error:  # noqa: BLE001 - unsupported here: the exercise goes on
        log.debug("Platform call skipped: %s", type(error).__name__)


@ft.component
def ExerciseRunner(exercise: Exercise) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    page = ft.context.page
    _, set_tick = ft.use_state(0)
    wakelock = ft.use_ref(None)
    haptics = ft.use_ref(None)
    bell: ft.MutableRef[Bell | None] = ft.use_ref(None)
    loop_task = ft.use_ref(None)
    saved_at = ft.use_ref(0.0)
    read_aloud, set_read_aloud = ft.use_state(
        lambda: bool(services.preferences.get(READ_ALOUD_PREFERENCE, False)))
    bell_wanted, set_bell_wanted = ft.use_state(
        lambda: services.account.store is not None and bell_on(services.account.store))
    on_phone = page.platform in (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)
    can_speak = speech_available(on_server=bool(page.web))

    run = current_run(services)
    if run is not None and run.exercise_id != exercise.id:
        run = None
    # Every hook below runs on every render (Flet keeps hooks by position), so the
    # screen for "no session" is returned only after them.
    schedule = schedule_for(exercise, run.minutes if run else exercise.default_minutes)

    def redraw() -> None:
        set_tick(lambda n: n + 1)

    def update(new_run: PracticeRun | None) -> None:
        set_run(services, new_run)
        redraw()

    # --- platform cues -------------------------------------------------------------

    def keep_awake(on: bool) -> None:
        if wakelock.current is None:
            return
        lock = wakelock.current
        page.run_task(_quietly, lock.enable if on else lock.disable)

    def ring() -> None:
        if bell_wanted and bell.current is not None:
            page.run_task(bell.current.ring)  # never raises: no sound, the exercise goes on

    def cue(at: PhaseAt, text: str) -> None:
        ring()
        if on_phone and haptics.current is not None:
            page.run_task(_quietly, haptics.current.light_impact)
        if read_aloud and can_speak:
            page.run_task(_quietly, lambda: asyncio.to_thread(speak, text))

    def words_at(at: PhaseAt) -> tuple[str, str]:
        """The cue word, and what to say aloud."""
        if exercise.kind is ExerciseKind.BREATHING:
            word = words(services, exercise.pattern[at.index].cue)
            return word, word
        step = exercise.steps[at.index]
        return words(services, step.cue), words(services, step.text)

    def mount() -> None:
        # Services register with the page; kept in refs so they stay registered.
        wakelock.current = ft.Wakelock()
        haptics.current = ft.HapticFeedback()
        if bell_wanted:
            bell.current = make_bell()  # loaded now, so the first ring does not wait
        current = current_run(services)
        if current is not None and current.stage == Stage.RUNNING and current.clock \
                and not current.clock.paused:
            keep_awake(True)

    def leave() -> None:
        # Another tab, "Get help now" or a lock: the session waits, paused.
        current = current_run(services)
        if current is not None and current.stage == Stage.RUNNING and current.clock:
            set_run(services, replace(current, clock=current.clock.pause(time.monotonic())))
            services.drafts.save_now(DRAFT_FORM)
        keep_awake(False)

    ft.use_effect(mount, [], cleanup=leave)

    # --- the running loop -----------------------------------------------------------

    def end(finished: bool) -> None:
        current = current_run(services)
        store = services.account.store
        if current is None or current.clock is None or store is None:
            return
        now = time.monotonic()
        outcome = current.clock.outcome(now)
        ended = replace(current, stage=Stage.AFTER, clock=current.clock.pause(now),
                        outcome=outcome)
        try:
            save_session(store, ended, outcome, services.clock())
        except SaveFailed as error:
            # Kept paused (and in the draft): the person can try again with Stop.
            set_run(services, replace(current, clock=current.clock.pause(now)))
            navigator.notify(t("practice.error.save_failed", reason=str(error)))
            redraw()
            return
        marked = False
        if not outcome.ended_early:
            try:
                marked = finish_homework(store, current.homework_id, services.clock())
            except SaveFailed as error:
                navigator.notify(t("practice.error.homework_failed", reason=str(error)))
        services.drafts.finish(DRAFT_FORM)
        keep_awake(False)
        if finished:
            ring()  # the end, as a meditation timer marks it
        update(replace(ended, homework_marked=marked))
        navigator.sync_soon()

    async def loop() -> None:
        previous = current_run(services)
        if previous is None or previous.clock is None:
            return
        last = schedule.phase_at(previous.elapsed(time.monotonic()))
        while True:
            current = current_run(services)
            if (current is None or current.stage != Stage.RUNNING or current.clock is None
                    or current.clock.paused):
                return
            elapsed = current.elapsed(time.monotonic())
            if current.clock.finished(time.monotonic()):
                end(finished=True)
                return
            target = schedule.next_event_after(elapsed)
            await asyncio.sleep(max(0.0, target - elapsed) + 0.002)
            current = current_run(services)
            if current is None or current.clock is None or current.clock.paused:
                return
            now_elapsed = current.elapsed(time.monotonic())
            services.account.touch()  # practising is not being away
            at = schedule.phase_at(now_elapsed)
            if not at.finished and (at.ordinal != last.ordinal
                                    or schedule.bell_between(elapsed, now_elapsed)):
                _, spoken = words_at(at)
                cue(at, spoken if at.ordinal != last.ordinal else t("practice.bell"))
            last = at
            if now_elapsed - saved_at.current >= DRAFT_EVERY_SECONDS:
                saved_at.current = now_elapsed
                services.drafts.save_now(DRAFT_FORM)
            redraw()

    running = (run is not None and run.stage == Stage.RUNNING and run.clock is not None
               and not run.clock.paused)

    def start_loop() -> None:
        if running:
            loop_task.current = page.run_task(loop)

    def stop_loop() -> None:
        if loop_task.current is not None:
            loop_task.current.cancel()
            loop_task.current = None

    ft.use_effect(start_loop, [run.record_id if run else "", run.stage if run else "",
                               running], cleanup=stop_loop)

    # --- actions --------------------------------------------------------------------

    def start() -> None:
        current = current_run(services)
        if current is None:
            return
        started = current.start(services.clock().astimezone(services.zone()), time.monotonic())
        set_run(services, started)
        keep_draft(services)
        saved_at.current = 0.0
        keep_awake(True)
        at = schedule.phase_at(0)
        cue(at, words_at(at)[1])
        redraw()

    def pause() -> None:
        current = current_run(services)
        if current is not None and current.clock is not None:
            update(replace(current, clock=current.clock.pause(time.monotonic())))
            services.drafts.save_now(DRAFT_FORM)
            keep_awake(False)

    def resume() -> None:
        current = current_run(services)
        if current is not None and current.clock is not None:
            keep_draft(services)
            update(replace(current, clock=current.clock.resume(time.monotonic())))
            keep_awake(True)

    def close() -> None:
        services.drafts.finish(DRAFT_FORM)
        update(None)
        navigator.data_changed()

    def choose_minutes(value: str) -> None:
        current = current_run(services)
        if current is not None:
            update(replace(current, minutes=int(value)))

    def rate_before(value: int) -> None:
        current = current_run(services)
        if current is not None:
            update(replace(current, rating_before=value))

    def rate_after(value: int) -> None:
        current = current_run(services)
        store = services.account.store
        if current is None or current.outcome is None or store is None:
            return
        rated = replace(current, rating_after=value)
        try:
            save_session(store, rated, current.outcome, services.clock())
        except SaveFailed as error:
            navigator.notify(t("practice.error.save_failed", reason=str(error)))
            return
        update(rated)
        navigator.sync_soon()

    def toggle_bell(event: ft.ControlEvent) -> None:
        value = bool(event.control.value)
        store = services.account.store
        if store is None:
            return
        try:
            set_bell(store, value)
        except SaveFailed as error:
            navigator.notify(t("practice.error.bell_failed", reason=str(error)))
            redraw()  # the switch goes back to what is kept
            return
        if value and bell.current is None:
            bell.current = make_bell()
        set_bell_wanted(value)

    def toggle_read_aloud(event: ft.ControlEvent) -> None:
        value = bool(event.control.value)
        services.preferences.set(READ_ALOUD_PREFERENCE, value)
        set_read_aloud(value)

    # --- the screen -----------------------------------------------------------------

    if run is None:
        return kit.screen(kit.body(t("practice.ended")))

    rating_word = t(f"practice.rating.{exercise.rating.value}")
    title = words(services, exercise.title)
    controls: list[ft.Control] = [kit.heading(title)]

    if run.stage == Stage.BEFORE:
        if exercise.caution is not None:
            controls.append(kit.card(
                ft.Row([ft.Icon(ft.Icons.HEALTH_AND_SAFETY_OUTLINED, color=ft.Colors.TERTIARY),
                        kit.subheading(t("practice.caution"))], spacing=8),
                kit.body(words(services, exercise.caution)), tone="help"))
        controls.append(kit.card(
            kit.subheading(t("practice.how")),
            *[kit.body(words(services, line)) for line in exercise.before]))
        if len(exercise.durations) > 1:
            controls.append(kit.choice_chips(
                t("practice.length"),
                [(str(m), t("practice.minutes_short", minutes=m)) for m in exercise.durations],
                str(run.minutes), choose_minutes, short_name=t("practice.length")))
        else:
            controls.append(kit.body(t("practice.length_fixed",
                                       minutes=exercise.durations[0]), muted=True))
        controls.append(kit.scale_picker(
            t("practice.rating.before", what=rating_word), run.rating_before, rate_before,
            low_text=t("practice.rating.low"), high_text=t("practice.rating.high")))
        controls.append(kit.body(t("practice.rating.optional"), muted=True, size=13))
        controls.append(ft.Column([
            ft.Switch(label=t("practice.sound.bell"), value=bell_wanted, on_change=toggle_bell),
            kit.body(t("practice.sound.bell_on" if bell_wanted else "practice.sound.bell_off"),
                     muted=True, size=13),
        ], spacing=2))
        controls.append(ft.Row([kit.primary_button(t("practice.start"), start,
                                                   ft.Icons.PLAY_ARROW, expand=True)]))
        controls.append(ft.Row([kit.text_button(t("practice.back"), close, ft.Icons.ARROW_BACK)]))
        sources = "; ".join(f"{s.publisher}, {s.title}" for s in exercise.sources)
        controls.append(kit.body(t("practice.sources", sources=sources), muted=True, size=12))
        return kit.screen(*controls)

    if run.stage == Stage.RUNNING and run.clock is not None:
        now = time.monotonic()
        elapsed = run.elapsed(now)
        at = schedule.phase_at(elapsed)
        word, _ = words_at(at)
        rang = [b for b in schedule.bells if 0 <= elapsed - b < BELL_SHOWN_SECONDS]
        if rang and not at.finished:
            # The signal, on screen and announced (a bell, when the bell is on).
            word = t("practice.bell_rang" if bell_wanted else "practice.bell")
        paused = run.clock.paused
        countdown = t("practice.countdown", seconds=at.seconds_left)
        if exercise.kind is ExerciseKind.BREATHING:
            visual = pacer(at, word, countdown_label=countdown)
        else:
            visual = step_dial(at, word, elapsed / schedule.duration, countdown_label=countdown)
        controls.append(ft.Container(content=visual, alignment=ft.Alignment.CENTER,
                                     padding=ft.Padding.only(top=8)))
        if exercise.kind is not ExerciseKind.BREATHING:
            controls.append(kit.card(kit.body(words(services, exercise.steps[at.index].text),
                                              size=17)))
        left = t("practice.left", time=clock_text(at.session_left))
        controls.append(ft.Text(t("practice.paused") if paused else left, size=15,
                                text_align=ft.TextAlign.CENTER,
                                semantics_label=f"{t('practice.paused')} {left}" if paused
                                else left))
        buttons = [
            kit.primary_button(t("practice.resume"), resume, ft.Icons.PLAY_ARROW)
            if paused else kit.secondary_button(t("practice.pause"), pause, ft.Icons.PAUSE),
            kit.text_button(t("practice.stop"), lambda: end(finished=False), ft.Icons.STOP),
        ]
        controls.append(ft.Row(buttons, alignment=ft.MainAxisAlignment.CENTER, wrap=True,
                               spacing=12, run_spacing=8))
        if can_speak:
            controls.append(ft.Switch(label=t("practice.read_aloud"), value=read_aloud,
                                      on_change=toggle_read_aloud))
        return kit.screen(*controls)

    # After: saved; how it went, and an optional rating.
    outcome = run.outcome
    seconds = outcome.seconds_completed if outcome else 0
    done_key = "practice.after.early" if outcome and outcome.ended_early else "practice.after.done"
    controls.append(kit.card(
        ft.Row([ft.Icon(ft.Icons.SPA_OUTLINED, color=ft.Colors.PRIMARY),
                kit.subheading(t(done_key))], spacing=8),
        kit.body(t("practice.after.time", time=minutes_text(t, seconds))),
        kit.body(t("practice.after.saved"), muted=True, size=13),
        tone="primary"))
    if run.homework_marked:
        controls.append(kit.message(t("practice.after.homework_done"), error=False))
    controls.append(kit.scale_picker(
        t("practice.rating.after", what=rating_word), run.rating_after, rate_after,
        low_text=t("practice.rating.low"), high_text=t("practice.rating.high")))
    if run.rating_before is not None and run.rating_after is not None:
        controls.append(kit.body(t("practice.rating.change", before=run.rating_before,
                                   after=run.rating_after, what=rating_word)))
    controls.append(ft.Row([kit.primary_button(t("practice.finish"), close, ft.Icons.CHECK)]))
    return kit.screen(*controls)
