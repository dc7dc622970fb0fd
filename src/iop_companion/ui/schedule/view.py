"""Schedule: the program's sessions by day, changes and cancellations included."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, tzinfo

import flet as ft

from iop_companion.domain.schedule import (
    ProgramSession,
    SessionKind,
    group_by_day,
    session_from_record,
    upcoming,
)
from iop_companion.services.clinic_link import LinkState, LinkStatus
from iop_companion.services.container import AppServices
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import day_label, moment_label, time_range

KIND_ICONS = {
    SessionKind.GROUP: ft.Icons.GROUPS_OUTLINED,
    SessionKind.INDIVIDUAL: ft.Icons.PERSON_OUTLINE,
    SessionKind.FAMILY: ft.Icons.FAMILY_RESTROOM,
    SessionKind.MEDICATION: ft.Icons.MEDICATION_OUTLINED,
    SessionKind.WORKSHOP: ft.Icons.SCHOOL_OUTLINED,
    SessionKind.HOLISTIC: ft.Icons.SELF_IMPROVEMENT,
    SessionKind.CASE_MANAGEMENT: ft.Icons.ASSIGNMENT_OUTLINED,
}


def session_kind_label(t: Callable[..., str], kind: SessionKind) -> str:
    return t(f"session.kind.{kind.value}")


def status_text(services: AppServices, status: LinkStatus, now: datetime, zone: tzinfo) -> str:
    when = (moment_label(services.translator, status.last_refresh, zone, now)
            if status.last_refresh else services.t("status.never"))
    return services.t(status.message_key, when=when)


def status_line(services: AppServices, status: LinkStatus, now: datetime,
                zone: tzinfo) -> ft.Control:
    """One honest line about how fresh the clinic's information is."""
    if status.state is LinkState.NOT_ENROLLED:
        return ft.Container(height=0)
    icon = ft.Icons.CLOUD_DONE_OUTLINED if status.state is LinkState.UP_TO_DATE \
        else ft.Icons.CLOUD_OFF_OUTLINED
    return ft.Row(
        [ft.Icon(icon, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
         ft.Text(status_text(services, status, now, zone), size=13, expand=True,
                 color=ft.Colors.ON_SURFACE_VARIANT)],
        spacing=8,
    )


def use_sync_now(success_key: str) -> tuple[bool, Callable[[], Awaitable[None]]]:
    """A "sync now" action for a button: whether it is running, and the action.

    It goes through the sync runner (off the UI thread, never beside another sync) and
    reports what really happened: `success_key` only when the sync worked, otherwise the
    link status in its own words.
    """
    services = use_services()
    navigator = use_navigator()
    busy, set_busy = ft.use_state(False)

    async def sync_now() -> None:
        set_busy(True)
        try:
            result = await navigator.sync_now()
        finally:
            set_busy(False)
        if result is None:
            return  # nothing to sync with (the app locked meanwhile)
        if result.state is LinkState.UP_TO_DATE:
            navigator.notify(services.t(success_key))
        else:
            navigator.notify(status_text(services, result, services.clock(), services.zone()))

    return busy, sync_now


def _session_tile(services: AppServices, session: ProgramSession, zone: tzinfo) -> ft.Control:
    t = services.t
    where = t("schedule.telehealth") if session.telehealth else session.location
    lines: list[ft.Control] = [
        ft.Row([ft.Icon(KIND_ICONS[session.kind], color=ft.Colors.PRIMARY),
                ft.Text(session.title, size=16, weight=ft.FontWeight.W_600, expand=True)],
               spacing=10),
        kit.body(f"{time_range(services.translator, session.starts_at, session.ends_at, zone)}"
                 f" · {session_kind_label(t, session.kind)}"),
        kit.body(f"{where} · {session.facilitator}", muted=True),
    ]
    if session.cancelled:
        lines.insert(0, ft.Text(t("schedule.cancelled"), color=ft.Colors.ERROR,
                                weight=ft.FontWeight.W_600))
    if session.note:
        lines.append(kit.body(session.note, muted=True, size=13))
    return kit.card(*lines)


@ft.component
def ScheduleScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    assert store is not None
    refreshing, refresh = use_sync_now("schedule.refreshed")
    now = services.clock()
    zone = services.zone()
    status = services.clinic.status(store)

    if status.state is LinkState.NOT_ENROLLED:
        return kit.screen(
            kit.heading(t("schedule.title")),
            kit.empty_state(ft.Icons.CALENDAR_MONTH, t("schedule.empty.title"),
                            t("schedule.empty.not_enrolled"),
                            kit.primary_button(t("today.next.connect"),
                                               lambda: navigator.open("connect"), ft.Icons.LINK)),
        )
    sessions = upcoming([session_from_record(r) for r in store.schedule.list_between(
        now - timedelta(days=1), now + timedelta(days=60))], now)
    today = now.astimezone(zone).date()
    days: list[ft.Control] = []
    for day, items in group_by_day(sessions, zone):
        days.append(kit.subheading(day_label(services.translator, day, today)))
        days.extend(_session_tile(services, s, zone) for s in items)
    if not days:
        days.append(kit.empty_state(ft.Icons.EVENT_AVAILABLE, t("schedule.empty.title"),
                                    t("schedule.empty.none")))
    return kit.screen(
        kit.heading(t("schedule.title")),
        status_line(services, status, now, zone),
        kit.secondary_button(t("schedule.refresh"), refresh, ft.Icons.REFRESH,
                             disabled=refreshing),
        *days,
    )
