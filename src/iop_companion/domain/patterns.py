"""My patterns: what the charts need on top of domain/coping_logs.py's aggregates.
Pure functions, no Flet, no store.

* A line chart draws one line per run of days with an entry (`segments`): a day
  without an entry ends the run, so the line breaks there and nothing is drawn at 0.
* The date labels under a line chart (`axis_ticks`): every day of a week; about one a
  week over 30 days and one a month over 90; always the last day (today).
* The skills bar chart (`skill_bars`): how often each skill was used, and how many of
  those times the person's own diary card says it helped (rated 5 or 7 on the 0-7
  scale). An urge log does not say whether a skill helped, so its uses are never
  counted as "helped".
* Each bar chart has a sentence for screen readers (`skills_summary`,
  `triggers_summary`), as a translation key and its values, never English.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from iop_companion.domain.coping_logs import (
    SKILL_HELPED,
    Chart,
    SkillUse,
    Summary,
    TriggerCount,
    is_deleted,
)

# The line charts, in the order the page shows them ("mood" and "craving" from daily
# check-ins, "urge" from urge logs); all three are on a 0-10 scale.
LINE_METRICS = ("mood", "craving", "urge")
SCALE_MAX = 10
# Bars beyond this many would be too thin to read on a phone (about 350 px of chart).
BARS_SHOWN = 6

Segment = list[tuple[int, float]]  # (day index from the chart's first day, value)


def segments(points: Sequence[tuple[date, float | None]]) -> list[Segment]:
    """Runs of consecutive days with an entry, oldest first. A run may be one day long
    (drawn as a dot); a day without an entry (None) belongs to no run."""
    runs: list[Segment] = []
    current: Segment = []
    for index, (_, value) in enumerate(points):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, value))
    if current:
        runs.append(current)
    return runs


def axis_ticks(days: int) -> list[int]:
    """Which day indexes (0 = the first day shown) get a date label under the chart."""
    if days <= 0:
        return []
    if days <= 7:
        return list(range(days))
    step = 7 if days <= 31 else 30
    last = days - 1
    ticks = list(range(0, last, step))
    # Two labels closer than half a step would overlap: today's wins.
    if ticks and last - ticks[-1] < step / 2:
        ticks.pop()
    return [*ticks, last]


def has_entries(chart: Chart) -> bool:
    return any(value is not None for _, value in chart.points)


def nothing_logged(charts: Iterable[Chart], skills: Sequence[SkillUse],
                   triggers: Sequence[TriggerCount]) -> bool:
    """True when the period holds no entry at all: the page says so in a sentence
    instead of drawing empty charts."""
    return not skills and not triggers and not any(has_entries(c) for c in charts)


@dataclass(frozen=True)
class SkillBar:
    """One bar: `times_used` high, of which `helped` (from diary cards) is shaded."""

    use: SkillUse
    helped: int

    @property
    def skill_id(self) -> str:
        return self.use.skill_id

    @property
    def times_used(self) -> int:
        return self.use.times_used


def skill_bars(uses: Sequence[SkillUse], diary_cards: Iterable[Mapping[str, Any]],
               first: date, last: date, limit: int = BARS_SHOWN) -> list[SkillBar]:
    """The `limit` skills used most (`uses` as `skills_used_most` orders them), each with
    the number of diary-card days from `first` to `last` rated "it helped"."""
    helped: Counter[str] = Counter()
    for card in diary_cards:
        day = _card_day(card)
        skills = card.get("skills")
        if is_deleted(card) or day is None or not first <= day <= last or \
                not isinstance(skills, Mapping):
            continue
        for skill_id, rating in skills.items():
            # bool is an int in Python: True is not a rating.
            if type(rating) is int and rating in SKILL_HELPED:
                helped[skill_id] += 1
    # Never more "helped" than "used" (the two counts come from different functions).
    return [SkillBar(use, min(helped[use.skill_id], use.times_used)) for use in uses[:limit]]


def _card_day(card: Mapping[str, Any]) -> date | None:
    day = card.get("day")
    if not isinstance(day, str) or len(day) != 10:
        return None
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


def skills_summary(uses: Sequence[SkillUse], period: int) -> Summary:
    """"In the last 7 days you logged 3 skills, 5 times in all." as data."""
    skills, times = len(uses), sum(use.times_used for use in uses)
    values = {"period": period, "skills": skills, "times": times}
    if not uses:
        return Summary("patterns.skills.none", values)
    if skills == 1:
        return Summary("patterns.skills.summary.single_once" if times == 1
                       else "patterns.skills.summary.single", values)
    return Summary("patterns.skills.summary.many", values)


def triggers_summary(counts: Sequence[TriggerCount], period: int) -> Summary:
    """"In the last 7 days, 2 different triggers came up 3 times in all." as data."""
    kinds, times = len(counts), sum(count.count for count in counts)
    values = {"period": period, "kinds": kinds, "times": times}
    if not counts:
        return Summary("patterns.triggers.none", values)
    if kinds == 1:
        return Summary("patterns.triggers.summary.single_once" if times == 1
                       else "patterns.triggers.summary.single", values)
    return Summary("patterns.triggers.summary.many", values)


def count_axis(highest: int) -> tuple[int, int]:
    """The top of a count axis and the step between its labels: whole numbers, at
    most about 4 labels, the top a multiple of the step at or above `highest`."""
    highest = max(1, highest)
    step = max(1, -(-highest // 4))  # ceiling division
    return step * -(-highest // step), step
