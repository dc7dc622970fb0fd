"""A screen that fails to draw must never leave a person without help.

In Flet 1.0.5 an exception while a component renders stops the display from updating
at all, silently. Every screen the shell shows is wrapped here: if drawing it fails,
a plain screen takes its place with the crisis lines (which come from data and need
nothing else) and a way back, and the error's type (never its text, which might quote
what was typed) goes to the log.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import flet as ft

from iop_companion.services.container import AppServices
from iop_companion.ui import kit
from iop_companion.ui.context import ServicesContext

log = logging.getLogger(__name__)


def guarded_screen(screen: Callable[..., ft.Control]) -> Callable[..., ft.Control]:
    """`screen` (an @ft.component) as a component that shows help instead of failing."""
    body: Callable[..., ft.Control] = getattr(screen, "__wrapped__", screen)

    @functools.wraps(body)
    def render(*args: Any, **kwargs: Any) -> ft.Control:
        # Always the first hook, whether the body then fails or not: hook order is stable.
        services = ft.use_context(ServicesContext)
        try:
            return body(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the whole point: never a frozen screen
            log.error("A screen failed to draw (%s): %s", body.__name__, type(error).__name__)
            return screen_failed(services)

    return ft.component(render)


def screen_failed(services: AppServices | None) -> ft.Control:
    # Imported here: the safety component imports screens' modules, which import this.
    from iop_companion.ui.safety.crisis import crisis_contact_cards

    if services is None:
        # Only outside the shell (which always provides services); its top bar keeps
        # "Get help now" in any case, and crisis numbers never come from literals.
        return kit.screen()
    t = services.t
    try:
        contacts = services.crisis_contacts()
    except Exception:  # noqa: BLE001 - the store may be what failed: the region's lines remain
        contacts = list(services.crisis_resources.contacts)
    return kit.screen(
        kit.heading(t("screen_failed.title")),
        kit.body(t("screen_failed.body")),
        *crisis_contact_cards(services, contacts),
    )
