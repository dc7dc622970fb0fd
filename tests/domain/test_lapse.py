"""The look back after a reported use, and days with and without use."""

from __future__ import annotations

from datetime import UTC, date
from zoneinfo import ZoneInfo

from iop_companion.domain.lapse import (
    LAPSE_REVIEW_FIELDS,
    USE_WINDOW_DAYS,
    lapse_review_problems,
    lapse_review_record,
    use_day_counts,
)
from iop_companion.sync.protocol import LapseReviewPayload

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 22)


def check_in(created_at: str, used: bool) -> dict:
    return {"created_at": created_at, "used_since_last": used}


# --- lapse review ----------------------------------------------------------------------

def test_review_needs_something_written_but_no_particular_box():
    assert lapse_review_problems({}) == {"form": "lapse.error.empty"}
    assert lapse_review_problems({"what_happened": "  \n"}) == {"form": "lapse.error.empty"}
    assert lapse_review_problems({"who_i_will_tell": "my sponsor"}) == {}


def test_review_limits_match_the_wire_format():
    assert lapse_review_problems({"what_happened": "x" * 2000}) == {}
    assert lapse_review_problems({"what_happened": "x" * 2001}) == {
        "what_happened": "lapse.error.too_long"}
    assert lapse_review_problems({"what_helped": "ok", "who_i_will_tell": "x" * 501}) == {
        "who_i_will_tell": "lapse.error.too_long"}


def test_review_record_is_trimmed_and_dated():
    record = lapse_review_record({"what_happened": " payday \n", "what_helped": "a walk"},
                                 TODAY)
    assert record == {"happened_on": "2026-11-22", "what_happened": "payday",
                      "what_helped": "a walk", "do_differently": "", "who_i_will_tell": ""}
    LapseReviewPayload.model_validate(record)
    assert set(LAPSE_REVIEW_FIELDS) | {"happened_on"} == set(record)


# --- days with and without use ---------------------------------------------------------

def test_no_check_ins_counts_nothing_either_way():
    counts = use_day_counts([], TODAY, UTC)
    assert (counts.days_without_use, counts.days_with_use) == (0, 0)
    assert counts.days_without_check_in == USE_WINDOW_DAYS
    assert not counts.has_check_ins


def test_days_without_check_ins_are_not_counted_as_days_without_use():
    records = [check_in("2026-11-20T15:00:00+00:00", False),
               check_in("2026-11-22T15:00:00+00:00", False)]
    counts = use_day_counts(records, TODAY, UTC)
    assert (counts.days_without_use, counts.days_with_use) == (2, 0)
    assert counts.days_without_check_in == USE_WINDOW_DAYS - 2


def test_several_check_ins_in_one_day_count_once_and_any_use_makes_it_a_day_with_use():
    records = [check_in("2026-11-21T09:00:00+00:00", False),
               check_in("2026-11-21T13:00:00+00:00", True),
               check_in("2026-11-21T20:00:00+00:00", False),
               check_in("2026-11-22T08:00:00+00:00", False),
               check_in("2026-11-22T18:00:00+00:00", False)]
    counts = use_day_counts(records, TODAY, UTC)
    assert (counts.days_without_use, counts.days_with_use) == (1, 1)


def test_days_are_the_participants_local_days():
    # 04:30 UTC on the 22nd is 22:30 on the 21st in Chicago (CST, UTC-6).
    late_evening = check_in("2026-11-22T04:30:00+00:00", True)
    morning = check_in("2026-11-22T15:00:00+00:00", False)
    in_chicago = use_day_counts([late_evening, morning], TODAY, CHICAGO)
    assert (in_chicago.days_without_use, in_chicago.days_with_use) == (1, 1)
    in_utc = use_day_counts([late_evening, morning], TODAY, UTC)
    assert (in_utc.days_without_use, in_utc.days_with_use) == (0, 1)  # one UTC day


def test_the_window_includes_today_and_the_days_before_it_only():
    counts = use_day_counts([
        check_in("2026-10-24T12:00:00+00:00", True),    # 30th day back: inside
        check_in("2026-10-23T12:00:00+00:00", True),    # 31st day back: outside
        check_in("2026-11-23T12:00:00+00:00", True),    # tomorrow (clock skew): outside
    ], TODAY, UTC)
    assert counts.first_day == date(2026, 10, 24)
    assert counts.last_day == TODAY
    assert (counts.days_without_use, counts.days_with_use) == (0, 1)


def test_a_custom_window():
    counts = use_day_counts([check_in("2026-11-15T12:00:00+00:00", False)], TODAY, UTC,
                            window_days=7)
    assert counts.window_days == 7
    assert counts.days_without_use == 0
