"""My patterns (domain/patterns.py): the lines break on days without an entry, days are
the participant's local days, periods compare with the period before, the skills chart
counts "helped" from diary cards only, and each bar chart has its sentence as data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.domain.test_coping_logs import card, urge_log

from iop_companion.domain.coping_logs import (
    SkillUse,
    TriggerCount,
    chart,
    skills_used_most,
    triggers_by_frequency,
)
from iop_companion.domain.patterns import (
    BARS_SHOWN,
    axis_ticks,
    count_axis,
    has_entries,
    nothing_logged,
    segments,
    skill_bars,
    skills_summary,
    triggers_summary,
)

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 25)  # a Wednesday


def day(n_ago: int) -> date:
    return TODAY - timedelta(days=n_ago)


def local(on: date, hour: int, minute: int = 0, zone: Any = CHICAGO) -> datetime:
    return datetime(on.year, on.month, on.day, hour, minute, tzinfo=zone)


def check_in(at: datetime, mood: int, craving: int, **extra: Any) -> dict[str, Any]:
    """A daily check-in as the store keeps it: created_at in UTC."""
    return {"created_at": at.astimezone(UTC).isoformat(), "mood": mood, "craving": craving,
            "sleep_hours": 7.0, **extra}


def urge(at: datetime, intensity: int, **changes: Any) -> dict[str, Any]:
    return urge_log(occurred_at=at.isoformat(), intensity=intensity, **changes)


# ------------------------------------------------------------------------- line gaps


def test_a_day_without_an_entry_breaks_the_line_and_is_never_a_zero() -> None:
    days = [day(n) for n in range(6, -1, -1)]
    points = list(zip(days, [5.0, 6.0, None, None, 0.0, None, 3.0], strict=True))
    # A real 0 is a point; a missing day is in no run at all.
    assert segments(points) == [[(0, 5.0), (1, 6.0)], [(4, 0.0)], [(6, 3.0)]]
    assert segments([(d, None) for d in days]) == []
    assert segments(list(zip(days, [1.0] * 7, strict=True))) == [[(i, 1.0) for i in range(7)]]


def test_the_urge_chart_s_lines_come_from_the_logs_with_gaps_for_quiet_days() -> None:
    logs = [urge(local(day(6), 9), 8), urge(local(day(5), 20), 6), urge(local(day(5), 21), 4),
            urge(local(day(0), 8), 2)]
    urge_chart = chart("urge", logs, TODAY, CHICAGO, 7)
    # Two logs on one day count once, at their average; days 2-5 of the week are gaps.
    assert segments(urge_chart.points) == [[(0, 8.0), (1, 5.0)], [(6, 2.0)]]
    assert has_entries(urge_chart)


def test_deleted_logs_leave_a_gap_not_a_point() -> None:
    logs = [urge(local(day(1), 9), 8), {"deleted": True}, urge(local(day(0), 9), 4)]
    assert segments(chart("urge", logs, TODAY, CHICAGO, 7).points) == [[(5, 8.0), (6, 4.0)]]


# ----------------------------------------------------------------------- time zones


def test_a_late_evening_entry_in_chicago_belongs_to_that_local_day() -> None:
    # 23:30 in Chicago on Monday is 05:30 UTC on Tuesday: it is Monday's point.
    monday = day(2)
    late = local(monday, 23, 30)
    assert late.astimezone(UTC).date() == monday + timedelta(days=1)
    mood = chart("mood", [check_in(late, 4, 7)], TODAY, CHICAGO, 7)
    craving = chart("craving", [check_in(late, 4, 7)], TODAY, CHICAGO, 7)
    urges = chart("urge", [urge(late, 9)], TODAY, CHICAGO, 7)
    for found, value in ((mood, 4.0), (craving, 7.0), (urges, 9.0)):
        assert segments(found.points) == [[(4, value)]]
        assert found.points[4] == (monday, value)


def test_the_same_moment_is_another_day_in_another_zone() -> None:
    late = local(day(2), 23, 30)
    in_utc = chart("urge", [urge(late, 9)], TODAY, UTC, 7)
    assert segments(in_utc.points) == [[(5, 9.0)]]  # Tuesday in UTC


def test_an_entry_after_local_midnight_today_is_today_not_tomorrow() -> None:
    # 00:15 on Wednesday in Chicago is still Tuesday in California but Wednesday here.
    early = local(TODAY, 0, 15)
    assert segments(chart("urge", [urge(early, 5)], TODAY, CHICAGO, 7).points) == [[(6, 5.0)]]


# --------------------------------------------------------------------------- weeks


def test_a_week_compares_with_the_week_before() -> None:
    records = [check_in(local(day(n), 12), 5, 6) for n in (7, 8, 10)]  # the week before
    records += [check_in(local(day(n), 12), 5, c) for n, c in ((0, 4), (2, 4), (5, 5))]
    craving = chart("craving", records, TODAY, CHICAGO, 7)
    assert craving.summary.key == "coping.chart.summary.down"
    assert craving.summary.values == {"metric": "craving", "period": 7, "days": 3,
                                      "average": 4.3, "before": 6.0}
    # The line shows only this week: the week before is the comparison, not points.
    assert len(craving.points) == 7 and craving.points[0][0] == day(6)
    assert [run[0][0] for run in segments(craving.points)] == [1, 4, 6]


def test_the_week_edge_is_the_local_midnight_seven_days_back() -> None:
    first = day(6)
    just_inside = local(first, 0, 5)
    just_before = local(first, 0, 5) - timedelta(minutes=10)
    found = chart("urge", [urge(just_inside, 3), urge(just_before, 9)], TODAY, CHICAGO, 7)
    assert segments(found.points) == [[(0, 3.0)]]
    assert found.summary.values["before"] == 9.0  # the earlier one compares, unseen


@pytest.mark.parametrize("period", [7, 30, 90])
def test_each_period_has_one_point_per_day_ending_today(period: int) -> None:
    found = chart("mood", [check_in(local(day(period - 1), 10), 6, 2)], TODAY, CHICAGO, period)
    assert len(found.points) == period and found.points[-1][0] == TODAY
    assert segments(found.points) == [[(0, 6.0)]]


def test_a_period_across_the_daylight_saving_change_keeps_calendar_days() -> None:
    # Chicago left daylight saving time on 2026-11-01: that day has 25 hours.
    logs = [urge(local(date(2026, 10, 31), 23, 30), 4), urge(local(date(2026, 11, 1), 23, 30), 6),
            urge(local(date(2026, 11, 2), 0, 30), 8)]
    found = chart("urge", logs, TODAY, CHICAGO, 30)
    index = {d: i for i, (d, _) in enumerate(found.points)}
    assert segments(found.points) == [[(index[date(2026, 10, 31)], 4.0),
                                       (index[date(2026, 11, 1)], 6.0),
                                       (index[date(2026, 11, 2)], 8.0)]]


# --------------------------------------------------------------------- date labels


def test_date_labels_every_day_of_a_week_and_spaced_out_over_longer_periods() -> None:
    assert axis_ticks(7) == [0, 1, 2, 3, 4, 5, 6]
    assert axis_ticks(30) == [0, 7, 14, 21, 29]  # 28 would crowd today's label
    assert axis_ticks(90) == [0, 30, 60, 89]
    assert axis_ticks(14) == [0, 7, 13]
    assert axis_ticks(1) == [0] and axis_ticks(0) == []
    for days in range(1, 100):
        ticks = axis_ticks(days)
        assert ticks[0] == 0 and ticks[-1] == days - 1
        gaps = [b - a for a, b in pairwise(ticks)]
        assert all(gap >= 1 for gap in gaps)
        if days > 7:
            assert min(gaps) >= (7 if days <= 31 else 30) / 2


# ------------------------------------------------------------------------ skills


def test_skill_bars_shade_the_diary_card_days_it_helped() -> None:
    cards = [card(day=day(0).isoformat(), skills={"wise_mind": 7, "tipp": 4}),
             card(day=day(1).isoformat(), skills={"wise_mind": 5, "tipp": 6}),
             card(day=day(2).isoformat(), skills={"wise_mind": 4}),
             card(day=day(3).isoformat(), skills={"wise_mind": 3}),   # thought of, not used
             card(day=day(9).isoformat(), skills={"wise_mind": 7}),   # outside the week
             {"deleted": True}]
    logs = [urge(local(day(0), 9), 7, skills_used=["urge_surfing", "tipp"], intensity_after=2)]
    first = day(6)
    uses = skills_used_most(cards, logs, first, TODAY, CHICAGO)
    bars = skill_bars(uses, cards, first, TODAY)
    assert [(b.skill_id, b.times_used, b.helped) for b in bars] == [
        ("tipp", 3, 0), ("wise_mind", 3, 2), ("urge_surfing", 1, 0)]
    # An urge log's use is never counted as "helped": the log does not say.
    assert bars[2].use.average_drop == 5.0


def test_skill_bars_show_the_most_used_only() -> None:
    uses = [SkillUse(f"skill_{n}", 10 - n, None, None) for n in range(9)]
    bars = skill_bars(uses, [], day(6), TODAY)
    assert len(bars) == BARS_SHOWN and bars[0].skill_id == "skill_0"
    assert skill_bars([], [], day(6), TODAY) == []


def test_a_rating_that_is_not_a_whole_number_never_counts_as_helped() -> None:
    uses = [SkillUse("wise_mind", 1, None, None)]
    odd = [card(day=TODAY.isoformat(), skills={"wise_mind": True}),
           card(day=TODAY.isoformat(), skills={"wise_mind": 5.0}),
           card(day="not a day", skills={"wise_mind": 5}), card(day=TODAY.isoformat(), skills=[])]
    assert skill_bars(uses, odd, day(6), TODAY)[0].helped == 0


def test_helped_is_never_more_than_used() -> None:
    # Two cards for one day (an edit not yet merged) would say "helped twice".
    uses = [SkillUse("wise_mind", 1, 1.0, None)]
    cards = [card(day=TODAY.isoformat(), skills={"wise_mind": 7})] * 2
    assert skill_bars(uses, cards, day(6), TODAY)[0].helped == 1


# -------------------------------------------------------------------- summaries


@pytest.mark.parametrize(("uses", "key", "values"), [
    ([], "patterns.skills.none", {"skills": 0, "times": 0}),
    ([SkillUse("tipp", 1, None, None)], "patterns.skills.summary.single_once",
     {"skills": 1, "times": 1}),
    ([SkillUse("tipp", 4, None, None)], "patterns.skills.summary.single",
     {"skills": 1, "times": 4}),
    ([SkillUse("tipp", 4, None, None), SkillUse("stop", 1, None, None)],
     "patterns.skills.summary.many", {"skills": 2, "times": 5}),
])
def test_the_skills_sentence_as_data(uses: list[SkillUse], key: str,
                                     values: dict[str, int]) -> None:
    summary = skills_summary(uses, 30)
    assert summary.key == key and summary.values == {"period": 30, **values}


def test_the_triggers_sentence_counts_categories_and_typed_triggers() -> None:
    logs = [urge(local(day(0), 9), 7), urge(local(day(1), 9), 5),
            urge(local(day(2), 9), 5, trigger={"category": "people", "detail": ""})]
    check_ins = [check_in(local(day(0), 10), 5, 5, triggers=["Payday", "payday "])]
    counts = triggers_by_frequency(logs, check_ins, day(6), TODAY, CHICAGO)
    summary = triggers_summary(counts, 7)
    assert summary.key == "patterns.triggers.summary.many"
    assert summary.values == {"period": 7, "kinds": 3, "times": 4}
    assert triggers_summary([], 7).key == "patterns.triggers.none"
    assert triggers_summary([TriggerCount("urge_log", "places", 1)], 7).key == \
        "patterns.triggers.summary.single_once"
    assert triggers_summary([TriggerCount("urge_log", "places", 3)], 7).key == \
        "patterns.triggers.summary.single"


def test_nothing_logged_only_when_every_chart_and_list_is_empty() -> None:
    empty = [chart(metric, [], TODAY, CHICAGO, 7) for metric in ("mood", "craving")]
    assert nothing_logged(empty, [], [])
    assert not nothing_logged(empty, [SkillUse("tipp", 1, None, None)], [])
    assert not nothing_logged(empty, [], [TriggerCount("urge_log", "places", 1)])
    one_urge = chart("urge", [urge(local(TODAY, 9), 0)], TODAY, CHICAGO, 7)
    assert not nothing_logged([*empty, one_urge], [], [])  # an urge of 0 is an entry
    # Entries only in the week before: this week is still empty.
    before = chart("urge", [urge(local(day(8), 9), 6)], TODAY, CHICAGO, 7)
    assert nothing_logged([*empty, before], [], [])


@pytest.mark.parametrize(("highest", "top", "step"), [
    (0, 1, 1), (1, 1, 1), (3, 3, 1), (4, 4, 1), (5, 6, 2), (8, 8, 2), (9, 9, 3), (10, 12, 3), (17, 20, 5)])
def test_count_axes_use_whole_numbers_with_few_labels(highest: int, top: int, step: int) -> None:
    assert count_axis(highest) == (top, step)
    assert top >= highest and top % step == 0 and top // step <= 4
