"""The daily check-in reminder: when it is due. Pure functions.

Rules:
* Off unless the participant turns it on; the time is a wall-clock time in the
  participant's time zone (the same zone Today uses).
* It fires at most once per local calendar day, and not at all on a day the
  participant has already checked in.
* It fires from the chosen time until `REMINDER_GRACE` later, so an app that was
  locked or closed at that minute still reminds when it is opened soon after, but an
  app opened late in the evening does not greet the person with a stale reminder.
* DST: on a spring-forward day a time inside the skipped hour (02:30 in the US) fires
  at the first moment after the gap (03:30 new time: Python's fold=0 reading uses the
  offset from before the change). On a fall-back day a time inside the repeated hour
  fires at its first occurrence. Comparisons happen in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

REMINDER_GRACE = timedelta(hours=2)
DEFAULT_REMINDER_TIME = time(19, 0)

_TIME_RE = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])?\.?\s*(?:m\.?)?\s*$",
                      re.IGNORECASE)


@dataclass(frozen=True)
class ReminderSettings:
    enabled: bool = False
    at: time = DEFAULT_REMINDER_TIME


def reminder_moment(day: date, at: time, zone: tzinfo) -> datetime:
    """The aware moment the reminder for `day` is due (see the DST rules above)."""
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    # Round-tripping through UTC turns a wall time inside a spring-forward gap into the
    # real moment it denotes (02:30 CST == 03:30 CDT).
    return wall.astimezone(UTC).astimezone(zone)


def reminder_due(now: datetime, settings: ReminderSettings, zone: tzinfo, *,
                 last_check_in: datetime | None, last_reminded_on: date | None) -> bool:
    """Whether to remind now: on, not yet today, no check-in today, inside the window."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a time-zone-aware datetime.")
    if not settings.enabled:
        return False
    today = now.astimezone(zone).date()
    if last_reminded_on == today:
        return False
    if last_check_in is not None and last_check_in.astimezone(zone).date() == today:
        return False
    due = reminder_moment(today, settings.at, zone).astimezone(UTC)
    return due <= now.astimezone(UTC) < due + REMINDER_GRACE


def parse_reminder_time(typed: str) -> time | None:
    """A time as people type it: "19:30", "7:30 pm", "7pm", "7.30 p.m.", "9". None if not one."""
    match = _TIME_RE.match(typed or "")
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower()
    if minute > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    elif hour > 23:
        return None
    return time(hour, minute)


def format_reminder_time(at: time) -> str:
    """The stored and editable form: 24-hour "HH:MM"."""
    return f"{at.hour:02d}:{at.minute:02d}"
