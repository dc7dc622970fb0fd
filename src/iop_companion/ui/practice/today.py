"""Practice on Today: one tap to an exercise in a hard moment ("I'm having a craving"
opens urge surfing, "I feel overwhelmed" opens TIPP), a session to continue if one was
left paused, favourites, and the minutes practised this week."""

from __future__ import annotations

from datetime import datetime

import flet as ft

from iop_companion.services.container import AppServices
from iop_companion.services.practice import favourites, week_seconds
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator
from iop_companion.ui.practice.common import (
    CRAVING_EXERCISE,
    OVERWHELMED_EXERCISE,
    exercise_library,
    open_exercise,
    paused_run,
    title_of,
)
from iop_companion.ui.practice.library import week_text

FAVOURITES_ON_TODAY = 3


def practice_card(services: AppServices, navigator: Navigator, store: Store,
                  now: datetime) -> ft.Control:
    t = services.t
    library = exercise_library()

    def opener(exercise_id: str):
        return lambda: open_exercise(services, navigator, exercise_id)

    buttons: list[ft.Control] = []
    waiting = paused_run(services)
    if waiting is not None:
        buttons.append(kit.primary_button(
            t("practice.today.continue", title=title_of(services, waiting.exercise_id)),
            lambda: navigator.go_tab("practice"), ft.Icons.PLAY_ARROW))
    if CRAVING_EXERCISE in library:
        buttons.append(kit.secondary_button(t("practice.today.craving"),
                                            opener(CRAVING_EXERCISE), ft.Icons.WAVES))
    if OVERWHELMED_EXERCISE in library:
        buttons.append(kit.secondary_button(t("practice.today.overwhelmed"),
                                            opener(OVERWHELMED_EXERCISE), ft.Icons.AIR))
    starred = [i for i in favourites(store) if i in library][:FAVOURITES_ON_TODAY]
    for exercise_id in starred:
        buttons.append(kit.text_button(title_of(services, exercise_id), opener(exercise_id),
                                       ft.Icons.STAR))
    return kit.card(
        kit.subheading(t("practice.today.title")),
        ft.Column(buttons, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.START),
        # Not in a Row: a Text there runs off the card instead of wrapping.
        kit.body(week_text(services, week_seconds(store, now, services.zone())),
                 muted=True, size=14),
        kit.text_button(t("practice.today.all"), lambda: navigator.go_tab("practice"),
                        ft.Icons.SELF_IMPROVEMENT),
    )
