"""After a reported use: the guided look back, and counting days with and without use.

No streaks: a day with use does not erase the days without it. Both counts are shown
side by side over a fixed window, and days without a check-in are counted in
neither (the app does not guess).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

LAPSE_REVIEW_FIELDS = ("what_happened", "what_helped", "do_differently", "who_i_will_tell")
LAPSE_TEXT_MAX = {"what_happened": 2000, "what_helped": 2000, "do_differently": 2000,
                  "who_i_will_tell": 500}
USE_WINDOW_DAYS = 30


def lapse_review_problems(texts: Mapping[str, str]) -> dict[str, str]:
    """Field name -> translation key; "form" when nothing at all was written."""
    problems: dict[str, str] = {}
    for name in LAPSE_REVIEW_FIELDS:
        if len(texts.get(name, "").strip()) > LAPSE_TEXT_MAX[name]:
            problems[name] = "lapse.error.too_long"
    if not any(texts.get(name, "").strip() for name in LAPSE_REVIEW_FIELDS):
        problems["form"] = "lapse.error.empty"
    return problems


def lapse_review_record(texts: Mapping[str, str], happened_on: date) -> dict[str, Any]:
    """The fields the store keeps; call only when `lapse_review_problems` is empty."""
    return {"happened_on": happened_on.isoformat(),
            **{name: texts.get(name, "").strip() for name in LAPSE_REVIEW_FIELDS}}


@dataclass(frozen=True)
class UseDayCounts:
    window_days: int
    first_day: date
    last_day: date
    days_without_use: int
    days_with_use: int
    days_without_check_in: int

    @property
    def has_check_ins(self) -> bool:
        return self.days_with_use + self.days_without_use > 0


def use_day_counts(check_ins: Iterable[Mapping[str, Any]], today: date, zone: tzinfo,
                   window_days: int = USE_WINDOW_DAYS) -> UseDayCounts:
    """Days in the `window_days` ending today (in `zone`) with and without reported use.

    A day counts "with use" when any check-in made that day reported use, even if
    another check-in that day did not; "without use" when it had check-ins and none
    reported use. Days are the participant's local days, not UTC days.
    """
    first_day = today - timedelta(days=window_days - 1)
    used_on: dict[date, bool] = {}
    for record in check_ins:
        day = datetime.fromisoformat(record["created_at"]).astimezone(zone).date()
        if first_day <= day <= today:
            used_on[day] = used_on.get(day, False) or bool(record.get("used_since_last"))
    with_use = sum(1 for used in used_on.values() if used)
    without_use = len(used_on) - with_use
    return UseDayCounts(window_days, first_day, today, without_use, with_use,
                        window_days - len(used_on))
