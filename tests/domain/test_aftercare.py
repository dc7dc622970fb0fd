"""My aftercare plan as typed (lists one item per line, meetings as rows) to the stored
plan; when the next support meeting is; when the program has ended."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.aftercare import (
    AFTERCARE_LIST_SECTIONS,
    ITEM_MAX,
    MEETINGS_MAX,
    PROMPT_DAYS_BEFORE_END,
    WEEKDAYS,
    MeetingDraft,
    aftercare_plan_problems,
    aftercare_plan_record,
    aftercare_prompt_due,
    discharge_date,
    is_discharged,
    meeting_drafts,
    merge_plans,
    next_meeting,
    next_occurrence,
    parse_clock_time,
    plan_content,
    plan_is_empty,
    section_texts,
)
from iop_companion.sync.protocol import AftercarePlanPayload, RecordKind, payload_problem

CHICAGO = ZoneInfo("America/Chicago")
SMART = MeetingDraft(name="SMART Recovery", weekday="tuesday", time="6:30 pm",
                     place="Library, room 2")
AA = MeetingDraft(name="AA Big Book", weekday="saturday", time="09:00")


def test_sections_match_the_wire_format() -> None:
    assert {*AFTERCARE_LIST_SECTIONS, "support_meetings"} == set(
        AftercarePlanPayload.model_fields) - {"id", "created_at", "updated_at", "schema_version"}


def test_record_has_lists_one_item_per_line_and_meetings_as_rows() -> None:
    record = aftercare_plan_record(
        {"continuing_care": " Weekly therapy with Dr. Lee \n\nStep-down group\n",
         "people_to_call": "Ana 555-0101"},
        [SMART, MeetingDraft(), AA])  # the blank row (the form's spare one) is left out
    assert record["continuing_care"] == ["Weekly therapy with Dr. Lee", "Step-down group"]
    assert record["people_to_call"] == ["Ana 555-0101"]
    assert record["medication_follow_up"] == []
    assert record["support_meetings"] == [
        {"name": "SMART Recovery", "weekday": "tuesday", "time": "18:30",
         "place": "Library, room 2"},
        {"name": "AA Big Book", "weekday": "saturday", "time": "09:00", "place": ""}]
    assert payload_problem(RecordKind.AFTERCARE_PLAN, record) is None


@pytest.mark.parametrize(("typed", "expected"), [
    ("18:30", "18:30"), ("6:30 pm", "18:30"), ("6:30PM", "18:30"), ("7 PM", "19:00"),
    ("7pm", "19:00"), ("7 p.m.", "19:00"), ("6:30 p. m.", "18:30"), ("12 am", "00:00"),
    ("12:15 pm", "12:15"), ("9:05", "09:05"), ("0:00", "00:00"), ("18.30", "18:30"),
    (" 07:45 ", "07:45"),
    ("7", None), ("", None), ("24:00", None), ("13 pm", None), ("6:61", None),
    ("evening", None), ("0 am", None), ("1830", None),
])
def test_typed_times(typed: str, expected: str | None) -> None:
    assert parse_clock_time(typed) == expected


def test_a_meeting_row_needs_a_name_a_day_and_a_clear_time() -> None:
    problems = aftercare_plan_problems({}, [
        SMART,
        MeetingDraft(weekday="monday"),  # started: every part is asked for
        MeetingDraft(name="NA", weekday="someday", time="7"),
        MeetingDraft(),  # blank: ignored
    ])
    assert problems == {
        "meeting.1.name": "aftercare.error.meeting_name",
        "meeting.1.time": "aftercare.error.meeting_time",
        "meeting.2.weekday": "aftercare.error.meeting_day",
        "meeting.2.time": "aftercare.error.meeting_time",
    }


def test_too_long_and_too_many() -> None:
    problems = aftercare_plan_problems(
        {"continuing_care": "x" * (ITEM_MAX + 1), "people_to_call": "\n".join(["Ana"] * 31)},
        [MeetingDraft(name="n" * 121, weekday="monday", time="19:00", place="p" * 201)]
        + [AA] * MEETINGS_MAX)
    assert problems == {
        "continuing_care": "aftercare.error.too_long",
        "people_to_call": "aftercare.error.too_many",
        "meetings": "aftercare.error.too_many_meetings",
        "meeting.0.name": "aftercare.error.meeting_name_long",
        "meeting.0.place": "aftercare.error.meeting_place_long",
    }
    assert aftercare_plan_problems({"continuing_care": "x" * ITEM_MAX}, [SMART]) == {}


def test_a_plan_goes_back_into_the_form_as_it_was() -> None:
    record = aftercare_plan_record({"continuing_care": "Therapy\nGroup"}, [SMART])
    assert section_texts(record)["continuing_care"] == "Therapy\nGroup"
    assert meeting_drafts(record) == [MeetingDraft("SMART Recovery", "tuesday", "18:30",
                                                   "Library, room 2")]
    assert aftercare_plan_record(section_texts(record), meeting_drafts(record)) == record
    assert plan_is_empty(None) and plan_is_empty(aftercare_plan_record({}, []))
    assert not plan_is_empty(aftercare_plan_record({}, [AA]))


def test_merging_keeps_mine_first_then_adds_what_the_clinic_wrote() -> None:
    mine = aftercare_plan_record({"continuing_care": "Therapy on Mondays",
                                  "people_to_call": "Ana"}, [SMART])
    theirs = {**aftercare_plan_record({"continuing_care": "therapy on mondays\nStep-down group",
                                       "medication_follow_up": "Dr. Kim in 4 weeks"}, [SMART, AA]),
              "id": "8c1f5a6e-3f55-4d0b-9d9e-4f2c8c3f0a11", "schema_version": 1}
    merged = merge_plans(mine, theirs)
    assert merged["continuing_care"] == ["Therapy on Mondays", "Step-down group"]
    assert merged["people_to_call"] == ["Ana"]
    assert merged["medication_follow_up"] == ["Dr. Kim in 4 weeks"]
    assert [m["name"] for m in merged["support_meetings"]] == ["SMART Recovery", "AA Big Book"]
    assert merge_plans(merged, theirs) == merged  # applying the same version again: no change
    assert plan_content(theirs) == plan_content({k: v for k, v in theirs.items()
                                                 if k not in ("id", "schema_version")})


# --- the next meeting ------------------------------------------------------------------

def test_next_occurrence_later_today_next_week_and_across_a_clock_change() -> None:
    tuesday_noon = datetime(2026, 11, 24, 12, 0, tzinfo=CHICAGO)
    assert tuesday_noon.weekday() == WEEKDAYS.index("tuesday")
    assert next_occurrence("tuesday", "18:30", tuesday_noon) == datetime(
        2026, 11, 24, 18, 30, tzinfo=CHICAGO)
    assert next_occurrence("tuesday", "09:00", tuesday_noon) == datetime(
        2026, 12, 1, 9, 0, tzinfo=CHICAGO)
    assert next_occurrence("tuesday", "12:00", tuesday_noon) == tuesday_noon  # starting now
    assert next_occurrence("monday", "19:00", tuesday_noon) == datetime(
        2026, 11, 30, 19, 0, tzinfo=CHICAGO)
    # Saturday before the November clock change: Sunday's 7 PM is 7 PM local time.
    saturday = datetime(2026, 10, 31, 20, 0, tzinfo=CHICAGO)
    sunday = next_occurrence("sunday", "19:00", saturday)
    assert (sunday.day, sunday.hour) == (1, 19)
    # 23 hours on the wall clock, 24 really: the clock went back an hour overnight.
    assert sunday.astimezone(UTC) - saturday.astimezone(UTC) == timedelta(hours=24)


def test_next_meeting_is_the_soonest_and_skips_rows_that_do_not_say_when() -> None:
    plan = aftercare_plan_record({}, [AA, SMART])
    plan["support_meetings"].append({"name": "broken", "weekday": "noday", "time": "7"})
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=CHICAGO)
    upcoming = next_meeting(plan, monday)
    assert upcoming is not None
    assert upcoming.meeting["name"] == "SMART Recovery"
    assert upcoming.starts_at == datetime(2026, 11, 24, 18, 30, tzinfo=CHICAGO)
    assert next_meeting(aftercare_plan_record({"people_to_call": "Ana"}, []), monday) is None
    assert next_meeting(None, monday) is None


# --- discharge -------------------------------------------------------------------------

def test_discharge_is_in_effect_from_its_day_on() -> None:
    enrolment = {"participant_id": "x", "discharged_on": "2026-11-20"}
    assert discharge_date(enrolment) == date(2026, 11, 20)
    assert not is_discharged(enrolment, date(2026, 11, 19))  # set ahead: not yet
    assert is_discharged(enrolment, date(2026, 11, 20))
    assert is_discharged(enrolment, date(2027, 1, 1))
    assert not is_discharged({"participant_id": "x", "discharged_on": None}, date(2026, 11, 20))
    assert not is_discharged({"participant_id": "x"}, date(2026, 11, 20))  # older app data
    assert not is_discharged(None, date(2026, 11, 20))
    assert not is_discharged({"discharged_on": "garbled"}, date(2026, 11, 20))


def test_the_aftercare_prompt_comes_three_weeks_before_the_end() -> None:
    end = date(2026, 12, 31)
    enrolment = {"program_end": end.isoformat(), "discharged_on": None}
    assert not aftercare_prompt_due(enrolment, end - timedelta(days=PROMPT_DAYS_BEFORE_END + 1))
    assert aftercare_prompt_due(enrolment, end - timedelta(days=PROMPT_DAYS_BEFORE_END))
    assert aftercare_prompt_due(enrolment, end + timedelta(days=3))  # the end has passed
    assert not aftercare_prompt_due({"program_end": None}, end)  # no end date known
    assert not aftercare_prompt_due(None, end)  # no clinic
    assert aftercare_prompt_due({"program_end": None, "discharged_on": "2027-01-05"}, end)


def test_times_are_not_read_in_utc() -> None:
    """The plan's times are the participant's local clock, whatever zone `now` is in."""
    late_evening_utc = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Tue 9 PM in Chicago
    upcoming = next_meeting(aftercare_plan_record({}, [SMART]), late_evening_utc.astimezone(
        CHICAGO))
    assert upcoming is not None and upcoming.starts_at.date() == date(2026, 12, 1)
