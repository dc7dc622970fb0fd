"""Schedule: the program's sessions by day, today first, changes and cancellations
unmistakable; the last two weeks on request; and "Add to my calendar" (a .ics file)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, tzinfo

import flet as ft

from iop_companion.domain.schedule import (
    PAST_DAYS,
    ProgramSession,
    ScheduleDay,
    SessionKind,
    schedule_view,
    session_from_record,
)
from iop_companion.services.calendar_export import (
    EventText,
    export_calendar,
    neutral_text,
    sessions_for_calendar,
)
from iop_companion.services.clinic_link import LinkState, LinkStatus
from iop_companion.services.container import AppServices
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import clock_time, day_label, moment_label, time_range
from iop_companion.ui.schedule.labels import change_banner, duration_label, short_moment

# How far ahead the screen lists sessions (the phone keeps every session the clinic
# published, so all of them are there offline).
AHEAD_DAYS = 60
NEUTRAL, REAL = "neutral", "real"


def _struck() -> ft.TextStyle:
    """Struck-through text (a new style each time: controls do not share one)."""
    return ft.TextStyle(decoration=ft.TextDecoration.LINE_THROUGH)

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


def _banner(text: str, *, cancelled: bool) -> ft.Control:
    """A coloured strip at the top of a changed session's card, icon and words."""
    background = ft.Colors.ERROR_CONTAINER if cancelled else ft.Colors.TERTIARY_CONTAINER
    color = ft.Colors.ON_ERROR_CONTAINER if cancelled else ft.Colors.ON_TERTIARY_CONTAINER
    icon = ft.Icons.EVENT_BUSY if cancelled else ft.Icons.UPDATE
    return ft.Container(
        content=ft.Row([ft.Icon(icon, color=color, size=20),
                        ft.Text(text, color=color, weight=ft.FontWeight.W_700, size=15,
                                expand=True)],
                       spacing=8),
        bgcolor=background, border_radius=8,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
    )


def _place(services: AppServices, session: ProgramSession) -> ft.Control | None:
    t = services.t
    link = session.join_link
    if link is not None:
        return kit.link_button(t("schedule_screen.join"), link, ft.Icons.VIDEOCAM, filled=True)
    if session.telehealth:
        return kit.body(t("schedule_screen.video_place", place=session.location)
                        if session.location else t("schedule.telehealth"))
    return kit.body(session.location) if session.location else None


def _session_tile(services: AppServices, session: ProgramSession, zone: tzinfo) -> ft.Control:
    t = services.t
    tr = services.translator
    cancelled = session.cancelled
    struck = _struck() if cancelled else None
    lines: list[ft.Control] = []
    banner = change_banner(tr, session, zone)
    if banner:
        lines.append(_banner(banner, cancelled=cancelled))
    lines.append(ft.Row(
        [ft.Icon(KIND_ICONS[session.kind],
                 color=ft.Colors.ON_SURFACE_VARIANT if cancelled else ft.Colors.PRIMARY),
         ft.Text(session.title, size=16, weight=ft.FontWeight.W_600, expand=True,
                 style=struck)],
        spacing=10))
    if session.moved and not cancelled and session.previous_starts_at is not None:
        # The old time, struck through (the banner already says it to a screen reader).
        before = session.previous_starts_at
        old = (f"{short_moment(tr, before, zone, session.starts_at)} – "
               f"{clock_time(tr, session.previous_ends_at or before, zone)}")
        lines.append(ft.Semantics(exclude_semantics=True, content=ft.Text(
            old, size=15, color=ft.Colors.ON_SURFACE_VARIANT, style=_struck())))
    lines.append(ft.Text(
        f"{time_range(tr, session.starts_at, session.ends_at, zone)}"
        f" · {duration_label(tr, session.duration)}",
        size=15, weight=ft.FontWeight.W_600 if session.moved and not cancelled else None,
        style=_struck() if cancelled else None))
    kind = session_kind_label(t, session.kind)
    if kind.casefold() != session.title.casefold():  # "Individual therapy" once is enough
        lines.append(kit.body(kind, muted=True))
    place = _place(services, session)
    if place is not None:
        lines.append(place)
    if session.facilitator:
        lines.append(kit.body(t("schedule_screen.with", name=session.facilitator), muted=True))
    if session.note:
        lines.append(kit.body(session.note, muted=True, size=13))
    return kit.card(*lines)


def _day(services: AppServices, day: ScheduleDay, today: date, zone: tzinfo,
         *, empty_key: str | None = None) -> list[ft.Control]:
    controls: list[ft.Control] = [kit.subheading(day_label(services.translator, day.day, today))]
    controls.extend(_session_tile(services, s, zone) for s in day.sessions)
    if not day.sessions and empty_key:
        controls.append(kit.body(services.t(empty_key), muted=True))
    return controls


def _real_text(services: AppServices) -> Callable[[ProgramSession], EventText]:
    """Entries with the session's own words, for a person who chose them."""
    t = services.t

    def text(session: ProgramSession) -> EventText:
        details = [session_kind_label(t, session.kind)]
        if session.facilitator:
            details.append(t("schedule_screen.with", name=session.facilitator))
        if session.note:
            details.append(session.note)
        return EventText(summary=session.title, location=session.location,
                         description="\n".join(details))

    return text


@ft.component
def CalendarExportDialog(open_: bool, close: Callable[[], None]) -> ft.Control:
    """"Add to my calendar": which words the entries carry (neutral by default, every
    time it opens), then the system's save dialog, as Settings > My data does."""
    services = use_services()
    navigator = use_navigator()
    page = ft.context.page
    t = services.t
    choice, set_choice = ft.use_state(NEUTRAL)
    saved, set_saved = ft.use_state(None)

    def choose(value: str) -> None:
        set_choice(value)
        set_saved(None)  # "Saved" spoke of the file with the other wording

    def done() -> None:
        set_choice(NEUTRAL)  # never carry "real titles" over to the next export
        set_saved(None)
        close()

    async def save() -> None:
        store = services.account.store
        if store is None:
            return
        text = (_real_text(services) if choice == REAL
                else neutral_text(t("schedule_screen.calendar.neutral_title")))
        exported = export_calendar(store, services.clock(), text=text)
        try:
            result = await ft.FilePicker().save_file(
                dialog_title=t("schedule_screen.calendar.save_title"),
                file_name=exported.file_name, src_bytes=exported.content)
        except Exception:  # noqa: BLE001 - the platform dialog failed; say so plainly
            navigator.notify(t("settings.data.save_failed"))
            return
        if result is not None or page.web:
            set_saved(t("schedule_screen.calendar.saved", name=exported.file_name))

    store = services.account.store
    count = (len(sessions_for_calendar(store, services.clock()))
             if open_ and store is not None else 0)
    body: list[ft.Control] = []
    if count:
        body = [
            kit.body(t("schedule_screen.calendar.intro", count=count)),
            kit.choice_chips(t("schedule_screen.calendar.what"),
                             [(NEUTRAL, t("schedule_screen.calendar.neutral")),
                              (REAL, t("schedule_screen.calendar.real"))],
                             choice, choose,
                             short_name=t("schedule_screen.calendar.choice_name")),
            kit.body(t("schedule_screen.calendar.real_explain" if choice == REAL
                       else "schedule_screen.calendar.neutral_explain"), muted=True),
            kit.body(t("schedule_screen.calendar.reminders")),
            kit.body(t("schedule_screen.calendar.updates"), muted=True, size=13),
            kit.message(saved, error=False),
            kit.primary_button(t("schedule_screen.calendar.save"), save, ft.Icons.DOWNLOAD),
        ]
    else:
        body = [kit.body(t("schedule_screen.calendar.none"))]
    ft.use_dialog(ft.AlertDialog(
        modal=True,
        scrollable=True,  # as tall as its content; scrolls on a small screen
        title=ft.Text(t("schedule_screen.calendar.title")),
        content=ft.Column([*body, kit.secondary_button(
            t("schedule_screen.calendar.close") if saved or not count else t("common.cancel"),
            done)],
            spacing=12, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
    ) if open_ else None)
    return ft.Container(height=0)


@ft.component
def ScheduleScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    assert store is not None
    refreshing, refresh = use_sync_now("schedule.refreshed")
    showing_past, set_showing_past = ft.use_state(False)
    exporting, set_exporting = ft.use_state(False)
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
    records = store.schedule.list_between(now - timedelta(days=PAST_DAYS + 1),
                                          now + timedelta(days=AHEAD_DAYS), with_history=True)
    view = schedule_view([session_from_record(r) for r in records], now, zone)
    today = view.today.day
    profile = services.clinic.profile(store) or {}
    header: list[ft.Control] = [
        kit.heading(t("schedule.title")),
        status_line(services, status, now, zone),
    ]
    if profile.get("timezone"):  # services.zone() is then the clinic's zone
        header.append(kit.body(t("schedule_screen.zone_clinic", zone=profile["timezone"]),
                               muted=True, size=13))
    header.append(ft.Row(
        [kit.secondary_button(t("schedule.refresh"), refresh, ft.Icons.REFRESH,
                              disabled=refreshing),
         kit.secondary_button(t("schedule_screen.calendar.button"),
                              lambda: set_exporting(True), ft.Icons.EDIT_CALENDAR)],
        wrap=True, spacing=8, run_spacing=8))
    days: list[ft.Control] = []
    if not view.today.sessions and not view.coming:
        days.append(kit.empty_state(ft.Icons.EVENT_AVAILABLE, t("schedule.empty.title"),
                                    t("schedule.empty.none")))
    else:
        days.extend(_day(services, view.today, today, zone,
                         empty_key="schedule_screen.today_none"))
        for day in view.coming:
            days.extend(_day(services, day, today, zone))
        if not view.coming:
            days.append(kit.body(t("schedule_screen.coming_none"), muted=True))
    past: list[ft.Control] = [kit.text_button(
        t("schedule_screen.past_hide" if showing_past else "schedule_screen.past_show"),
        lambda: set_showing_past(not showing_past),
        ft.Icons.EXPAND_LESS if showing_past else ft.Icons.HISTORY)]
    if showing_past:
        past.append(kit.subheading(t("schedule_screen.past_title")))
        if not view.past:
            past.append(kit.body(t("schedule_screen.past_none"), muted=True))
        for day in view.past:  # yesterday first, back to two weeks ago
            past.extend(_day(services, day, today, zone))
        past.append(ft.Divider())
    return kit.screen(
        *header,
        *past,  # on request, above today: the coming days stay first otherwise
        *days,
        CalendarExportDialog(exporting, lambda: set_exporting(False)),
    )
