"""Small building blocks every screen uses.

Each control gets an accessible label (what a screen reader says and what the
browser tests find), a touch target of at least 48 px, and a handler wrapper that
counts as activity for the idle lock.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import flet as ft

from iop_companion.ui.theme import MIN_TOUCH

Handler = Callable[[], Any]

_activity_listeners: list[Callable[[], None]] = []


def on_activity(listener: Callable[[], None]) -> None:
    """Register something to be told whenever the person taps or types."""
    _activity_listeners.append(listener)


def tracked(handler: Handler | None) -> Callable[..., Any] | None:
    """The handler, counting each use as activity (so the idle lock stays away)."""
    if handler is None:
        return None
    if inspect.iscoroutinefunction(handler):
        async def run_async(*_: Any) -> Any:
            for listener in _activity_listeners:
                listener()
            return await handler()

        return run_async

    def run(*_: Any) -> Any:
        for listener in _activity_listeners:
            listener()
        return handler()

    return run


def _button_style() -> ft.ButtonStyle:
    return ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=20, vertical=12))


def primary_button(label: str, on_click: Handler | None, icon: ft.IconData | None = None,
                   *, disabled: bool = False, expand: bool = False) -> ft.Control:
    return ft.FilledButton(label, icon=icon, on_click=tracked(on_click), disabled=disabled,
                           height=MIN_TOUCH, style=_button_style(),
                           expand=True if expand else None)  # False would wrap it in Expanded


def secondary_button(label: str, on_click: Handler | None, icon: ft.IconData | None = None,
                     *, disabled: bool = False, expand: bool = False) -> ft.Control:
    return ft.OutlinedButton(label, icon=icon, on_click=tracked(on_click), disabled=disabled,
                             height=MIN_TOUCH, style=_button_style(),
                           expand=True if expand else None)  # False would wrap it in Expanded


def text_button(label: str, on_click: Handler | None, icon: ft.IconData | None = None) -> ft.Control:
    return ft.TextButton(label, icon=icon, on_click=tracked(on_click), height=MIN_TOUCH,
                         style=_button_style())


def link_button(label: str, url: str, icon: ft.IconData | None = None,
                *, filled: bool = False, on_click: Handler | None = None) -> ft.Control:
    """A button the phone handles itself (tel:, sms:, https:), so it works offline.
    `on_click` runs too (e.g. to note that the person reached out for help)."""
    button = ft.FilledButton if filled else ft.OutlinedButton
    return button(label, icon=icon, url=url, on_click=tracked(on_click), height=MIN_TOUCH,
                  style=_button_style())


def icon_action(icon: ft.IconData, label: str, on_click: Handler) -> ft.Control:
    # IconButton's tooltip is not read as the button's name on the web, so name it
    # through Semantics and hide the inner duplicate.
    return ft.Semantics(
        label=label, button=True, container=True, exclude_semantics=True,
        content=ft.IconButton(icon, tooltip=label, on_click=tracked(on_click),
                              width=MIN_TOUCH, height=MIN_TOUCH),
    )


def heading(text: str, *, size: int = 22) -> ft.Control:
    return ft.Semantics(header=True, content=ft.Text(text, size=size, weight=ft.FontWeight.W_600))


def subheading(text: str) -> ft.Control:
    return ft.Semantics(header=True, content=ft.Text(text, size=17, weight=ft.FontWeight.W_600))


def body(text: str, *, muted: bool = False, size: int = 15) -> ft.Control:
    return ft.Text(text, size=size, color=ft.Colors.ON_SURFACE_VARIANT if muted else None)


def message(text: str | None, *, error: bool = True) -> ft.Control:
    """An inline message next to a form, announced by screen readers when it changes."""
    if not text:
        return ft.Container(height=0)
    return ft.Semantics(
        live_region=True,
        content=ft.Text(text, color=ft.Colors.ERROR if error else ft.Colors.PRIMARY, size=15),
    )


def card(*controls: ft.Control, tone: str = "surface") -> ft.Control:
    colors = {
        "surface": ft.Colors.SURFACE_CONTAINER_LOW,
        "primary": ft.Colors.PRIMARY_CONTAINER,
        "help": ft.Colors.ERROR_CONTAINER,
    }
    # One semantics node per card, so a screen reader reads a card as a unit.
    return ft.Semantics(container=True, content=ft.Container(
        content=ft.Column(list(controls), spacing=10, tight=True),
        bgcolor=colors[tone],
        border_radius=16,
        padding=16,
    ))


def empty_state(icon: ft.IconData, title: str, explanation: str,
                *actions: ft.Control) -> ft.Control:
    return ft.Container(
        padding=ft.Padding.symmetric(horizontal=8, vertical=24),
        content=ft.Column(
            [
                ft.Icon(icon, size=48, color=ft.Colors.PRIMARY),
                subheading(title),
                body(explanation, muted=True),
                *actions,
            ],
            spacing=12,
            horizontal_alignment=ft.CrossAxisAlignment.START,
        ),
    )


def use_text(initial: str = "") -> ft.MutableRef[str]:
    """What a person has typed into a field, kept without re-rendering per keystroke.

    Re-rendering on every keystroke races with typing (a render computed from the
    previous value can overwrite characters still on their way), so fields keep
    their text in a ref and screens read it when the person acts.
    """
    return ft.use_ref(initial)


def text_field(label: str, text: ft.MutableRef[str], *,
               password: bool = False, numeric: bool = False, multiline: bool = False,
               max_length: int | None = None, helper: str | None = None,
               error: str | None = None, on_submit: Handler | None = None,
               autofocus: bool = False) -> ft.Control:
    def changed(event: ft.ControlEvent) -> None:
        for listener in _activity_listeners:
            listener()
        text.current = event.control.value or ""

    return ft.TextField(
        label=label,
        value=text.current,
        on_change=changed,
        on_submit=tracked(on_submit),
        password=password,
        can_reveal_password=password,
        keyboard_type=ft.KeyboardType.NUMBER if numeric else None,
        multiline=multiline,
        min_lines=3 if multiline else None,
        max_lines=6 if multiline else None,
        max_length=max_length,
        helper=helper,
        error=error,
        # Messages next to a field must be read in full, never cut off with "...".
        helper_max_lines=3,
        error_max_lines=4,
        autofocus=autofocus,
    )


def scale_picker(label: str, value: int | None, on_select: Callable[[int], None], *,
                 low_text: str, high_text: str, minimum: int = 0,
                 maximum: int = 10) -> ft.Control:
    """A 0-10 scale as a row of numbered buttons: quick to tap, clear to a screen reader.

    (Flet's Slider adds a full-screen layer to the web accessibility tree that
    swallows taps meant for the controls below it, so scales use buttons.)
    """
    def number(n: int) -> ft.Control:
        chosen = n == value
        style = ft.ButtonStyle(padding=0, shape=ft.CircleBorder())
        # The digit is what shows; "Mood 6" is what a screen reader says.
        face = ft.Text(str(n), semantics_label=f"{label} {n}")
        button = ft.FilledButton if chosen else ft.OutlinedButton
        return button(face, on_click=tracked(lambda: on_select(n)), width=MIN_TOUCH,
                      height=MIN_TOUCH, style=style)

    heading_text = f"{label}: {value}" if value is not None else label
    return ft.Column(
        [
            ft.Text(heading_text, size=15, weight=ft.FontWeight.W_500),
            ft.Row([number(n) for n in range(minimum, maximum + 1)], wrap=True, spacing=4,
                   run_spacing=4),
            ft.Row([body(low_text, muted=True, size=13), body(high_text, muted=True, size=13)],
                   alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
        ],
        spacing=6,
    )


def choice_chips(label: str, options: list[tuple[str, str]], selected: str | None,
                 on_select: Callable[[str], None], *, short_name: str | None = None
                 ) -> ft.Control:
    """A single-choice row of chips.

    With `short_name`, a screen reader hears "Medicines: Yes" rather than a bare
    "Yes", which matters when several questions share the same answers.
    """
    def chip(value: str, text: str) -> ft.Control:
        chosen = value == selected
        button = ft.FilledTonalButton if chosen else ft.OutlinedButton
        face = ft.Text(text, semantics_label=f"{short_name}: {text}" if short_name else None)
        return ft.Semantics(
            selected=chosen,
            content=button(face, icon=ft.Icons.CHECK if chosen else None,
                           on_click=tracked(lambda: on_select(value)), height=MIN_TOUCH),
        )

    return ft.Column(
        [ft.Text(label, size=15, weight=ft.FontWeight.W_500),
         ft.Row([chip(v, t) for v, t in options], wrap=True, spacing=8, run_spacing=8)],
        spacing=6,
    )


def screen(*controls: ft.Control) -> ft.Control:
    """A scrolling screen body: full width on a phone, a centred column on a desktop."""
    column = ft.Column(list(controls), spacing=16,
                       horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    return ft.ListView(
        controls=[
            ft.ResponsiveRow(
                [ft.Container(content=column, col={"xs": 12, "md": 9, "lg": 7, "xl": 6},
                              padding=ft.Padding.symmetric(horizontal=16, vertical=12))],
                alignment=ft.MainAxisAlignment.CENTER,
            )
        ],
        expand=True,
    )
