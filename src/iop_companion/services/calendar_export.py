""""Add to my calendar": the coming sessions as an iCalendar file (RFC 5545).

Calendar apps keep what they import, and remind the person even when this app is
closed. A file saved again later updates rather than doubles the entries: each event's
UID comes from the clinic's session id, and its SEQUENCE is the number of times the
clinic changed the session since this phone first saw it (the store counts them), so a
calendar that honours updates replaces its copy, and one cancelled at the clinic comes
as STATUS:CANCELLED.

What an entry says is the caller's choice (`EventText`): by default only a neutral
title ("Appointment"), no place and no details, because a calendar is often seen by
other apps, other people and work accounts, and a session's title or place can tell
that someone is in treatment (42 CFR Part 2 is about exactly that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event

from iop_companion.domain.schedule import ProgramSession, calendar_sessions, session_from_record
from iop_companion.services.clinic_link import ClinicLink
from iop_companion.services.my_data import ExportFile
from iop_companion.store import Store

PRODID = "-//IOP Companion//Schedule//EN"
UID_DOMAIN = "iop-companion"
# Reminders before each session, in minutes (the default: an hour and a quarter).
ALARM_MINUTES = (60, 15)
# A neutral name: the file's name shows in download lists and share sheets.
FILE_NAME = "appointments.ics"


@dataclass(frozen=True)
class EventText:
    """What one calendar entry says. Empty fields are left out of the file."""

    summary: str
    location: str = ""
    description: str = ""


def neutral_text(title: str) -> Callable[[ProgramSession], EventText]:
    """Every entry just says `title` ("Appointment"): no place, no details."""
    return lambda _session: EventText(summary=title)


def session_uid(session_id: str) -> str:
    """The event's UID: the same for a session in every file this phone saves."""
    return f"{session_id}@{UID_DOMAIN}"


def calendar_zone(zone_name: str | None) -> tzinfo:
    """The clinic's zone (events carry its TZID and a VTIMEZONE), else UTC."""
    if zone_name:
        try:
            return ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def build_calendar(sessions: Iterable[ProgramSession], *,
                   text: Callable[[ProgramSession], EventText],
                   zone: tzinfo, now: datetime) -> bytes:
    """The sessions as one VCALENDAR, in `zone` (a ZoneInfo: TZID with its VTIMEZONE;
    UTC: times ending in Z). Cancelled sessions are STATUS:CANCELLED with no alarms."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    stamp = now.astimezone(UTC)
    for session in sessions:
        words = text(session)
        event = Event()
        event.add("uid", session_uid(session.id))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(zone))
        event.add("dtend", session.ends_at.astimezone(zone))
        event.add("sequence", session.revision)
        event.add("summary", words.summary)
        if words.location:
            event.add("location", words.location)
        if words.description:
            event.add("description", words.description)
        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        if not session.cancelled:  # no reminder for a session that will not happen
            for minutes in ALARM_MINUTES:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                # The reminder says what the entry says, never more.
                alarm.add("description", words.summary)
                alarm.add("trigger", timedelta(minutes=-minutes))
                event.add_component(alarm)
        calendar.add_component(event)
    if zone is not UTC:
        calendar.add_missing_timezones()
    return calendar.to_ical()


def sessions_for_calendar(store: Store, now: datetime) -> list[ProgramSession]:
    """The sessions on this phone that are not over yet, soonest first, with their
    history (for SEQUENCE)."""
    records = store.schedule.all(with_history=True)
    return calendar_sessions((session_from_record(record) for record in records), now)


def export_calendar(store: Store, now: datetime, *,
                    text: Callable[[ProgramSession], EventText]) -> ExportFile:
    """The calendar file of the coming sessions, in the clinic's time zone, for the
    system's save dialog (the same way as Settings > My data's copy)."""
    profile = ClinicLink.profile(store) or {}
    content = build_calendar(sessions_for_calendar(store, now), text=text,
                             zone=calendar_zone(profile.get("timezone")), now=now)
    return ExportFile(FILE_NAME, content)
