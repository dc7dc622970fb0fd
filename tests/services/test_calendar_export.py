""""Add to my calendar": the .ics file parses back with `icalendar` to the same sessions
(instants, the clinic's TZID and its VTIMEZONE, UIDs, alarms, STATUS); neutral by
default; a re-export keeps every UID and bumps SEQUENCE only for the sessions the
clinic changed (the store counts the changes as they arrive, and a page applied twice
counts once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from iop_companion.domain.schedule import ProgramSession, SessionKind, session_from_record
from iop_companion.services.calendar_export import (
    FILE_NAME,
    EventText,
    build_calendar,
    calendar_zone,
    export_calendar,
    neutral_text,
    session_uid,
    sessions_for_calendar,
)
from iop_companion.services.clinic_link import PROFILE_KEY
from iop_companion.store import Store

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)  # Monday 2 March 2026, 9:00 in Chicago
NEUTRAL = neutral_text("Appointment")


def record(number: int, starts: datetime, minutes: int = 60, **changes: Any) -> dict[str, Any]:
    """A session as the clinic's feed sends it (UTC times)."""
    data: dict[str, Any] = {
        "id": f"00000000-0000-4000-8000-{number:012d}", "kind": "group",
        "title": f"Skills group {number}", "starts_at": starts.astimezone(UTC).isoformat(),
        "ends_at": (starts + timedelta(minutes=minutes)).astimezone(UTC).isoformat(),
        "location": "Group room B", "telehealth": False, "facilitator": "Dana Brooks, LCSW",
        "status": "scheduled", "note": None}
    data.update(changes)
    return data


# 18:00 in Chicago on each side of the change to daylight saving time (8 March 2026).
BEFORE_DST = datetime(2026, 3, 5, 18, tzinfo=CHICAGO)
AFTER_DST = datetime(2026, 3, 12, 18, tzinfo=CHICAGO)
SCHEDULE = [
    record(1, BEFORE_DST),
    record(2, AFTER_DST, 90),
    record(3, datetime(2026, 3, 10, 17, tzinfo=CHICAGO), kind="family",
           title="Family session", telehealth=True, location="https://video.example.org/r/1",
           facilitator="Maria Santos, LMFT"),
    record(4, datetime(2026, 3, 11, 12, 30, tzinfo=CHICAGO), kind="holistic",
           title="Mindfulness and gentle yoga", status="cancelled", note="Instructor away"),
    record(5, datetime(2026, 2, 26, 9, tzinfo=CHICAGO)),  # over already: not in the file
]


def parse(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def events_by_uid(calendar: Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def sessions(records: list[dict[str, Any]]) -> list[ProgramSession]:
    return [session_from_record(r) for r in records]


def real_text(session: ProgramSession) -> EventText:
    return EventText(summary=session.title, location=session.location,
                     description=f"With {session.facilitator}")


@pytest.fixture
def store() -> Store:
    store = Store.in_memory()
    store.settings.set(PROFILE_KEY, {"timezone": "America/Chicago", "name": "Cedar Hollow"})
    store.schedule.apply_changes(SCHEDULE)
    return store


# --- the file parses back to the same sessions ----------------------------------------------

def test_the_file_holds_the_coming_sessions_in_the_clinics_zone(store: Store) -> None:
    exported = export_calendar(store, NOW, text=NEUTRAL)
    assert exported.file_name == FILE_NAME == "appointments.ics"
    calendar = parse(exported.content)
    assert str(calendar["VERSION"]) == "2.0"
    events = events_by_uid(calendar)
    expected = {session_uid(r["id"]): r for r in SCHEDULE[:4]}
    assert set(events) == set(expected)
    for uid, event in events.items():
        sent = expected[uid]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        # The same instants, written in the clinic's zone with its TZID.
        assert start == datetime.fromisoformat(sent["starts_at"])
        assert end == datetime.fromisoformat(sent["ends_at"])
        assert event["DTSTART"].params["TZID"] == "America/Chicago"
        assert uid == f"{sent['id']}@iop-companion"
    # 18:00 clinic time on both sides of the change, in the file's own words.
    text = exported.content.decode()
    assert "DTSTART;TZID=America/Chicago:20260305T180000" in text
    assert "DTSTART;TZID=America/Chicago:20260312T180000" in text
    assert "DTEND;TZID=America/Chicago:20260312T193000" in text
    # The zone travels with the file, daylight saving rules included.
    zones = list(calendar.walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["America/Chicago"]
    assert {c.name for c in zones[0].subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_alarms_an_hour_and_a_quarter_before_and_status(store: Store) -> None:
    events = events_by_uid(parse(export_calendar(store, NOW, text=NEUTRAL).content))
    for sent in SCHEDULE[:4]:
        event = events[session_uid(sent["id"])]
        alarms = list(event.walk("VALARM"))
        if sent["status"] == "cancelled":
            assert str(event["STATUS"]) == "CANCELLED"
            assert alarms == []  # no reminder for a session that will not happen
        else:
            assert str(event["STATUS"]) == "CONFIRMED"
            assert sorted(a.decoded("TRIGGER") for a in alarms) == [
                timedelta(minutes=-60), timedelta(minutes=-15)]
            assert {str(a["ACTION"]) for a in alarms} == {"DISPLAY"}
        assert int(event["SEQUENCE"]) == 0


def test_neutral_by_default_says_nothing_about_treatment(store: Store) -> None:
    content = export_calendar(store, NOW, text=NEUTRAL).content
    events = list(parse(content).walk("VEVENT"))
    assert {str(e["SUMMARY"]) for e in events} == {"Appointment"}
    assert all("LOCATION" not in e and "DESCRIPTION" not in e for e in events)
    alarm_words = {str(a["DESCRIPTION"]) for e in events for a in e.walk("VALARM")}
    assert alarm_words == {"Appointment"}
    text = content.decode()
    for telling in ("Skills group", "Family", "Mindfulness", "Group room", "LMFT", "LCSW",
                    "video.example.org", "Instructor"):
        assert telling not in text


def test_real_titles_when_chosen(store: Store) -> None:
    events = events_by_uid(parse(export_calendar(store, NOW, text=real_text).content))
    family = events[session_uid(SCHEDULE[2]["id"])]
    assert str(family["SUMMARY"]) == "Family session"
    assert str(family["LOCATION"]) == "https://video.example.org/r/1"
    assert str(family["DESCRIPTION"]) == "With Maria Santos, LMFT"
    assert {str(a["DESCRIPTION"]) for a in family.walk("VALARM")} == {"Family session"}


def test_utc_times_when_the_clinics_zone_is_unknown() -> None:
    store = Store.in_memory()
    store.schedule.apply_changes(SCHEDULE[:1])
    content = export_calendar(store, NOW, text=NEUTRAL).content
    assert "DTSTART:20260306T000000Z" in content.decode()
    assert list(parse(content).walk("VTIMEZONE")) == []
    assert calendar_zone("Not/AZone") is UTC and calendar_zone(None) is UTC


def test_an_empty_schedule_is_an_empty_calendar() -> None:
    calendar = parse(build_calendar([], text=NEUTRAL, zone=CHICAGO, now=NOW))
    assert list(calendar.walk("VEVENT")) == []


# --- saving again updates rather than doubles ----------------------------------------------

def sequences(store: Store, now: datetime = NOW) -> dict[str, int]:
    events = events_by_uid(parse(export_calendar(store, now, text=NEUTRAL).content))
    return {uid: int(event["SEQUENCE"]) for uid, event in events.items()}


def test_a_re_export_keeps_uids_and_bumps_sequence_only_for_changed_sessions(
        store: Store) -> None:
    first = sequences(store)
    moved_id, cancelled_id, renamed_id, same_id = (SCHEDULE[i]["id"] for i in (0, 1, 2, 3))
    # The clinic moves one session an hour later, cancels another, renames a third; the
    # fourth comes again unchanged (a page applied twice).
    store.schedule.apply_changes([
        record(1, BEFORE_DST + timedelta(hours=1)),
        {**SCHEDULE[1], "status": "cancelled", "note": "Facilitator ill"},
        {**SCHEDULE[2], "title": "Family session (video)"},
        SCHEDULE[3],
    ])
    second = sequences(store)
    assert set(second) == set(first)  # the same UIDs: calendars update their entries
    assert second == {session_uid(moved_id): 1, session_uid(cancelled_id): 1,
                      session_uid(renamed_id): 1, session_uid(same_id): 0}
    events = events_by_uid(parse(export_calendar(store, NOW, text=NEUTRAL).content))
    assert str(events[session_uid(cancelled_id)]["STATUS"]) == "CANCELLED"
    assert events[session_uid(moved_id)].decoded("DTSTART") == BEFORE_DST + timedelta(hours=1)

    # The same changes applied again (a retried page) bump nothing; a further move does.
    store.schedule.apply_changes([record(1, BEFORE_DST + timedelta(hours=1))])
    assert sequences(store) == second
    store.schedule.apply_changes([record(1, BEFORE_DST + timedelta(hours=2))])
    assert sequences(store)[session_uid(moved_id)] == 2


def test_the_store_keeps_the_time_before_the_last_move(store: Store) -> None:
    store.schedule.apply_changes([record(1, BEFORE_DST + timedelta(days=1))])
    moved = next(s for s in sessions_for_calendar(store, NOW) if s.id == SCHEDULE[0]["id"])
    assert moved.moved and moved.revision == 1
    assert moved.previous_starts_at == BEFORE_DST
    assert moved.previous_ends_at == BEFORE_DST + timedelta(hours=1)
    # A later change that is not a move (a new note) keeps the old time on show.
    store.schedule.apply_changes([record(1, BEFORE_DST + timedelta(days=1), note="Bring card")])
    again = next(s for s in sessions_for_calendar(store, NOW) if s.id == SCHEDULE[0]["id"])
    assert again.previous_starts_at == BEFORE_DST and again.revision == 2
    # The same time written with another offset is not a move.
    same_instant = (BEFORE_DST + timedelta(days=1)).astimezone(CHICAGO).isoformat()
    store.schedule.apply_changes([{**record(1, BEFORE_DST + timedelta(days=1), note="Bring card"),
                                   "starts_at": same_instant}])
    third = next(s for s in sessions_for_calendar(store, NOW) if s.id == SCHEDULE[0]["id"])
    assert third.previous_starts_at == BEFORE_DST
    # The plain listing keeps exactly the feed's fields; the history only when asked.
    assert "revision" not in store.schedule.all()[0]
    assert "revision" in store.schedule.all(with_history=True)[0]


def test_replacing_the_whole_schedule_keeps_the_history_of_sessions_it_still_has(
        store: Store) -> None:
    store.schedule.replace_all([record(1, BEFORE_DST + timedelta(hours=1)), SCHEDULE[1]])
    kept = {s.id: s for s in sessions_for_calendar(store, NOW)}
    assert kept[SCHEDULE[0]["id"]].revision == 1 and kept[SCHEDULE[0]["id"]].moved
    assert kept[SCHEDULE[1]["id"]].revision == 0
    store.schedule.replace_all([])
    assert sessions_for_calendar(store, NOW) == []


def test_the_file_only_has_what_is_not_over(store: Store) -> None:
    later = NOW + timedelta(days=5)  # Saturday 7 March: the 5 March group is over
    uids = set(sequences(store, later))
    assert session_uid(SCHEDULE[0]["id"]) not in uids
    assert session_uid(SCHEDULE[1]["id"]) in uids
    assert all(isinstance(s.kind, SessionKind) for s in sessions_for_calendar(store, later))
