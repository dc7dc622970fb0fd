"""The schedule screen's words for a session: its change banner, its length, a short
day and time. No Flet here, so the wording is tested on its own (tests/domain/
test_schedule_view.py) with the real locale files."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from iop_companion.domain.schedule import ProgramSession, SessionState
from iop_companion.i18n import Translator
from iop_companion.ui.formatting import clock_time

# Within this many days of each other two moments are told apart by the weekday alone
# ("Tue 5:00 PM"); further apart they also carry the date.
WEEKDAY_ONLY_DAYS = 6


def short_moment(t: Translator, moment: datetime, zone: tzinfo, near: datetime) -> str:
    """"Tue 5:00 PM", or "Tue, March 3, 5:00 PM" when `near` is a week or more away."""
    local = moment.astimezone(zone)
    weekday = t.t(f"schedule_screen.weekday_short.{local.weekday()}")
    time_text = clock_time(t, moment, zone)
    apart = abs((local.date() - near.astimezone(zone).date()).days)
    if apart <= WEEKDAY_ONLY_DAYS:
        return t.t("schedule_screen.moment_short", weekday=weekday, time=time_text)
    return t.t("schedule_screen.moment_dated", weekday=weekday,
               month=t.t(f"month.{local.month}"), day=local.day, time=time_text)


def change_banner(t: Translator, session: ProgramSession, zone: tzinfo) -> str | None:
    """"Cancelled by your clinic", "Moved: was Tue 5:00 PM, now Wed 6:00 PM", or None.

    The old time is the one this phone had before the clinic's last change of it.
    """
    state = session.state
    if state is SessionState.CANCELLED:
        return t.t("schedule_screen.cancelled_banner")
    if state is SessionState.MOVED and session.previous_starts_at is not None:
        before = short_moment(t, session.previous_starts_at, zone, session.starts_at)
        after = short_moment(t, session.starts_at, zone, session.previous_starts_at)
        return t.t("schedule_screen.moved_banner", before=before, after=after)
    return None


def duration_label(t: Translator, duration: timedelta) -> str:
    """"50 min", "1 h", "1 h 30 min"."""
    minutes = max(0, round(duration.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return t.t("schedule_screen.duration.minutes", minutes=rest)
    if not rest:
        return t.t("schedule_screen.duration.hours", hours=hours)
    return t.t("schedule_screen.duration.hours_minutes", hours=hours, minutes=rest)
