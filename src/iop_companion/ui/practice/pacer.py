"""The breathing pacer and the step dial: what a running exercise looks like.

The pacer is a circle that grows while breathing in, stays full while holding, shrinks
while breathing out and stays small while resting. The growing and shrinking is one
animation per phase, run by the Flutter client (`animate_scale`), so it is smooth on a
phone however slowly the server answers; the server only says where to go next and
how long to take.

Screen readers do not see the circle. They hear the phase word, which sits in a live
region (`Semantics(live_region=True)`): each change ("Breathe in", "Hold", "Breathe
out") is announced as it happens. The countdown is outside that region, so it is not
read out every second (it is still on screen, and focusable).
"""

from __future__ import annotations

import flet as ft

from iop_companion.domain.practice import STEP, PhaseAt

PACER_SIZE = 220
SMALL = 0.45  # the circle's size breathed out, as a share of full
# Where each phase takes the circle: full, or small.
_TARGET = {"in": 1.0, "hold": 1.0, "out": SMALL, "rest": SMALL}


def _scale_for(at: PhaseAt) -> float:
    return _TARGET.get(at.kind, SMALL)


def announced(word: str, *, size: int = 30, key: str = "") -> ft.Control:
    """The phase word, large, in a live region (announced on every change)."""
    return ft.Semantics(
        live_region=True,
        label=word,
        container=True,
        exclude_semantics=True,  # the label says it once; the text would repeat it
        content=ft.Text(word, size=size, weight=ft.FontWeight.W_600,
                        text_align=ft.TextAlign.CENTER),
        key=key or None,
    )


def pacer(at: PhaseAt, word: str, *, countdown_label: str) -> ft.Control:
    """The breathing circle with the countdown inside it, and the phase word below."""
    seconds = max(at.end - at.start, 0.1)
    circle = ft.Container(
        width=PACER_SIZE,
        height=PACER_SIZE,
        border_radius=PACER_SIZE / 2,
        bgcolor=ft.Colors.PRIMARY_CONTAINER,
        scale=_scale_for(at) if not at.finished else SMALL,
        # The whole phase's length: the circle arrives as the phase ends.
        animate_scale=ft.Animation(ft.Duration(milliseconds=int(seconds * 1000)),
                                   ft.AnimationCurve.EASE_IN_OUT),
    )
    ring = ft.Container(
        width=PACER_SIZE,
        height=PACER_SIZE,
        border_radius=PACER_SIZE / 2,
        border=ft.Border.all(2, ft.Colors.OUTLINE_VARIANT),
    )
    count = ft.Text(str(at.seconds_left), size=44, weight=ft.FontWeight.W_300,
                    color=ft.Colors.ON_PRIMARY_CONTAINER, semantics_label=countdown_label)
    return ft.Column(
        [
            ft.Stack([ring, circle, ft.Container(content=count, alignment=ft.Alignment.CENTER,
                                                 width=PACER_SIZE, height=PACER_SIZE)],
                     width=PACER_SIZE, height=PACER_SIZE),
            announced(word),
        ],
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        spacing=12,
    )


def step_dial(at: PhaseAt, word: str, session_progress: float, *,
              countdown_label: str) -> ft.Control:
    """A guided step: a ring filling over the whole session, the step's countdown in it,
    and the step's cue word below (in the live region)."""
    assert at.kind == STEP or at.finished
    count = ft.Text(str(at.seconds_left), size=40, weight=ft.FontWeight.W_300,
                    semantics_label=countdown_label)
    ring = ft.ProgressRing(value=min(max(session_progress, 0.0), 1.0), width=PACER_SIZE - 40,
                           height=PACER_SIZE - 40, stroke_width=8,
                           bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST)
    return ft.Column(
        [
            ft.Stack([ring, ft.Container(content=count, alignment=ft.Alignment.CENTER,
                                         width=PACER_SIZE - 40, height=PACER_SIZE - 40)],
                     width=PACER_SIZE - 40, height=PACER_SIZE - 40),
            announced(word, size=26),
        ],
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        spacing=12,
    )
