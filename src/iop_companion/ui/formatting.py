"""Dates and times in the person's language."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from iop_companion.i18n import Translator


def day_label(t: Translator, day: date, today: date) -> str:
    if day == today:
        return t.t("date.today")
    if (day - today).days == 1:
        return t.t("date.tomorrow")
    return t.t("date.long", weekday=t.t(f"weekday.{day.weekday()}"),
               month=t.t(f"month.{day.month}"), day=day.day)


def clock_time(t: Translator, moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    if t.locale == "en":
        hour = local.hour % 12 or 12
        return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    return f"{local.hour}:{local.minute:02d}"


def time_range(t: Translator, start: datetime, end: datetime, zone: tzinfo) -> str:
    return f"{clock_time(t, start, zone)} – {clock_time(t, end, zone)}"


def moment_label(t: Translator, moment: datetime, zone: tzinfo, now: datetime) -> str:
    """'today at 9:00 AM' or 'Tuesday, November 24 at 4:00 PM', to use inside a sentence."""
    day_text = day_inline(t, moment.astimezone(zone).date(), now.astimezone(zone).date())
    return t.t("date.at", day=day_text, time=clock_time(t, moment, zone))


def day_inline(t: Translator, day: date, today: date) -> str:
    """'today', 'tomorrow' or 'Tuesday, November 24', to use inside a sentence."""
    if day == today:
        return t.t("date.today_inline")
    if (day - today).days == 1:
        return t.t("date.tomorrow_inline")
    return day_label(t, day, today)


def sentence_start(text: str) -> str:
    """Capitalise the first letter, for a label that stands on its own line."""
    return text[:1].upper() + text[1:]
