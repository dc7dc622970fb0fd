"""Schedule maths: upcoming/next session, local days, and weekly treatment hours.

Times are written with explicit UTC offsets so every expectation can be checked by hand.
America/Chicago is UTC-6 (CST) until 2026-03-08 02:00 local, then UTC-5 (CDT), and back
to UTC-6 on 2026-11-01 02:00 local.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.schedule import (
    ProgramSession,
    SessionKind,
    coming_week,
    group_by_day,
    local_day,
    next_session,
    session_from_record,
    upcoming,
)

CHICAGO = ZoneInfo("America/Chicago")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def session(sid: str, starts: str, ends: str, *, cancelled: bool = False,
            kind: SessionKind = SessionKind.GROUP) -> ProgramSession:
    return ProgramSession(
        id=sid, kind=kind, title=f"Session {sid}", starts_at=at(starts), ends_at=at(ends),
        location="Room 2", telehealth=False, facilitator="Dr. Lee", cancelled=cancelled, note="",
    )


def ids(sessions) -> list[str]:
    return [s.id for s in sessions]


# --- session_from_record ---------------------------------------------------------------

def test_session_from_record_parses_full_record():
    record = {
        "id": 42, "kind": "individual", "title": "Therapy with Sam",
        "starts_at": "2026-03-10T15:00:00-05:00", "ends_at": "2026-03-10T16:00:00-05:00",
        "location": "Room 4", "telehealth": True, "facilitator": "Sam Rivera",
        "status": "scheduled", "note": "Bring your diary card",
    }
    s = session_from_record(record)
    assert s.id == "42"
    assert s.kind is SessionKind.INDIVIDUAL
    assert s.title == "Therapy with Sam"
    assert s.starts_at == datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    assert s.ends_at == datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
    assert s.location == "Room 4"
    assert s.telehealth is True
    assert s.facilitator == "Sam Rivera"
    assert s.cancelled is False
    assert s.note == "Bring your diary card"
    assert s.duration == timedelta(hours=1)


def test_session_from_record_defaults_for_missing_optional_fields():
    s = session_from_record({
        "id": "a", "kind": "group", "title": "Group",
        "starts_at": "2026-03-10T14:00:00Z", "ends_at": "2026-03-10T17:00:00Z",
        "location": None, "facilitator": None, "note": None,
    })
    assert (s.location, s.facilitator, s.note) == ("", "", "")
    assert s.telehealth is False
    assert s.cancelled is False
    assert s.starts_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_session_from_record_marks_cancelled_status():
    s = session_from_record({
        "id": "c", "kind": "workshop", "title": "Workshop", "status": "cancelled",
        "starts_at": "2026-03-10T14:00:00+00:00", "ends_at": "2026-03-10T15:00:00+00:00",
    })
    assert s.cancelled is True


def test_session_from_record_accepts_datetime_objects():
    start = datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO)
    s = session_from_record({"id": "d", "kind": "family", "title": "Family",
                             "starts_at": start, "ends_at": start + timedelta(hours=1)})
    assert s.starts_at is start


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_session_from_record_rejects_naive_times(field):
    record = {"id": "n", "kind": "group", "title": "Group",
              "starts_at": "2026-03-10T14:00:00+00:00", "ends_at": "2026-03-10T15:00:00+00:00"}
    record[field] = "2026-03-10T14:30:00"
    with pytest.raises(ValueError):
        session_from_record(record)


def test_session_from_record_rejects_unknown_kind():
    with pytest.raises(ValueError):
        session_from_record({"id": "x", "kind": "yoga", "title": "?",
                             "starts_at": "2026-03-10T14:00:00Z",
                             "ends_at": "2026-03-10T15:00:00Z"})


def test_duration_across_dst_with_offset_times_is_real_elapsed_time():
    # 01:00 CST -> 03:00 CDT on the spring-forward night is one real hour.
    s = session("dst", "2026-03-08T01:00:00-06:00", "2026-03-08T03:00:00-05:00")
    assert s.duration == timedelta(hours=1)


def test_duration_across_spring_forward_with_zoneinfo_times():
    s = ProgramSession(
        id="z", kind=SessionKind.GROUP, title="Overnight", location="", telehealth=False,
        facilitator="", cancelled=False, note="",
        starts_at=datetime(2026, 3, 8, 1, 0, tzinfo=CHICAGO),
        ends_at=datetime(2026, 3, 8, 3, 0, tzinfo=CHICAGO),
    )
    assert s.duration == timedelta(hours=1)


# --- upcoming / next_session -------------------------------------------------------------

NOW = at("2026-03-10T15:00:00+00:00")  # 10:00 CDT on Tuesday 10 March 2026


def test_upcoming_sorts_by_start_keeps_cancelled_and_in_progress_drops_ended():
    sessions = [
        session("later", "2026-03-12T14:00:00Z", "2026-03-12T17:00:00Z"),
        session("ended", "2026-03-10T12:00:00Z", "2026-03-10T14:59:00Z"),
        session("running", "2026-03-10T14:00:00Z", "2026-03-10T16:00:00Z"),
        session("cancelled", "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z", cancelled=True),
    ]
    assert ids(upcoming(sessions, NOW)) == ["running", "cancelled", "later"]


def test_upcoming_excludes_session_ending_exactly_now():
    s = session("edge", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z")
    assert upcoming([s], NOW) == []


def test_upcoming_compares_instants_across_offsets():
    # 09:30-10:30 CDT is 14:30-15:30 UTC: still running at 15:00 UTC.
    s = session("cdt", "2026-03-10T09:30:00-05:00", "2026-03-10T10:30:00-05:00")
    # 16:00+02:00 is 14:00 UTC: already over.
    t = session("east", "2026-03-10T15:00:00+02:00", "2026-03-10T16:00:00+02:00")
    assert ids(upcoming([t, s], NOW)) == ["cdt"]


def test_next_session_skips_cancelled_and_ended():
    sessions = [
        session("ended", "2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z"),
        session("cancelled", "2026-03-10T16:00:00Z", "2026-03-10T17:00:00Z", cancelled=True),
        session("real", "2026-03-11T14:00:00Z", "2026-03-11T17:00:00Z"),
        session("after", "2026-03-12T14:00:00Z", "2026-03-12T17:00:00Z"),
    ]
    assert next_session(sessions, NOW).id == "real"


def test_next_session_returns_session_in_progress():
    sessions = [
        session("soon", "2026-03-10T16:00:00Z", "2026-03-10T17:00:00Z"),
        session("now", "2026-03-10T14:30:00Z", "2026-03-10T15:30:00Z"),
    ]
    assert next_session(sessions, NOW).id == "now"


def test_next_session_none_when_only_cancelled_or_past():
    sessions = [
        session("past", "2026-03-09T14:00:00Z", "2026-03-09T15:00:00Z"),
        session("cancelled", "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z", cancelled=True),
    ]
    assert next_session(sessions, NOW) is None
    assert next_session([], NOW) is None


def test_next_session_accepts_a_generator():
    gen = (s for s in [session("g", "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z")])
    assert next_session(gen, NOW).id == "g"


# --- local days ------------------------------------------------------------------------

def test_local_day_uses_the_participants_zone():
    moment = at("2026-03-10T03:30:00+00:00")  # 22:30 CDT on 9 March
    assert local_day(moment, CHICAGO) == date(2026, 3, 9)
    assert local_day(moment, UTC) == date(2026, 3, 10)


def test_local_day_in_winter_uses_cst():
    # 05:30 UTC is 23:30 CST (UTC-6) the day before, but would be 00:30 under CDT.
    assert local_day(at("2026-01-15T05:30:00Z"), CHICAGO) == date(2026, 1, 14)
    assert local_day(at("2026-07-15T05:30:00Z"), CHICAGO) == date(2026, 7, 15)


def test_group_by_day_groups_unsorted_sessions_by_local_day():
    sessions = [
        session("wed", "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z"),
        session("tue-late", "2026-03-11T02:00:00Z", "2026-03-11T03:00:00Z"),  # 21:00 CDT Tue
        session("tue", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z"),
        session("mon-late", "2026-03-10T04:30:00Z", "2026-03-10T05:30:00Z"),  # 23:30 CDT Mon
    ]
    grouped = group_by_day(sessions, CHICAGO)
    assert [(day, ids(items)) for day, items in grouped] == [
        (date(2026, 3, 9), ["mon-late"]),
        (date(2026, 3, 10), ["tue", "tue-late"]),
        (date(2026, 3, 11), ["wed"]),
    ]


def test_group_by_day_empty():
    assert group_by_day([], CHICAGO) == []


# --- the coming week (Today's summary) ---------------------------------------------------

WEEK_START = at("2026-03-05T12:00:00Z")


def test_coming_week_counts_sessions_and_hours_from_now_and_skips_cancelled():
    sessions = [
        session("earlier", "2026-03-05T09:00:00Z", "2026-03-05T11:00:00Z"),   # already begun
        session("soon", "2026-03-05T15:00:00Z", "2026-03-05T18:00:00Z"),      # 3 h
        session("off", "2026-03-06T15:00:00Z", "2026-03-06T16:00:00Z", cancelled=True),
        session("edge", "2026-03-12T11:00:00Z", "2026-03-12T12:30:00Z"),      # 1.5 h, in range
        session("beyond", "2026-03-12T12:00:00Z", "2026-03-12T13:00:00Z"),    # starts at +7 d
    ]
    assert coming_week(sessions, WEEK_START) == (2, 4.5)


def test_coming_week_counts_real_hours_across_spring_forward():
    # 01:00 CST to 03:00 CDT on 8 March 2026 is one real hour.
    s = session("night", "2026-03-08T01:00:00-06:00", "2026-03-08T03:00:00-05:00")
    assert coming_week([s], WEEK_START) == (1, 1.0)


def test_coming_week_rounds_to_one_decimal_and_accepts_a_generator():
    gen = (x for x in [session("fifty", "2026-03-06T14:00:00Z", "2026-03-06T14:50:00Z")])
    assert coming_week(gen, WEEK_START) == (1, 0.8)


def test_coming_week_empty():
    assert coming_week([], WEEK_START) == (0, 0.0)
