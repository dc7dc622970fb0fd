"""Trends from daily check-ins: the last 14 days of mood, craving and sleep. Pure functions.

What the participant sees is a small chart and, for screen readers and anyone who
prefers words, sentences built from `trend_sentences`. The rules:

* Days are calendar days in the participant's time zone. Several check-ins on one day
  count as that day's average, so a busy day does not outweigh a quiet one.
* A day without a check-in is a gap, never a zero: averages use only days with data,
  and the summary says how many days had a check-in.
* "This week" is the last 7 days (today included); "the week before" is the 7 days
  before that. A change is only described when both weeks have data, and it is judged
  on the numbers as shown (rounded), so a sentence never reads "up from 6 to 6".
* Words stay neutral ("up", "down", "about the same"): the app does not grade a week.

Sentences are returned as (translation key, values) pairs so the words live in the
locale files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

TREND_DAYS = 14
WEEK_DAYS = 7
METRICS = ("mood", "craving", "sleep_hours")


@dataclass(frozen=True)
class DayPoint:
    """One calendar day: the average of that day's check-ins, or None for no check-in."""

    day: date
    mood: float | None
    craving: float | None
    sleep_hours: float | None

    def value(self, metric: str) -> float | None:
        return getattr(self, metric)


@dataclass(frozen=True)
class MetricTrend:
    metric: str
    days_with_data: int
    average: float | None  # all 14 days
    this_week: float | None  # the last 7 days
    week_before: float | None  # the 7 days before those


@dataclass(frozen=True)
class TrendSentence:
    key: str
    values: dict[str, Any]


def daily_points(check_ins: Iterable[Mapping[str, Any]], today: date, zone: tzinfo,
                 days: int = TREND_DAYS) -> list[DayPoint]:
    """One point per day, oldest first, ending with `today` (in `zone`)."""
    first = today - timedelta(days=days - 1)
    by_day: dict[date, list[Mapping[str, Any]]] = {}
    for record in check_ins:
        day = datetime.fromisoformat(record["created_at"]).astimezone(zone).date()
        if first <= day <= today:
            by_day.setdefault(day, []).append(record)
    points = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        records = by_day.get(day, [])
        points.append(DayPoint(day, *(_mean(r.get(m) for r in records) for m in METRICS)))
    return points


def metric_trend(points: list[DayPoint], metric: str) -> MetricTrend:
    """Averages of one metric over the whole span and over its last two weeks."""
    values = [p.value(metric) for p in points]
    return MetricTrend(
        metric=metric,
        days_with_data=sum(v is not None for v in values),
        average=_mean(values),
        this_week=_mean(values[-WEEK_DAYS:]),
        week_before=_mean(values[-2 * WEEK_DAYS:-WEEK_DAYS]),
    )


def trend_sentences(points: list[DayPoint]) -> list[TrendSentence]:
    """The words that describe the chart: check-in days, mood, craving, then sleep."""
    total = len(points)
    checked = sum(any(p.value(m) is not None for m in METRICS) for p in points)
    if checked == 0:
        return [TrendSentence("trends.none", {"days": total})]
    sentences = [TrendSentence("trends.days", {"count": checked, "days": total})]
    for metric in ("mood", "craving"):
        sentence = _scale_sentence(metric_trend(points, metric), total)
        if sentence is not None:
            sentences.append(sentence)
    sleep = metric_trend(points, "sleep_hours")
    if sleep.average is not None:
        sentences.append(TrendSentence("trends.sleep",
                                       {"hours": format_number(round_half(sleep.average))}))
    if checked < total:
        sentences.append(TrendSentence("trends.gaps", {}))
    return sentences


def _scale_sentence(trend: MetricTrend, total_days: int) -> TrendSentence | None:
    prefix = f"trends.{trend.metric}"
    if trend.this_week is not None and trend.week_before is not None:
        now, before = round_whole(trend.this_week), round_whole(trend.week_before)
        direction = "up" if now > before else "down" if now < before else "same"
        return TrendSentence(f"{prefix}.{direction}", {"average": now, "before": before})
    if trend.average is None:
        return None
    # Only one of the two weeks has data: describe the span without a comparison.
    return TrendSentence(f"{prefix}.average",
                         {"average": round_whole(trend.average), "days": total_days})


def round_whole(value: float) -> int:
    """Half up (6.5 -> 7), not Python's round-half-to-even (6.5 -> 6)."""
    return int(value + 0.5)


def round_half(value: float) -> float:
    """To the nearest half (7.2 -> 7, 7.3 -> 7.5): "about 7.5 hours" is precise enough."""
    return int(value * 2 + 0.5) / 2


def format_number(value: float) -> str:
    return f"{value:g}"


def _mean(values: Iterable[Any]) -> float | None:
    present = [float(v) for v in values
               if v is not None and not isinstance(v, bool) and isinstance(v, (int, float))]
    return sum(present) / len(present) if present else None
