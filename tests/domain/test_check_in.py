"""The daily check-in: parsing sleep hours, validation, the stored record, latest per day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timezone
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.check_in import (
    MEDICATION_ANSWERS,
    NOTE_MAX,
    SLEEP_QUALITIES,
    SUBSTANCE_MAX,
    CheckInDraft,
    check_in_problems,
    check_in_record,
    latest_on_day,
    parse_sleep_hours,
)

CHICAGO = ZoneInfo("America/Chicago")


def complete(**changes) -> CheckInDraft:
    base = CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good",
                        medications="yes", used_since_last=False, thoughts_of_self_harm=False,
                        substance="", note="")
    return replace(base, **changes)


# --- parse_sleep_hours -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "hours"), [
    ("7", 7.0),
    ("6,5", 6.5),
    ("6.5", 6.5),
    (" 8 ", 8.0),
    ("0", 0.0),
    ("24", 24.0),
    ("24.0", 24.0),
    ("7.26", 7.3),
    ("7.24", 7.2),
])
def test_parse_sleep_hours_accepts(text, hours):
    assert parse_sleep_hours(text) == hours


@pytest.mark.parametrize("text", [
    "-1", "-0.5", "25", "24.1", "nan", "NaN", "inf", "-inf", "Infinity", "",
    "   ", "seven", "7h", "6,5,0", "6.5.5", "7 8",
])
def test_parse_sleep_hours_rejects(text):
    assert parse_sleep_hours(text) is None


# --- check_in_problems -----------------------------------------------------------------

def test_constants():
    assert SLEEP_QUALITIES == ("poor", "fair", "good")
    assert MEDICATION_ANSWERS == ("yes", "no", "not_applicable")
    assert (NOTE_MAX, SUBSTANCE_MAX) == (2000, 120)


def test_untouched_draft_lists_every_unanswered_question():
    assert check_in_problems(CheckInDraft()) == {
        "sleep_hours": "checkin.error.sleep_hours",
        "sleep_quality": "checkin.error.choose_one",
        "medications": "checkin.error.choose_one",
        "used_since_last": "checkin.error.choose_one",
        "thoughts_of_self_harm": "checkin.error.choose_one",
    }


def test_complete_draft_has_no_problems():
    assert check_in_problems(complete()) == {}


@pytest.mark.parametrize("field", ["mood", "craving"])
@pytest.mark.parametrize(("value", "ok"), [(-1, False), (0, True), (10, True), (11, False)])
def test_scales_are_zero_to_ten(field, value, ok):
    problems = check_in_problems(complete(**{field: value}))
    assert problems == ({} if ok else {field: "checkin.error.scale"})


@pytest.mark.parametrize(("text", "ok"), [
    ("7", True), ("6,5", True), ("0", True), ("24", True),
    ("-1", False), ("25", False), ("nan", False), ("inf", False), ("", False),
])
def test_sleep_hours_validation(text, ok):
    problems = check_in_problems(complete(sleep_hours=text))
    assert problems == ({} if ok else {"sleep_hours": "checkin.error.sleep_hours"})


@pytest.mark.parametrize("quality", SLEEP_QUALITIES)
def test_each_sleep_quality_is_accepted(quality):
    assert check_in_problems(complete(sleep_quality=quality)) == {}


@pytest.mark.parametrize("quality", [None, "", "great", "Good"])
def test_sleep_quality_must_be_chosen(quality):
    assert check_in_problems(complete(sleep_quality=quality)) == {
        "sleep_quality": "checkin.error.choose_one"}


@pytest.mark.parametrize("answer", MEDICATION_ANSWERS)
def test_each_medication_answer_is_accepted(answer):
    assert check_in_problems(complete(medications=answer)) == {}


@pytest.mark.parametrize("answer", [None, "", "maybe", "YES"])
def test_medications_must_be_chosen(answer):
    assert check_in_problems(complete(medications=answer)) == {
        "medications": "checkin.error.choose_one"}


def test_used_since_last_must_be_answered_but_false_is_an_answer():
    assert check_in_problems(complete(used_since_last=None)) == {
        "used_since_last": "checkin.error.choose_one"}
    assert check_in_problems(complete(used_since_last=False)) == {}
    assert check_in_problems(complete(used_since_last=True)) == {}


def test_note_length_limit():
    assert check_in_problems(complete(note="x" * NOTE_MAX)) == {}
    assert check_in_problems(complete(note="x" * (NOTE_MAX + 1))) == {
        "note": "checkin.error.too_long"}


def test_substance_length_limit():
    assert check_in_problems(complete(used_since_last=True, substance="x" * SUBSTANCE_MAX)) == {}
    assert check_in_problems(
        complete(used_since_last=True, substance="x" * (SUBSTANCE_MAX + 1))) == {
        "substance": "checkin.error.too_long"}


def test_several_problems_are_reported_together():
    draft = complete(mood=12, craving=-3, sleep_hours="nan", medications=None,
                     note="x" * (NOTE_MAX + 1))
    assert check_in_problems(draft) == {
        "mood": "checkin.error.scale",
        "craving": "checkin.error.scale",
        "sleep_hours": "checkin.error.sleep_hours",
        "medications": "checkin.error.choose_one",
        "note": "checkin.error.too_long",
    }


# --- check_in_record -------------------------------------------------------------------

def test_record_without_use():
    draft = complete(mood=4, craving=7, sleep_hours=" 6,5 ", sleep_quality="fair",
                     medications="not_applicable", note="  Rough day at work.\n ")
    assert check_in_record(draft) == {
        "mood": 4,
        "craving": 7,
        "sleep_hours": 6.5,
        "sleep_quality": "fair",
        "medications": "not_applicable",
        "used_since_last": False,
        "substance": None,
        "note": "Rough day at work.",
        "thoughts_of_self_harm": False,
        "triggers": [],
        "warning_signs": [],
        "skills_used": [],
    }


def test_record_keeps_the_self_harm_answer():
    assert check_in_record(complete(thoughts_of_self_harm=True))["thoughts_of_self_harm"] is True


def test_record_with_use_keeps_trimmed_substance():
    record = check_in_record(complete(used_since_last=True, substance="  alcohol "))
    assert record["used_since_last"] is True
    assert record["substance"] == "alcohol"


def test_record_with_use_and_blank_substance_stores_none():
    record = check_in_record(complete(used_since_last=True, substance="   "))
    assert record["used_since_last"] is True
    assert record["substance"] is None


def test_record_drops_substance_when_no_use_was_reported():
    record = check_in_record(complete(used_since_last=False, substance="alcohol"))
    assert record["used_since_last"] is False
    assert record["substance"] is None


def test_record_note_empty_string_when_blank():
    assert check_in_record(complete(note=" \n "))["note"] == ""


# --- latest_on_day ---------------------------------------------------------------------

RECORDS = [
    {"id": "mon-late", "created_at": "2026-03-10T04:30:00+00:00"},  # 23:30 CDT Mon 9 Mar
    {"id": "tue-am", "created_at": "2026-03-10T14:00:00+00:00"},    # 09:00 CDT Tue 10 Mar
    {"id": "tue-pm", "created_at": "2026-03-11T02:00:00+00:00"},    # 21:00 CDT Tue 10 Mar
    {"id": "wed-early", "created_at": "2026-03-11T06:00:00+00:00"},  # 01:00 CDT Wed 11 Mar
]


def test_latest_on_day_uses_local_day():
    assert latest_on_day(RECORDS, date(2026, 3, 10), CHICAGO)["id"] == "tue-pm"
    assert latest_on_day(RECORDS, date(2026, 3, 9), CHICAGO)["id"] == "mon-late"
    assert latest_on_day(RECORDS, date(2026, 3, 11), CHICAGO)["id"] == "wed-early"


def test_latest_on_day_in_utc_regroups():
    assert latest_on_day(RECORDS, date(2026, 3, 10), timezone.utc)["id"] == "tue-am"
    assert latest_on_day(RECORDS, date(2026, 3, 11), timezone.utc)["id"] == "wed-early"


def test_latest_on_day_none_when_nothing_that_day():
    assert latest_on_day(RECORDS, date(2026, 3, 12), CHICAGO) is None
    assert latest_on_day([], date(2026, 3, 10), CHICAGO) is None


def test_latest_on_day_orders_by_instant_not_text():
    records = [
        {"id": "first-0130-cdt", "created_at": "2026-11-01T01:30:00-05:00"},
        {"id": "second-0115-cst", "created_at": "2026-11-01T01:15:00-06:00"},
    ]
    assert latest_on_day(records, date(2026, 11, 1), CHICAGO)["id"] == "second-0115-cst"
