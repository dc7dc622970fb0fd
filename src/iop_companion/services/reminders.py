"""The daily check-in reminder: the participant's setting, and whether to remind now.

The setting lives in the encrypted store (its time says something about the person's
day); the once-a-day mark lives there too so that a restart does not remind twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo

from iop_companion.domain.reminders import (
    DEFAULT_REMINDER_TIME,
    ReminderSettings,
    format_reminder_time,
    parse_reminder_time,
    reminder_due,
)
from iop_companion.platform.notifications import Delivery, notify
from iop_companion.store import Store

SETTINGS_KEY = "reminder.check_in"
LAST_REMINDED_KEY = "reminder.check_in.last_day"

# Fixed words only: a reminder never carries anything about the person's health.
TITLE_KEY = "reminder.title"
TEXT_KEY = "reminder.text"


def reminder_settings(store: Store) -> ReminderSettings:
    stored = store.settings.get(SETTINGS_KEY) or {}
    at = parse_reminder_time(str(stored.get("time", ""))) or DEFAULT_REMINDER_TIME
    return ReminderSettings(enabled=stored.get("enabled") is True, at=at)


def save_reminder_settings(store: Store, settings: ReminderSettings) -> None:
    store.settings.set(SETTINGS_KEY, {"enabled": settings.enabled,
                                      "time": format_reminder_time(settings.at)})
    # A new time today may remind again today (the person just chose it).
    store.settings.delete(LAST_REMINDED_KEY)


def check_in_reminder_due(store: Store, now: datetime, zone: tzinfo) -> bool:
    latest = store.check_ins.list_recent(1)
    last_check_in = datetime.fromisoformat(latest[0]["created_at"]) if latest else None
    last_text = store.settings.get(LAST_REMINDED_KEY)
    last_reminded = date.fromisoformat(last_text) if last_text else None
    return reminder_due(now, reminder_settings(store), zone, last_check_in=last_check_in,
                        last_reminded_on=last_reminded)


def remind_if_due(store: Store, now: datetime, zone: tzinfo, t: Callable[..., str], *,
                  system_allowed: bool) -> Delivery | None:
    """Send today's reminder when it is due; None when it is not.

    Marked as sent before it goes out: a notification backend that hangs or fails
    must not turn into a reminder every few seconds.
    """
    if not check_in_reminder_due(store, now, zone):
        return None
    store.settings.set(LAST_REMINDED_KEY, now.astimezone(zone).date().isoformat())
    return notify(t(TITLE_KEY), t(TEXT_KEY), system_allowed=system_allowed)
