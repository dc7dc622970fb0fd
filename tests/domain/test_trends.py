"""The 14-day check-in trend: days as the participant lives them, gaps kept honest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from iop_companion.domain.trends import (
    daily_points,
    metric_trend,
    round_half,
    round_whole,
    trend_sentences,
)

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 22)


def check_in(day: date, mood: int, craving: int = 2, sleep: float = 7.0, hour: int = 12,
             zone=CHICAGO) -> dict:
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    return {"created_at": moment.astimezone(UTC).isoformat(), "mood": mood,
            "craving": craving, "sleep_hours": sleep}


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def keys(sentences) -> list[str]:
    return [s.key for s in sentences]


def test_one_point_per_day_oldest_first_with_gaps_as_none() -> None:
    points = daily_points([check_in(days_ago(0), 6), check_in(days_ago(3), 4)], TODAY, CHICAGO)
    assert len(points) == 14
    assert points[0].day == days_ago(13) and points[-1].day == TODAY
    assert points[-1].mood == 6 and points[-4].mood == 4
    assert [p.mood for p in points].count(None) == 12


def test_several_check_ins_on_one_day_count_as_its_average() -> None:
    points = daily_points([check_in(TODAY, 3, hour=9), check_in(TODAY, 8, hour=20)],
                          TODAY, CHICAGO)
    assert points[-1].mood == 5.5


def test_days_follow_the_participants_zone_not_utc() -> None:
    # 22:30 in Chicago on the 21st is already the 22nd in UTC.
    late = check_in(days_ago(1), 5, hour=22)
    points = daily_points([late], TODAY, CHICAGO)
    assert points[-2].mood == 5 and points[-1].mood is None


def test_check_ins_outside_the_14_days_are_left_out() -> None:
    points = daily_points([check_in(days_ago(14), 9), check_in(TODAY + timedelta(days=1), 9)],
                          TODAY, CHICAGO)
    assert all(p.mood is None for p in points)


def test_no_check_ins_says_so_plainly() -> None:
    sentences = trend_sentences(daily_points([], TODAY, CHICAGO))
    assert keys(sentences) == ["trends.none"]
    assert sentences[0].values == {"days": 14}


def test_a_change_between_the_two_weeks_is_described() -> None:
    records = [check_in(days_ago(n), 4, craving=6, sleep=6) for n in range(7, 14)]
    records += [check_in(days_ago(n), 6, craving=3, sleep=7.5) for n in range(7)]
    sentences = trend_sentences(daily_points(records, TODAY, CHICAGO))
    assert keys(sentences) == ["trends.days", "trends.mood.up", "trends.craving.down",
                               "trends.sleep"]
    assert sentences[0].values == {"count": 14, "days": 14}
    assert sentences[1].values == {"average": 6, "before": 4}
    assert sentences[2].values == {"average": 3, "before": 6}
    # (6 * 7 + 7.5 * 7) / 14 = 6.75, about 7 hours
    assert sentences[3].values == {"hours": "7"}


def test_same_rounded_numbers_read_about_the_same_never_up_from_6_to_6() -> None:
    records = [check_in(days_ago(10), 6), check_in(days_ago(1), 6), check_in(days_ago(2), 7)]
    # This week (6 + 7) / 2 = 6.5, shown as 7; the week before 6: up.
    sentences = trend_sentences(daily_points(records, TODAY, CHICAGO))
    assert sentences[1].key == "trends.mood.up"
    records = [check_in(days_ago(10), 6), check_in(days_ago(1), 6), check_in(days_ago(2), 6)]
    sentences = trend_sentences(daily_points(records, TODAY, CHICAGO))
    assert sentences[1].key == "trends.mood.same"
    assert sentences[1].values == {"average": 6, "before": 6}


def test_only_one_week_with_data_gives_an_average_without_a_comparison() -> None:
    records = [check_in(days_ago(0), 5), check_in(days_ago(1), 8)]
    sentences = trend_sentences(daily_points(records, TODAY, CHICAGO))
    assert keys(sentences) == ["trends.days", "trends.mood.average", "trends.craving.average",
                               "trends.sleep", "trends.gaps"]
    # (5 + 8) / 2 = 6.5, shown as 7 (half up)
    assert sentences[1].values == {"average": 7, "days": 14}
    assert sentences[0].values == {"count": 2, "days": 14}


def test_missing_days_are_not_zeros() -> None:
    trend = metric_trend(daily_points([check_in(TODAY, 8)], TODAY, CHICAGO), "mood")
    assert trend.average == 8 and trend.days_with_data == 1
    assert trend.this_week == 8 and trend.week_before is None


def test_rounding_is_half_up_and_sleep_to_the_half_hour() -> None:
    assert [round_whole(v) for v in (6.49, 6.5, 0.5, 9.5)] == [6, 7, 1, 10]
    assert [round_half(v) for v in (7.2, 7.25, 7.3, 6.75)] == [7.0, 7.5, 7.5, 7.0]
