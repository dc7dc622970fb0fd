"""The schedule screen's view of the sessions: by day in the participant's zone, today
first, the last two weeks apart; a clinic session at 18:00 America/Chicago seen from
other zones and across the 2026 change to daylight saving time (Sunday 8 March, 02:00
local in both Chicago and New York); the cancelled and moved banners in English and
Spanish; the telehealth link to join by.

Chicago is UTC-6 until 8 March 2026, then UTC-5; New York UTC-5, then UTC-4; Phoenix
stays at UTC-7 all year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.schedule import (
    PAST_DAYS,
    ProgramSession,
    SessionKind,
    SessionState,
    calendar_sessions,
    schedule_view,
    session_from_record,
)
from iop_companion.i18n import Translator
from iop_companion.ui.formatting import clock_time
from iop_companion.ui.schedule.labels import change_banner, duration_label, short_moment

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
PHOENIX = ZoneInfo("America/Phoenix")
LOCALES = Path(__file__).resolve().parents[2] / "assets" / "locales"


@pytest.fixture(scope="module")
def en() -> Translator:
    return Translator(LOCALES, "en")


@pytest.fixture(scope="module")
def es() -> Translator:
    return Translator(LOCALES, "es")


def session(sid: str, starts: datetime, minutes: int = 60, **changes: object) -> ProgramSession:
    fields: dict[str, object] = {
        "id": sid, "kind": SessionKind.GROUP, "title": f"Session {sid}", "starts_at": starts,
        "ends_at": starts + timedelta(minutes=minutes), "location": "Room 2",
        "telehealth": False, "facilitator": "Dr. Lee", "cancelled": False, "note": ""}
    fields.update(changes)
    return ProgramSession(**fields)  # type: ignore[arg-type]


def chicago(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


def ids(items: list[ProgramSession]) -> list[str]:
    return [s.id for s in items]


# --- by day, today first ----------------------------------------------------------------

NOW = chicago(2026, 3, 10, 12)  # Tuesday 10 March 2026, noon in Chicago


def test_today_comes_first_then_later_days_then_the_past_latest_first() -> None:
    sessions = [
        session("thu", chicago(2026, 3, 12, 9)),
        session("today-over", chicago(2026, 3, 10, 9)),
        session("today-later", chicago(2026, 3, 10, 16)),
        session("wed", chicago(2026, 3, 11, 9)),
        session("last-mon", chicago(2026, 3, 9, 9)),
        session("two-weeks-ago", chicago(2026, 2, 24, 9)),   # 14 days back: kept
        session("too-old", chicago(2026, 2, 23, 9)),         # 15 days back: left out
    ]
    view = schedule_view(sessions, NOW, CHICAGO)
    assert view.today.day == date(2026, 3, 10)
    # Today holds its sessions whether over or not.
    assert ids(view.today.sessions) == ["today-over", "today-later"]
    assert [(d.day, ids(d.sessions)) for d in view.coming] == [
        (date(2026, 3, 11), ["wed"]), (date(2026, 3, 12), ["thu"])]
    assert [(d.day, ids(d.sessions)) for d in view.past] == [
        (date(2026, 3, 9), ["last-mon"]), (date(2026, 2, 24), ["two-weeks-ago"])]
    assert PAST_DAYS == 14


def test_today_is_there_even_without_sessions() -> None:
    view = schedule_view([session("wed", chicago(2026, 3, 11, 9))], NOW, CHICAGO)
    assert view.today.day == date(2026, 3, 10) and view.today.sessions == []
    assert [d.day for d in view.coming] == [date(2026, 3, 11)]
    assert view.past == []


def test_cancelled_sessions_stay_in_their_day() -> None:
    view = schedule_view([session("off", chicago(2026, 3, 11, 9), cancelled=True),
                          session("on", chicago(2026, 3, 11, 10))], NOW, CHICAGO)
    assert ids(view.coming[0].sessions) == ["off", "on"]


def test_days_are_the_participants_not_the_clinics() -> None:
    # 23:30 in Chicago on Wednesday is 00:30 on Thursday in New York.
    late = session("late", chicago(2026, 3, 11, 23, 30))
    assert [d.day for d in schedule_view([late], NOW, CHICAGO).coming] == [date(2026, 3, 11)]
    assert [d.day for d in schedule_view([late], NOW, NEW_YORK).coming] == [date(2026, 3, 12)]


def test_today_is_the_participants_today() -> None:
    # 23:30 Tuesday in Chicago is already Wednesday in New York.
    now = chicago(2026, 3, 10, 23, 30)
    tonight = session("tonight", chicago(2026, 3, 10, 23, 45))
    assert ids(schedule_view([tonight], now, CHICAGO).today.sessions) == ["tonight"]
    in_new_york = schedule_view([tonight], now, NEW_YORK)
    assert in_new_york.today.day == date(2026, 3, 11)
    assert ids(in_new_york.today.sessions) == ["tonight"]


# --- 18:00 in Chicago, seen from elsewhere and across daylight saving time ----------------

def test_six_pm_in_chicago_is_seven_pm_in_new_york_before_and_after_the_change(
        en: Translator) -> None:
    # A weekly Thursday group at 18:00 clinic time, before and after 8 March 2026.
    before, after = chicago(2026, 3, 5, 18), chicago(2026, 3, 12, 18)
    assert before.astimezone(UTC).hour == 0 and after.astimezone(UTC).hour == 23
    for moment in (before, after):
        assert clock_time(en, moment, CHICAGO) == "6:00 PM"
        assert clock_time(en, moment, NEW_YORK) == "7:00 PM"
    # Phoenix keeps no daylight saving time: the same group moves on its clock.
    assert clock_time(en, before, PHOENIX) == "5:00 PM"
    assert clock_time(en, after, PHOENIX) == "4:00 PM"


def test_the_times_work_from_stored_utc_records(en: Translator) -> None:
    # Apps get UTC from the clinic: 18:00 CDT on Thursday 12 March is 23:00 UTC.
    record = {"id": "s", "kind": "group", "title": "Evening group",
              "starts_at": "2026-03-12T23:00:00+00:00", "ends_at": "2026-03-13T00:30:00+00:00"}
    evening = session_from_record(record)
    view = schedule_view([evening], NOW, NEW_YORK)
    assert [d.day for d in view.coming] == [date(2026, 3, 12)]
    assert clock_time(en, evening.starts_at, NEW_YORK) == "7:00 PM"
    assert duration_label(en, evening.duration) == "1 h 30 min"


def test_the_hour_between_the_two_changes_on_8_march() -> None:
    # New York springs forward at 02:00 its time (01:00 in Chicago), Chicago an hour
    # later: 01:30 CST is 07:30 UTC, which New York already reads as 03:30 EDT.
    night = session("night", datetime(2026, 3, 8, 1, 30, tzinfo=CHICAGO))
    assert night.starts_at.astimezone(UTC) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert night.starts_at.astimezone(NEW_YORK).hour == 3
    assert night.duration == timedelta(hours=1)


def test_a_session_over_the_change_lasts_its_real_length(en: Translator) -> None:
    # 01:00 to 03:00 on the clock that night is one real hour.
    night = session("night", datetime(2026, 3, 8, 1, tzinfo=CHICAGO), minutes=0,
                    ends_at=datetime(2026, 3, 8, 3, tzinfo=CHICAGO))
    assert duration_label(en, night.duration) == "1 h"


# --- cancelled and moved ---------------------------------------------------------------

def test_the_state_of_a_session() -> None:
    starts = chicago(2026, 3, 11, 18)
    plain = session("a", starts)
    moved = session("b", starts, previous_starts_at=chicago(2026, 3, 10, 17),
                    previous_ends_at=chicago(2026, 3, 10, 18), revision=1)
    moved_then_cancelled = session("c", starts, cancelled=True,
                                   previous_starts_at=chicago(2026, 3, 10, 17),
                                   previous_ends_at=chicago(2026, 3, 10, 18))
    # Changed, but not its time (a new place): not "moved".
    same_time = session("d", starts, previous_starts_at=starts,
                        previous_ends_at=starts + timedelta(hours=1))
    assert plain.state is SessionState.SCHEDULED
    assert moved.state is SessionState.MOVED and moved.moved
    assert moved_then_cancelled.state is SessionState.CANCELLED
    assert same_time.state is SessionState.SCHEDULED and not same_time.moved


def test_banners_in_english(en: Translator) -> None:
    moved = session("m", chicago(2026, 3, 11, 18), previous_starts_at=chicago(2026, 3, 10, 17),
                    previous_ends_at=chicago(2026, 3, 10, 18))
    assert change_banner(en, moved, CHICAGO) == "Moved: was Tue 5:00 PM, now Wed 6:00 PM"
    # Seen from New York, both times in New York's clock.
    assert change_banner(en, moved, NEW_YORK) == "Moved: was Tue 6:00 PM, now Wed 7:00 PM"
    cancelled = session("c", chicago(2026, 3, 11, 18), cancelled=True)
    assert change_banner(en, cancelled, CHICAGO) == "Cancelled by your clinic"
    assert change_banner(en, session("p", chicago(2026, 3, 11, 18)), CHICAGO) is None


def test_a_move_of_a_week_or_more_names_the_dates(en: Translator) -> None:
    # Across the change too: 17:00 CST on 3 March to 17:00 CDT on 10 March.
    moved = session("m", chicago(2026, 3, 10, 17), previous_starts_at=chicago(2026, 3, 3, 17),
                    previous_ends_at=chicago(2026, 3, 3, 18))
    assert change_banner(en, moved, CHICAGO) == (
        "Moved: was Tue, March 3, 5:00 PM, now Tue, March 10, 5:00 PM")


def test_banners_in_spanish(es: Translator) -> None:
    moved = session("m", chicago(2026, 3, 11, 18), previous_starts_at=chicago(2026, 3, 10, 17),
                    previous_ends_at=chicago(2026, 3, 10, 18))
    assert change_banner(es, moved, CHICAGO) == (
        "Cambió de hora: era mar 17:00, ahora es mié 18:00")
    cancelled = session("c", chicago(2026, 3, 11, 18), cancelled=True)
    assert change_banner(es, cancelled, CHICAGO) == "Cancelada por tu clínica"


def test_short_moments(en: Translator) -> None:
    assert short_moment(en, chicago(2026, 3, 10, 9, 5), CHICAGO,
                        chicago(2026, 3, 12, 9)) == "Tue 9:05 AM"
    assert short_moment(en, chicago(2026, 3, 1, 21), CHICAGO,
                        chicago(2026, 3, 12, 9)) == "Sun, March 1, 9:00 PM"


@pytest.mark.parametrize(("minutes", "text"), [(30, "30 min"), (50, "50 min"), (60, "1 h"),
                                                (90, "1 h 30 min"), (180, "3 h")])
def test_durations(en: Translator, minutes: int, text: str) -> None:
    assert duration_label(en, timedelta(minutes=minutes)) == text


# --- the history the store keeps, read back ------------------------------------------------

def test_session_from_record_reads_the_history() -> None:
    record = {"id": "h", "kind": "family", "title": "Family session",
              "starts_at": "2026-03-11T23:00:00+00:00", "ends_at": "2026-03-12T00:00:00+00:00",
              "revision": 2, "previous_starts_at": "2026-03-10T22:00:00+00:00",
              "previous_ends_at": "2026-03-10T23:00:00+00:00"}
    moved = session_from_record(record)
    assert moved.revision == 2
    assert moved.previous_starts_at == datetime(2026, 3, 10, 22, tzinfo=UTC)
    assert moved.moved
    plain = session_from_record({**record, "revision": None, "previous_starts_at": None,
                                 "previous_ends_at": None})
    assert (plain.revision, plain.previous_starts_at, plain.moved) == (0, None, False)


# --- joining a telehealth session ---------------------------------------------------------

@pytest.mark.parametrize(("location", "telehealth", "link"), [
    ("https://video.example.org/room/42", True, "https://video.example.org/room/42"),
    ("  https://video.example.org/r  ", True, "https://video.example.org/r"),
    ("Video call (link sent by text)", True, None),
    ("http://video.example.org/room/42", True, None),  # never a plain-http link
    ("https://video.example.org/r passcode 4", True, None),
    ("https://", True, None),
    ("https://video.example.org/room/42", False, None),  # an in-person session
])
def test_join_link(location: str, telehealth: bool, link: str | None) -> None:
    assert session("t", NOW, location=location, telehealth=telehealth).join_link == link


def test_no_join_link_for_a_cancelled_session() -> None:
    cancelled = session("t", NOW, location="https://video.example.org/r", telehealth=True,
                        cancelled=True)
    assert cancelled.join_link is None


def test_calendar_sessions_are_those_not_over_yet_cancelled_included() -> None:
    sessions = [session("later", NOW + timedelta(days=2)),
                session("over", NOW - timedelta(hours=3)),
                session("running", NOW - timedelta(minutes=30)),
                session("off", NOW + timedelta(days=1), cancelled=True)]
    assert ids(calendar_sessions(sessions, NOW)) == ["running", "off", "later"]
