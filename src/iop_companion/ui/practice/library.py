"""The exercise list on the Practice tab: minutes this week, favourites, recently used,
every exercise (each one tap from starting), and the sessions done lately.

Practice is counted, never scored: a week with no practice says "any minute counts",
and a session ended early is listed as what it was, without a warning colour.
"""

from __future__ import annotations

from datetime import datetime

import flet as ft

from iop_companion.content.exercises import Exercise, ExerciseKind
from iop_companion.domain.practice import minutes_label_value
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.practice import (
    favourites,
    history,
    recent_exercises,
    toggle_favourite,
    week_seconds,
)
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator
from iop_companion.ui.formatting import clock_time, day_label
from iop_companion.ui.practice.common import (
    exercise_library,
    open_exercise,
    title_of,
    words,
)
from iop_companion.ui.practice.exercise import minutes_text

_ICONS = {ExerciseKind.BREATHING: ft.Icons.AIR, ExerciseKind.GUIDED: ft.Icons.SPA_OUTLINED,
          ExerciseKind.TIMER: ft.Icons.TIMER_OUTLINED}


def named_button(text: str, spoken: str, on_click, icon: ft.IconData) -> ft.Control:
    """A filled button showing `text` whose screen-reader name says which exercise it
    is for ("Open: Box breathing"): every card has the same button. The name is on the
    button's own text, so a screen reader's activation reaches the button itself."""
    return ft.FilledButton(content=ft.Text(text, semantics_label=spoken), icon=icon,
                           on_click=kit.tracked(on_click), height=kit.MIN_TOUCH)


def _star(label: str, starred: bool, on_click) -> ft.Control:
    handler = kit.tracked(on_click)
    return ft.Semantics(
        label=label, button=True, container=True, exclude_semantics=True,
        on_tap=handler,  # a screen reader's activation
        content=ft.IconButton(ft.Icons.STAR if starred else ft.Icons.STAR_BORDER,
                              on_click=handler, icon_color=ft.Colors.PRIMARY,
                              width=kit.MIN_TOUCH, height=kit.MIN_TOUCH))


def durations_text(services: AppServices, exercise: Exercise) -> str:
    t = services.t
    values = [str(m) for m in exercise.durations]
    if len(values) == 1:
        return t("practice.minutes_short", minutes=values[0])
    joined = ", ".join(values[:-1])
    return t("practice.durations", some=joined, last=values[-1])


def week_text(services: AppServices, seconds: int) -> str:
    minutes = minutes_label_value(seconds)
    if seconds <= 0:
        return services.t("practice.week.none")
    if seconds < 60:
        return services.t("practice.week.under")
    if minutes <= 1:
        return services.t("practice.week.one")
    return services.t("practice.week.minutes", minutes=minutes)


def exercise_tile(services: AppServices, navigator: Navigator, store: Store,
                  exercise: Exercise, starred: bool) -> ft.Control:
    t = services.t
    title = words(services, exercise.title)

    def star() -> None:
        try:
            toggle_favourite(store, exercise.id)
        except SaveFailed as error:
            navigator.notify(t("practice.error.save_failed", reason=str(error)))
            return
        navigator.data_changed()

    star_label = t("practice.unfavourite" if starred else "practice.favourite", title=title)
    start_text = t("practice.open")
    return kit.card(
        ft.Row([ft.Icon(_ICONS[exercise.kind], color=ft.Colors.PRIMARY),
                ft.Text(title, size=17, weight=ft.FontWeight.W_600, expand=True),
                _star(star_label, starred, star)],
               spacing=8, vertical_alignment=ft.CrossAxisAlignment.CENTER),
        kit.body(words(services, exercise.summary), muted=True, size=14),
        ft.Row([named_button(start_text, f"{start_text}: {title}",
                             lambda: open_exercise(services, navigator, exercise.id),
                             ft.Icons.PLAY_ARROW),
                kit.body(durations_text(services, exercise), muted=True, size=13)],
               spacing=12, wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER),
    )


def history_lines(services: AppServices, store: Store, now: datetime) -> list[ft.Control]:
    """The latest sessions: when, which, how long, ratings."""
    t = services.t
    zone = services.zone()
    lines: list[ft.Control] = []
    for session in history(store, 3):
        try:
            started = datetime.fromisoformat(session["started_at"])
        except (KeyError, ValueError):
            continue
        when = t("practice.history.when", day=day_label(services.translator,
                                                       started.astimezone(zone).date(),
                                                       now.astimezone(zone).date()),
                 time=clock_time(services.translator, started, zone))
        parts = [title_of(services, str(session.get("exercise_id"))),
                 minutes_text(t, int(session.get("seconds_completed") or 0))]
        if session.get("ended_early"):
            parts.append(t("practice.history.early"))
        before, after = session.get("rating_before"), session.get("rating_after")
        what = t(f"practice.rating.{session.get('rating_kind') or 'distress'}")
        if before is not None and after is not None:
            parts.append(t("practice.history.ratings", what=what, before=before, after=after))
        elif before is not None:
            parts.append(t("practice.history.rating_before", what=what, before=before))
        lines.append(ft.Column([kit.body(" · ".join(parts), size=15),
                                kit.body(when, muted=True, size=13)], spacing=2))
    return lines


def exercise_section(services: AppServices, navigator: Navigator, store: Store,
                     now: datetime) -> list[ft.Control]:
    t = services.t
    library = exercise_library()
    exercises = library.for_audience("participant")
    starred = [e for e in (library.get(i) for i in favourites(store)) if e is not None]
    starred_ids = {e.id for e in starred}
    recent = [e for e in (library.get(i) for i in recent_exercises(store))
              if e is not None and e.id not in starred_ids]
    controls: list[ft.Control] = [
        kit.heading(t("practice.title")),
        kit.body(t("practice.intro"), muted=True),
        # The text takes the row's width and wraps (a bare Text in a Row runs off it).
        kit.card(ft.Row([ft.Icon(ft.Icons.SELF_IMPROVEMENT, color=ft.Colors.PRIMARY),
                         ft.Container(content=kit.body(week_text(
                             services, week_seconds(store, now, services.zone()))),
                             expand=True)],
                        spacing=8), tone="primary"),
    ]
    lines = history_lines(services, store, now)
    if lines:
        controls.append(kit.card(kit.subheading(t("practice.history.title")), *lines))
    if starred:
        controls.append(kit.subheading(t("practice.favourites")))
        controls += [exercise_tile(services, navigator, store, e, True) for e in starred]
    if recent:
        controls.append(kit.subheading(t("practice.recent")))
        controls += [exercise_tile(services, navigator, store, e, False) for e in recent]
    shown = starred_ids | {e.id for e in recent}
    controls.append(kit.subheading(t("practice.all")))
    controls += [exercise_tile(services, navigator, store, e, e.id in starred_ids)
                 for e in exercises if e.id not in shown]
    return controls
