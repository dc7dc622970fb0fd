"""Settings: the daily check-in reminder (off by default; on/off and the time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import flet as ft

from iop_companion.domain.reminders import ReminderSettings, parse_reminder_time
from iop_companion.i18n import Translator
from iop_companion.services.reminders import reminder_settings, save_reminder_settings
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import clock_time


def clock_time_of_day(translator: Translator, at: time) -> str:
    """A wall-clock time the way the rest of the app shows times ("7:30 PM", "19:30")."""
    # Any fixed date and zone will do: only the hour and minute are shown.
    return clock_time(translator, datetime.combine(date(2000, 1, 1), at, tzinfo=UTC), UTC)


@ft.component
def ReminderCard() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    assert store is not None
    current = reminder_settings(store)
    typed = kit.use_text(f"{current.at.hour:02d}:{current.at.minute:02d}")
    problem, set_problem = ft.use_state(None)
    saved_count, set_saved_count = ft.use_state(0)

    def save(settings: ReminderSettings) -> None:
        save_reminder_settings(store, settings)
        set_problem(None)
        set_saved_count(saved_count + 1)  # re-render with the stored values
        shown = clock_time_of_day(services.translator, settings.at)
        navigator.notify(t("settings.reminder.saved_on", time=shown) if settings.enabled
                         else t("settings.reminder.saved_off"))

    def switch(value: str) -> None:
        save(ReminderSettings(enabled=value == "on", at=current.at))

    def save_time() -> None:
        at = parse_reminder_time(typed.current)
        if at is None:
            # What was typed stays in the field so it can be corrected.
            set_problem(t("settings.reminder.error.time"))
            return
        typed.current = f"{at.hour:02d}:{at.minute:02d}"
        save(ReminderSettings(enabled=current.enabled, at=at))

    status = (t("settings.reminder.status_on",
                time=clock_time_of_day(services.translator, current.at))
              if current.enabled else t("settings.reminder.status_off"))
    return kit.card(
        kit.subheading(t("settings.reminder.title")),
        kit.body(t("settings.reminder.explain")),
        kit.choice_chips(t("settings.reminder.switch"),
                         [("on", t("settings.reminder.on")), ("off", t("settings.reminder.off"))],
                         "on" if current.enabled else "off", switch,
                         short_name=t("settings.reminder.switch")),
        kit.text_field(t("settings.reminder.time"), typed, helper=t("settings.reminder.time_help"),
                       error=problem, on_submit=save_time),
        kit.secondary_button(t("settings.reminder.save_time"), save_time, ft.Icons.SCHEDULE),
        kit.body(status, muted=True),
    )
