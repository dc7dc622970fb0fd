"""When the daily check-in reminder is due: once a day, at the local time, DST included.

America/Chicago springs forward on 2026-03-08 at 02:00 (to CDT, UTC-5) and falls back on
2026-11-01 at 02:00 (to CST, UTC-6; 01:00-01:59 happens twice).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.reminders import (
    REMINDER_GRACE,
    ReminderSettings,
    format_reminder_time,
    parse_reminder_time,
    reminder_due,
    reminder_moment,
)

CHICAGO = ZoneInfo("America/Chicago")
ON_AT_7PM = ReminderSettings(enabled=True, at=time(19, 0))


def local(y: int, mo: int, d: int, h: int, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CHICAGO, fold=fold)


def due(now: datetime, settings: ReminderSettings = ON_AT_7PM, *,
        last_check_in: datetime | None = None, last_reminded_on: date | None = None) -> bool:
    return reminder_due(now, settings, CHICAGO, last_check_in=last_check_in,
                        last_reminded_on=last_reminded_on)


def test_off_by_default_and_never_due_when_off() -> None:
    assert ReminderSettings().enabled is False
    assert not due(local(2026, 11, 22, 19, 0), ReminderSettings(enabled=False))


def test_due_from_the_chosen_time_inside_the_grace_window() -> None:
    assert not due(local(2026, 11, 22, 18, 59))
    assert due(local(2026, 11, 22, 19, 0))
    assert due(local(2026, 11, 22, 20, 30))
    assert not due(local(2026, 11, 22, 19, 0) + REMINDER_GRACE)


def test_a_check_in_today_means_no_reminder() -> None:
    morning = local(2026, 11, 22, 8, 15)
    assert not due(local(2026, 11, 22, 19, 0), last_check_in=morning)
    # Yesterday's check-in does not count for today.
    assert due(local(2026, 11, 22, 19, 0), last_check_in=morning - timedelta(days=1))


def test_a_check_in_is_judged_by_the_local_day_not_utc() -> None:
    # 20:30 on the 21st in Chicago is 02:30 UTC on the 22nd: yesterday, locally.
    late_yesterday = local(2026, 11, 21, 20, 30).astimezone(UTC)
    assert due(local(2026, 11, 22, 19, 0), last_check_in=late_yesterday)


def test_once_a_day() -> None:
    assert not due(local(2026, 11, 22, 19, 5), last_reminded_on=date(2026, 11, 22))
    assert due(local(2026, 11, 23, 19, 5), last_reminded_on=date(2026, 11, 22))


def test_spring_forward_time_in_the_skipped_hour_fires_just_after_the_gap() -> None:
    settings = ReminderSettings(enabled=True, at=time(2, 30))
    moment = reminder_moment(date(2026, 3, 8), time(2, 30), CHICAGO)
    assert moment.astimezone(UTC) == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)  # 03:30 CDT
    assert not due(datetime(2026, 3, 8, 8, 29, tzinfo=UTC), settings)
    assert due(datetime(2026, 3, 8, 8, 30, tzinfo=UTC), settings)


def test_spring_forward_day_keeps_the_wall_clock_time_for_an_evening_reminder() -> None:
    # 19:00 CDT (UTC-5) = 00:00 UTC next day, one hour earlier in UTC than the day before.
    assert reminder_moment(date(2026, 3, 8), time(19), CHICAGO).astimezone(UTC) == \
        datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
    assert reminder_moment(date(2026, 3, 7), time(19), CHICAGO).astimezone(UTC) == \
        datetime(2026, 3, 8, 1, 0, tzinfo=UTC)


def test_fall_back_repeated_hour_fires_once_at_the_first_occurrence() -> None:
    settings = ReminderSettings(enabled=True, at=time(1, 30))
    first = local(2026, 11, 1, 1, 30, fold=0)   # 06:30 UTC, CDT
    second = local(2026, 11, 1, 1, 30, fold=1)  # 07:30 UTC, CST
    assert reminder_moment(date(2026, 11, 1), time(1, 30), CHICAGO).astimezone(UTC) == \
        first.astimezone(UTC)
    assert due(first, settings)
    # The second 01:30 is the same local day: once reminded, not again.
    assert not due(second, settings, last_reminded_on=date(2026, 11, 1))


def test_fall_back_day_evening_reminder_is_at_local_time() -> None:
    assert reminder_moment(date(2026, 11, 1), time(19), CHICAGO).astimezone(UTC) == \
        datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 19:00 CST = UTC-6


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        due(datetime(2026, 11, 22, 19, 0))


@pytest.mark.parametrize(("typed", "expected"), [
    ("19:30", time(19, 30)), ("7:30 pm", time(19, 30)), ("7pm", time(19)),
    ("7.30 p.m.", time(19, 30)), ("9", time(9)), ("12 am", time(0)), ("12 PM", time(12)),
    (" 08:05 ", time(8, 5)), ("0:00", time(0)),
])
def test_times_are_read_as_people_type_them(typed: str, expected: time) -> None:
    assert parse_reminder_time(typed) == expected


@pytest.mark.parametrize("typed", ["", "24:00", "13 pm", "0 am", "7:5", "7:60", "noon",
                                   "19:30:00", "-1"])
def test_other_text_is_not_a_time(typed: str) -> None:
    assert parse_reminder_time(typed) is None


def test_stored_form_is_24_hour() -> None:
    assert format_reminder_time(time(7, 5)) == "07:05"
