"""The daily check-in reminder inside the app: the shell's periodic check and the banner.

The shell calls `in_app_reminder_due` from its timer loop while the app is open. The
reminder goes to the system's notifications where plyer has a backend (phones,
desktops); in web mode, or with no backend, the shell shows `reminder_banner` instead.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.domain.check_in import latest_on_day
from iop_companion.platform.notifications import Delivery
from iop_companion.services.container import AppServices
from iop_companion.services.reminders import TEXT_KEY, remind_if_due
from iop_companion.ui import kit

REMINDER_CHECK_SECONDS = 15


def in_app_reminder_due(services: AppServices, page: ft.Page) -> bool:
    """Send today's reminder if it is due; True when the app must show its banner."""
    store = services.account.store
    if store is None or services.role == "family" or not services.account.is_unlocked:
        return False
    # In the browser the Python side runs on a server: a system notification would
    # show on that machine, so web mode always uses the banner.
    delivery = remind_if_due(store, services.clock(), services.zone(), services.t,
                             system_allowed=not page.web)
    return delivery is Delivery.IN_APP


def checked_in_today(services: AppServices) -> bool:
    """A check-in made some other way (from Today) makes a showing banner moot."""
    store = services.account.store
    if store is None or not services.account.is_unlocked:
        return False
    zone = services.zone()
    return latest_on_day(store.check_ins.list_recent(1),
                         services.clock().astimezone(zone).date(), zone) is not None


def reminder_banner(t: Callable[..., str], on_open: Callable[[], None],
                    on_dismiss: Callable[[], None]) -> ft.Control:
    return ft.Container(
        content=ft.Column([
            ft.Semantics(live_region=True, content=ft.Row(
                [ft.Icon(ft.Icons.NOTIFICATIONS_ACTIVE_OUTLINED, color=ft.Colors.PRIMARY),
                 ft.Text(t(TEXT_KEY), size=16, weight=ft.FontWeight.W_600, expand=True)],
                spacing=8)),
            ft.Row([kit.primary_button(t("reminder.banner.open"), on_open,
                                       ft.Icons.CHECK_CIRCLE_OUTLINE),
                    kit.text_button(t("reminder.banner.dismiss"), on_dismiss)],
                   wrap=True, spacing=8),
        ], spacing=8, tight=True),
        bgcolor=ft.Colors.SECONDARY_CONTAINER,
        padding=ft.Padding.symmetric(horizontal=16, vertical=10),
    )
